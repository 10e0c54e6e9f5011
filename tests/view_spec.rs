//! The view specification is a pure function of the settings and a few facts about the state:
//! properties over random settings, without a window.

use proptest::prelude::*;
use scorefield::dist::NoiseLevel;
use scorefield::sample::SamplerKind;
use scorefield::scene::spec::{
    DrawnLevel, ModelFacts, ScoreSpec, SpecInputs, Target, field_spec, view_spec,
};
use scorefield::session::Settings;
use scorefield::session::settings::{GuidedField, Heatmap};

fn settings() -> impl Strategy<Value = Settings> {
    (
        (
            prop::sample::select(SamplerKind::ALL.to_vec()),
            prop::sample::select(SamplerKind::ALL.to_vec()),
            any::<bool>(),
            any::<bool>(),
            prop::option::of(0usize..6),
            0.0f64..5.0,
            prop::sample::select(vec![
                GuidedField::Guided,
                GuidedField::Conditional,
                GuidedField::Unconditional,
            ]),
        ),
        (
            0.0f64..20.0,
            prop::option::of(1usize..1000),
            prop::sample::select(vec![Heatmap::Density, Heatmap::Error, Heatmap::None]),
            4usize..64,
            0.001f64..1.0,
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (a, b, compare, learned, class, scale, shown),
                (sigma, t, heat, arrows, eps, follow),
            )| {
                Settings {
                    sampler_a: a,
                    sampler_b: b,
                    compare,
                    use_learned: learned,
                    guidance_class: class,
                    guidance_scale: scale,
                    guided_field: shown,
                    sigma,
                    ddpm_t: t,
                    heatmap: heat,
                    arrow_n: arrows,
                    eps,
                    follow_level: follow,
                    ..Settings::default()
                }
            },
        )
}

