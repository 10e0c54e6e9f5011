//! The app in front of a hall, through egui_kittest: framing at three window sizes for every
//! lecture in both modes, a stable layout, keys that cannot destroy work, undo, the timeline,
//! the field following the sampler, captions, and a tooltip on every control.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use scorefield::geom::Point;
use scorefield::sample::SamplerKind;
use scorefield::session::lectures::LECTURES;
use scorefield::ui::{AppCommand, ScorefieldApp, Settings};

mod support;
use support::harness::*;

const SIZES: [(f32, f32); 3] = [(1280.0, 720.0), (1400.0, 900.0), (1920.0, 1080.0)];

/// The data's extent lies inside the drawn plot, and both axes have the same scale.
fn assert_framed(app: &ScorefieldApp, what: &str) {
    let t = app.plot_transform().expect("a plot");
    let frame = *t.frame();
    let extent = scorefield::scene::data_extent(app.dataset());
    for (x, y) in [
        (extent.x_min, extent.y_min),
        (extent.x_max, extent.y_max),
        (extent.x_min, extent.y_max),
        (extent.x_max, extent.y_min),
    ] {
        let p = app.screen_pos(Point::new(x, y)).expect("on screen");
        assert!(
            frame.expand(0.5).contains(p),
            "{what}: the data corner ({x:.2}, {y:.2}) is drawn at {p:?}, outside {frame:?}"
        );
    }
    let (sx, sy) = (t.dpos_dvalue_x(), -t.dpos_dvalue_y());
    assert!(
        (sx / sy - 1.0).abs() < 0.01,
        "{what}: the axes have different scales ({sx} and {sy} pixels per unit)"
    );
}

#[test]
fn every_lecture_is_framed_at_every_size_in_both_modes() {
    for (w, hgt) in SIZES {
        let mut h = harness_sized(Settings::default(), egui::vec2(w, hgt));
        for (i, l) in LECTURES.iter().enumerate() {
            for presenter in [false, true] {
                h.state_mut().apply(AppCommand::GoToLecture(i));
                h.state_mut().settings.presenter = presenter;
                h.run_steps(4);
                let what = format!("{} at {w}×{hgt}, presenter {presenter}", l.name);
                assert_framed(h.state(), &what);
            }
        }
    }
}

#[test]
fn the_metrics_strip_keeps_its_height_across_a_resize() {
    let mut h = harness(Settings::default());
    h.run_steps(3);
    let before = h.state().metrics_rect().expect("metrics").height();
    h.set_size(egui::vec2(1920.0, 1080.0));
    h.run_steps(3);
    h.set_size(egui::vec2(1280.0, 720.0));
    h.run_steps(3);
    h.set_size(egui::vec2(1400.0, 900.0));
    h.run_steps(3);
    let after = h.state().metrics_rect().expect("metrics").height();
    assert!((before - after).abs() < 0.5, "{before} then {after}");
}

/// Presses `key` with the pointer over the plot (where the keys act).
fn press_over_the_plot(h: &mut Harness<'static, ScorefieldApp>, key: egui::Key) {
    let pos = h
        .state()
        .screen_pos(Point::new(0.0, 0.0))
        .expect("on screen");
    h.hover_at(pos);
    h.step();
    h.key_press(key);
    h.step();
}

#[test]
fn digits_typed_into_the_controls_never_switch_the_preset() {
    let mut h = harness(Settings::default());
    h.run_steps(3);
    // A focused text box takes the digit.
    h.get_by_role(Role::TextInput).click();
    h.step();
    h.key_press(egui::Key::Num2);
    h.step();
    assert_eq!(h.state().settings.preset, "ncsn-two-modes");
    h.key_press(egui::Key::Escape);
    h.step();
    // A number box that has not taken the focus: the pointer is over the control panel.
    h.get_by_label("Model and training").hover();
    h.step();
    h.key_press(egui::Key::Num2);
    h.step();
    assert_eq!(h.state().settings.preset, "ncsn-two-modes");
    // Over the plot the key switches presets.
    press_over_the_plot(&mut h, egui::Key::Num2);
    assert_eq!(h.state().settings.preset, "ring8");
}

#[test]
fn ctrl_z_after_a_preset_switch_restores_the_trained_model() {
    let mut h = harness(small_settings());
    train_then_pause(&mut h, 20);
    wait_until(&mut h, "the pause", |a| !a.is_training());
    let trained = h.state().current_session(true);
    let model = trained.model.clone().expect("a trained model");
    press_over_the_plot(&mut h, egui::Key::Num2);
    assert_eq!(h.state().settings.preset, "ring8");
    assert_eq!(h.state().train_step(), 0, "the switch discards the model");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.step();
    let back = h.state().current_session(true);
    assert_eq!(back.settings.preset, "ncsn-two-modes");
    assert_eq!(back.settings, trained.settings);
    assert!(
        back.model == Some(model),
        "the model is not the trained one"
    );
    assert!(h.state().notices().iter().any(|n| n.starts_with("undid")));
    // A failed open changes nothing, so it leaves nothing to undo.
    h.state_mut()
        .open_session("/nonexistent/scorefield.session.json");
    h.step();
    assert!(!h.state().errors().is_empty());
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.step();
    assert_eq!(
        h.state().notices().last().map(String::as_str),
        Some("nothing to undo")
    );
    assert_eq!(h.state().settings.preset, "ncsn-two-modes");
}

