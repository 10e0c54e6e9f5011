//! Built-in lecture presets: one session per idea of the lectures, in teaching order. The
//! default playlist is this list; PageUp / PageDown step through it in the app.

use super::file::{DataSpec, Session};
use super::settings::{Heatmap, Settings};
use crate::sample::SamplerKind;

/// A named lecture step.
pub struct Lecture {
    pub name: &'static str,
    pub title: &'static str,
    /// The lecture's point and its formula, in Unicode maths (shown under the title).
    pub caption: &'static str,
    build: fn() -> (String, Settings),
}

impl Lecture {
    pub fn session(&self) -> Session {
        let (preset, mut settings) = (self.build)();
        settings.preset = preset.clone();
        Session {
            title: self.title.to_string(),
            data: DataSpec::Preset(preset),
            settings,
            model: None,
        }
    }
}

fn single(sampler: SamplerKind) -> Settings {
    Settings {
        compare: false,
        sampler_a: sampler,
        ..Settings::default()
    }
}

pub const LECTURES: &[Lecture] = &[
    Lecture {
        name: "score-field",
        title: "The score of a mixture: arrows point up the density",
        caption: "The score points up the density: ∇log p(x) = Σₖ rₖ(x) Cₖ⁻¹(μₖ − x)",
        build: || {
            (
                "three-anisotropic".into(),
                Settings {
                    sigma: 0.2,
                    compare: false,
                    ..Settings::default()
                },
            )
        },
    },
    Lecture {
        name: "gradient-ascent",
        title: "Gradient ascent on log p collapses onto the modes",
        caption: "x ← x + (ε/2) ∇log p(x) climbs to the modes: every particle collapses, nothing is sampled",
        build: || {
            (
                "ring8".into(),
                Settings {
                    eps: 0.01,
                    init_uniform: 6.0,
                    ..single(SamplerKind::GradientAscent)
                },
            )
        },
    },
    Lecture {
        name: "langevin",
        title: "Langevin dynamics: the noise turns ascent into sampling",
        caption: "x ← x + (ε/2) ∇log p(x) + √ε z samples p as ε → 0 and the steps → ∞",
        build: || {
            (
                "ring8".into(),
                Settings {
                    eps: 0.01,
                    init_uniform: 6.0,
                    ..single(SamplerKind::Langevin)
                },
            )
        },
    },
    Lecture {
        name: "low-density-error",
        title: "Where the data is not, the learned score is wrong",
        caption: "Score matching weights the error by p: E_p |s_θ − ∇log p|² leaves the empty regions unlearned",
        build: || {
            let s = Settings {
                sigma: 0.1,
                heatmap: Heatmap::Error,
                train_sigma_min: 0.1,
                ..Settings::default()
            };
            ("ncsn-two-modes".into(), s)
        },
    },
    Lecture {
        name: "langevin-vs-annealed",
        title: "Langevin keeps the initial split; annealing recovers 0.8 / 0.2",
        caption: "Annealing σ₁ > … > σ_L with αᵢ = ε σᵢ² / σ_L² recovers the weights plain Langevin keeps wrong",
        build: || ("ncsn-two-modes".into(), Settings::default()),
    },
    Lecture {
        name: "noise-levels",
        title: "Noise levels: sigma_max ~ the largest distance, adjacent levels overlap",
        caption: "σ₁ ≈ the largest pairwise distance, σᵢ geometric, adjacent q_σᵢ overlap",
        build: || {
            (
                "ring8".into(),
                Settings {
                    sigma: 3.0,
                    train_levels: 10,
                    ..Settings::default()
                },
            )
        },
    },
    Lecture {
        name: "dsm-ssm-ism",
        title: "Denoising, sliced and implicit score matching",
        caption: "DSM: E|s_θ(x̃) + (x̃ − x)/σ²|² · SSM: E[vᵀ∇s v + ½(vᵀs)²] · ISM: E[tr ∇s + ½|s|²]",
        build: || {
            (
                "ring8".into(),
                Settings {
                    objective: super::settings::TrainObjective::Ssm,
                    compare: false,
                    ..Settings::default()
                },
            )
        },
    },
    Lecture {
        name: "tweedie",
        title: "Tweedie: the score points to the denoised estimate E[x0|x]",
        caption: "Tweedie: E[x₀ | x] = x + σ² ∇log q_σ(x)",
        build: || {
            (
                "ring8".into(),
                Settings {
                    sigma: 1.0,
                    show_tweedie: true,
                    show_exact: false,
                    ..Settings::default()
                },
            )
        },
    },
    Lecture {
        name: "sde-vs-ode",
        title: "Reverse VE SDE beside the probability-flow ODE",
        caption: "The reverse SDE and the probability-flow ODE dx = −½ g² ∇log q_t dt share every marginal q_t",
        build: || {
            let s = Settings {
                sampler_a: SamplerKind::VeSde,
                sampler_b: SamplerKind::PfOdeHeun,
                sampler_sigma_max: 12.0,
                sampler_sigma_min: 0.01,
                init_uniform: 0.0,
                ..Settings::default()
            };
            ("ring8".into(), s)
        },
    },
    Lecture {
        name: "ddpm",
        title: "DDPM: the linear beta schedule and its sigma_t",
        caption: "xₜ = √ᾱₜ x₀ + √(1 − ᾱₜ) ε, ᾱₜ = Π(1 − βₛ), σₜ = √((1 − ᾱₜ) / ᾱₜ)",
        build: || {
            let s = Settings {
                sampler_a: SamplerKind::Ddpm,
                sampler_b: SamplerKind::Ddim,
                ddpm_t: Some(300),
                init_uniform: 0.0,
                ..Settings::default()
            };
            ("two-moons".into(), s)
        },
    },
    Lecture {
        name: "guidance",
        title: "Classifier guidance with the exact posterior",
        caption: "∇log p(x | y) = ∇log p(x) + γ ∇log p(y | x): γ > 1 pushes harder towards the class",
        build: || {
            let s = Settings {
                sampler_a: SamplerKind::AnnealedLangevin,
                compare: false,
                guidance_class: Some(1),
                guidance_scale: 3.0,
                ..Settings::default()
            };
            ("ncsn-two-modes".into(), s)
        },
    },
    Lecture {
        name: "manifold",
        title: "The manifold pitfall: data on a circle has no density",
        caption: "Data on a circle has no density: ∇log p is undefined off the circle; σ > 0 makes q_σ smooth",
        build: || {
            (
                "circle".into(),
                Settings {
                    sigma: 0.05,
                    compare: false,
                    ..Settings::default()
                },
            )
        },
    },
];

/// The lecture called `name`.
pub fn lecture(name: &str) -> Option<&'static Lecture> {
    LECTURES.iter().find(|l| l.name == name)
}

/// The lecture called `name`, or an error listing the names.
pub fn find(name: &str) -> Result<(usize, &'static Lecture), String> {
    LECTURES
        .iter()
        .enumerate()
        .find(|(_, l)| l.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = LECTURES.iter().map(|l| l.name).collect();
            format!(
                "unknown lecture '{name}'; known lectures: {}",
                names.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lecture_is_a_valid_session_that_round_trips() {
        for l in LECTURES {
            let s = l.session();
            s.settings
                .validate()
                .unwrap_or_else(|e| panic!("{}: {e}", l.name));
            s.dataset().unwrap_or_else(|e| panic!("{}: {e}", l.name));
            let back = Session::from_json(s.to_json().as_bytes(), l.name).expect("round trip");
            assert_eq!(back, s, "{}", l.name);
        }
    }
}