fn inputs() -> impl Strategy<Value = SpecInputs> {
    (
        0u64..5,
        0u64..5,
        prop::option::of(1usize..5),
        prop::option::of((0u64..1000, any::<bool>())),
        prop::option::of((any::<bool>(), 0.001f64..0.999)),
        4u32..12,
    )
        .prop_map(
            |(data_version, view_epoch, components, model, level, fit)| SpecInputs {
                data_version,
                view_epoch,
                components,
                model: model.map(|(step, conditional)| ModelFacts { step, conditional }),
                fisher_sigmas: vec![5.0, 1.0, 0.2],
                sampler_level: level.map(|(vp, v)| {
                    if vp {
                        NoiseLevel::Vp { abar: v }
                    } else {
                        NoiseLevel::Ve { sigma: 20.0 * v }
                    }
                }),
                frame_fit_quarters: fit,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_panes_follow_the_samplers_and_the_score_rules(s in settings(), i in inputs()) {
        let v = view_spec(&s, &i);
        prop_assert_eq!(&v, &view_spec(&s, &i), "a pure function");
        let kinds: Vec<SamplerKind> = v.panes.iter().map(|p| p.sampler).collect();
        if s.compare {
            prop_assert_eq!(kinds, vec![s.sampler_a, s.sampler_b]);
        } else {
            prop_assert_eq!(kinds, vec![s.sampler_a]);
        }
        let class = s.guidance_class.filter(|k| i.components.is_some_and(|n| *k < n));
        for p in &v.panes {
            match (p.score, i.model) {
                (ScoreSpec::Learned { cfg }, Some(m)) => {
                    prop_assert!(s.use_learned);
                    prop_assert_eq!(cfg.map(|c| c.0), class.filter(|_| m.conditional));
                }
                (ScoreSpec::Learned { .. }, None) => prop_assert!(false, "learned without a model"),
                (ScoreSpec::Exact { guidance }, _) => {
                    prop_assert!(!s.use_learned || i.model.is_none());
                    prop_assert_eq!(guidance.map(|g| g.0), class);
                }
            }
            let guided = match p.score {
                ScoreSpec::Exact { guidance } => guidance,
                ScoreSpec::Learned { cfg } => cfg,
            };
            let expected = match (i.components, guided) {
                (None, _) => Target::None,
                (Some(_), Some((k, g))) if g >= 1.0 => Target::Class(k),
                (Some(_), Some((k, g))) if g > 0.0 => Target::Tempered(k),
                _ => Target::MixtureWeights,
            };
            prop_assert_eq!(p.target, expected);
        }
    }

    #[test]
    fn the_field_follows_the_selector_and_the_level(s in settings(), i in inputs()) {
        let f = field_spec(&s, &i);
        prop_assert_eq!(
            f.error_layer,
            i.model.is_some() && matches!(s.heatmap, Heatmap::Error | Heatmap::WeightedError)
        );
        let class = s.guidance_class.filter(|k| i.components.is_some_and(|n| *k < n));
        let expected = class.and_then(|k| match s.guided_field {
            GuidedField::Guided => Some((k, s.guidance_scale)),
            GuidedField::Conditional => Some((k, 1.0)),
            GuidedField::Unconditional => None,
        });
        prop_assert_eq!(f.exact_guidance, expected);
        match i.model {
            Some(m) => {
                let l = f.learned.expect("learned layers with a model");
                prop_assert_eq!(l.model_step, m.step);
                prop_assert_eq!(l.cfg, expected.filter(|_| m.conditional));
            }
            None => prop_assert!(f.learned.is_none()),
        }
        match (s.follow_level, i.sampler_level, s.ddpm_t) {
            (true, Some(NoiseLevel::Ve { sigma }), _) => {
                prop_assert_eq!(f.level, DrawnLevel::Sigma(sigma));
            }
            (true, Some(NoiseLevel::Vp { abar }), _) => prop_assert_eq!(f.level, DrawnLevel::Vp(abar)),
            (_, _, Some(t)) => prop_assert_eq!(f.level, DrawnLevel::DdpmStep(t)),
            _ => prop_assert_eq!(f.level, DrawnLevel::Sigma(s.sigma)),
        }
        prop_assert_eq!(f.follows_sampler, s.follow_level && i.sampler_level.is_some());
        prop_assert_eq!(f.frame_fit_quarters, i.frame_fit_quarters.max(4));
        prop_assert_eq!((f.data_version, f.view_epoch), (i.data_version, i.view_epoch));
    }

    /// What only changes how the layers are drawn never asks for a new field, and what only
    /// changes the samplers never changes the field; the panes do not depend on the view.
    #[test]
    fn groups_are_independent(s in settings(), i in inputs(), sigma in 0.0f64..20.0, eps in 0.001f64..1.0) {
        let base = view_spec(&s, &i);
        let drawn = Settings {
            show_exact: !s.show_exact,
            log_scale: !s.log_scale,
            error_max: 7.0,
            ..s.clone()
        };
        prop_assert_eq!(&view_spec(&drawn, &i).field, &base.field);
        prop_assert_eq!(&view_spec(&drawn, &i).panes, &base.panes);
        let level = Settings { sigma, ..s.clone() };
        prop_assert_eq!(&view_spec(&level, &i).panes, &base.panes);
        let sampler = Settings { eps, particles: 99, steps_per_level: 7, ..s.clone() };
        prop_assert_eq!(&view_spec(&sampler, &i).field, &base.field);
    }

    /// Another model step is "the same field but the weights"; anything else is not.
    #[test]
    fn only_a_new_model_step_is_a_weights_refresh(s in settings(), i in inputs(), step in 0u64..1000) {
        let f = field_spec(&s, &i);
        let newer = SpecInputs {
            model: i.model.map(|m| ModelFacts { step, ..m }),
            ..i.clone()
        };
        prop_assert!(f.same_but_weights(&field_spec(&s, &newer)));
        let other_data = SpecInputs { data_version: i.data_version + 1, ..i.clone() };
        prop_assert!(!f.same_but_weights(&field_spec(&s, &other_data)));
        let other_sigma = Settings { sigma: s.sigma + 1.0, ddpm_t: None, follow_level: false, ..s.clone() };
        let moved = Settings { ddpm_t: None, follow_level: false, ..s.clone() };
        prop_assert!(!field_spec(&moved, &i).same_but_weights(&field_spec(&other_sigma, &i)));
    }
}
