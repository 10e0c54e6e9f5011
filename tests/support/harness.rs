//! Helpers of the tests that drive the real app through egui_kittest.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use scorefield::ui::{ScorefieldApp, Settings};
use std::time::{Duration, Instant};

/// The app in a harness of 1400×900 points, one frame in.
pub fn harness(settings: Settings) -> Harness<'static, ScorefieldApp> {
    harness_sized(settings, egui::vec2(1400.0, 900.0))
}

/// The app in a harness of `size` points, one frame in.
pub fn harness_sized(settings: Settings, size: egui::Vec2) -> Harness<'static, ScorefieldApp> {
    let app = ScorefieldApp::new(settings, None);
    let mut h = Harness::builder()
        .with_size(size)
        .build_ui_state(|ui, app: &mut ScorefieldApp| app.frame_ui(ui), app);
    h.step();
    h
}

/// A light network so debug-build tests train quickly.
pub fn small_settings() -> Settings {
    Settings {
        width: 32,
        depth: 2,
        batch: 64,
        threads: 1,
        ..Settings::default()
    }
}

/// Steps frames (the workers run on their own threads) until `done` or the deadline.
pub fn wait_until(
    h: &mut Harness<'static, ScorefieldApp>,
    what: &str,
    done: impl Fn(&ScorefieldApp) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done(h.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
}

/// Scrolls the widget labelled `label` into view, then clicks it: a click on a widget scrolled
/// out of its window's view does not reach it (the image panel's lower buttons sit below the
/// fold of its default 640-point height).
pub fn click_in_view(h: &mut Harness<'static, ScorefieldApp>, label: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run_steps(3);
    h.get_by_label(label).click();
    h.step();
}

/// Trains from the buttons until at least `steps` steps, then pauses.
pub fn train_then_pause(h: &mut Harness<'static, ScorefieldApp>, steps: u64) {
    h.get_by_label("Run training").click();
    h.step();
    wait_until(h, "training steps", |a| a.train_step() >= steps);
    h.get_by_label("Pause training").click();
    h.step();
}

/// Opens a collapsed section of the control panel and scrolls `label` into view.
pub fn reveal(h: &mut Harness<'static, ScorefieldApp>, section: &str, label: &str) {
    if h.query_by_label(label).is_none() {
        h.get_by_label(section).scroll_to_me();
        h.run_steps(3);
        h.get_by_label(section).click();
        h.run_steps(3);
    }
    h.get_by_label(label).scroll_to_me();
    h.run_steps(3);
}

/// Waits until the drawn field is the one the settings ask for (not dimmed).
pub fn wait_for_current_field(h: &mut Harness<'static, ScorefieldApp>, what: &str) {
    wait_until(h, what, |a| {
        a.drawn_field().is_some_and(|(_, dimmed)| !dimmed)
    });
}