#[test]
fn scrubbing_to_a_frame_shows_the_particles_of_a_fresh_run_stopped_there() {
    let settings = Settings {
        speed: 200,
        ..Settings::default()
    };
    let mut h = harness(settings);
    wait_until(&mut h, "two panes", |a| a.sampler_view().panes.len() == 2);
    h.get_by_label("Play samplers").click();
    h.step();
    wait_until(&mut h, "the end", |a| {
        let v = a.sampler_view();
        v.panes.iter().all(|p| p.cursor == p.total) && !v.playing
    });
    let (frames, stride) = (
        h.state().sampler_view().frames,
        h.state().sampler_view().stride,
    );
    assert!(frames > 10, "{frames} frames");
    let k = frames / 3;
    h.get_by_role_and_label(Role::Slider, "timeline")
        .set_value_accesskit(k as f64);
    h.step();
    wait_until(&mut h, "the scrubbed frame", |a| {
        a.sampler_view()
            .panes
            .iter()
            .all(|p| p.cursor == k * stride)
    });
    let session = h.state().current_session(false);
    let data = session.dataset().expect("data");
    let pane = scorefield::scene::figures::session_spec(&session, &data)
        .panes
        .remove(0);
    let (mut fresh, source) =
        scorefield::scene::figures::pane_run(&session, &data, &pane).expect("run");
    fresh.advance(&source, k * stride);
    assert_eq!(
        h.state().sampler_view().panes[0].positions,
        fresh.positions()
    );
    // Play runs on from the frame.
    h.get_by_label("Play samplers").click();
    h.step();
    wait_until(&mut h, "the end again", |a| {
        a.sampler_view().panes.iter().all(|p| p.cursor == p.total)
    });
}

#[test]
fn with_follow_level_the_drawn_field_is_at_the_samplers_sigma() {
    let settings = Settings {
        compare: false,
        sampler_a: SamplerKind::AnnealedLangevin,
        follow_level: true,
        speed: 150,
        ..Settings::default()
    };
    let mut h = harness(settings);
    wait_until(&mut h, "a pane", |a| a.sampler_view().panes.len() == 1);
    // Three levels and a half in: the fourth of ten levels.
    h.state_mut().apply(AppCommand::SamplersStep(350));
    h.step();
    wait_until(&mut h, "steps", |a| a.sampler_view().panes[0].cursor == 350);
    wait_until(&mut h, "the followed field", |a| {
        a.drawn_field().is_some_and(|(_, dimmed)| !dimmed)
    });
    let pane_sigma = h.state().sampler_view().panes[0].sigma;
    let field_sigma = h.state().field_result().expect("field").sigma;
    assert!(pane_sigma > 1.0, "the run is annealing: {pane_sigma}");
    assert!(
        (field_sigma - pane_sigma).abs() < 1e-12,
        "field σ {field_sigma} vs sampler σ {pane_sigma}"
    );
    assert!(h.query_by_label_contains("following sampler A").is_some());
}

#[test]
fn every_lecture_shows_its_caption() {
    let mut h = harness(Settings::default());
    for (i, l) in LECTURES.iter().enumerate() {
        h.state_mut().apply(AppCommand::GoToLecture(i));
        h.run_steps(2);
        let labels: Vec<String> = h
            .query_all_by_role(Role::Label)
            .filter_map(|n| n.accesskit_node().label())
            .filter(|t| t.contains(&l.caption[..6]))
            .collect();
        assert!(
            h.query_by_label(l.caption).is_some(),
            "{}: no caption on screen: {labels:?}",
            l.name
        );
    }
}

/// Every button, check box, slider, combo box and text box of the controls says what it does.
#[test]
fn every_control_has_a_tooltip() {
    let settings = Settings {
        guidance_class: Some(0),
        ..Settings::default()
    };
    let mut h = harness(settings);
    for section in ["Session and lectures", "Export", "Guidance"] {
        h.get_by_label(section).click();
        h.run_steps(2);
    }
    let mut missing = Vec::new();
    for role in [
        Role::Button,
        Role::CheckBox,
        Role::Slider,
        Role::ComboBox,
        Role::TextInput,
    ] {
        for node in h.query_all_by_role(role) {
            let n = node.accesskit_node();
            // The plots' legend entries (they toggle a layer) are not controls.
            let label = n.label().unwrap_or_default();
            let legend = [
                "exact score",
                "learned score",
                "data",
                "Tweedie E[x₀|x] − x",
            ]
            .contains(&label.as_str())
                || label.starts_with("A: ")
                || label.starts_with("B: ");
            if legend && role == Role::CheckBox {
                continue;
            }
            if n.description().is_none_or(|d| d.is_empty()) {
                missing.push(format!("{role:?} {:?}", n.label().unwrap_or_default()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "controls without a tooltip: {missing:#?}"
    );
}
