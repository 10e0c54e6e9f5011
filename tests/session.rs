//! Session files: round trips (with weights: identical scores), a corpus of bad files that each
//! give a clear error and leave the current session untouched, and the lecture playlist.

use egui_kittest::Harness;
use scorefield::data::Dataset;
use scorefield::dist::NoiseLevel;
use scorefield::geom::Point;
use scorefield::sample::{LearnedScore, ScoreSource};
use scorefield::session::{DataSpec, Session, Settings};
use scorefield::train::{TrainConfig, Trainer};
use std::path::PathBuf;
use std::sync::Arc;

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scorefield-session-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn trained_session() -> Session {
    let data = scorefield::data::preset("ring8").expect("preset").dataset();
    let mut config = TrainConfig::ncsn_default(
        scorefield::dist::SigmaSchedule::geometric(8.0, 0.1, 5).expect("s"),
    );
    config.hidden = vec![16, 16];
    let mut t = Trainer::new(config, data.clone()).expect("trainer");
    for _ in 0..10 {
        t.step();
    }
    Session {
        title: "a demo".into(),
        data: DataSpec::Inline(data),
        settings: Settings {
            sigma: 0.7,
            particles: 333,
            compare: false,
            ..Settings::default()
        },
        model: Some(t.model()),
    }
}

#[test]
fn save_then_load_gives_the_same_session_and_identical_scores() {
    let dir = scratch("roundtrip");
    let path = dir.join("demo.json");
    let session = trained_session();
    session.save(&path).expect("save");
    let back = Session::load(&path).expect("load");
    assert_eq!(back, session);
    let xs: Vec<Point> = (0..40)
        .map(|i| Point::new(0.2 * i as f64 - 4.0, 0.5))
        .collect();
    let (mut a, mut b) = (vec![Point::zeros(); 40], vec![Point::zeros(); 40]);
    LearnedScore::new(Arc::new(session.model.clone().expect("model"))).score_batch(
        NoiseLevel::Ve { sigma: 0.4 },
        &xs,
        &mut a,
    );
    LearnedScore::new(Arc::new(back.model.clone().expect("model"))).score_batch(
        NoiseLevel::Ve { sigma: 0.4 },
        &xs,
        &mut b,
    );
    assert_eq!(a, b);
    // Point data round-trips too.
    let pts = Session {
        data: DataSpec::Inline(scorefield::data::preset("spiral").expect("p").dataset()),
        model: None,
        ..session
    };
    assert_eq!(
        Session::from_json(pts.to_json().as_bytes(), "p").expect("load"),
        pts
    );
}

fn app_harness() -> Harness<'static, scorefield::ui::ScorefieldApp> {
    let app = scorefield::ui::ScorefieldApp::new(Settings::default(), None);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(
            |ui, app: &mut scorefield::ui::ScorefieldApp| app.frame_ui(ui),
            app,
        );
    h.step();
    h
}

#[test]
fn bad_session_files_give_their_error_and_keep_the_current_session() {
    let dir = scratch("bad");
    let good = trained_session().to_json();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.json",
            good.as_bytes()[..good.len() / 2].to_vec(),
            "line",
        ),
        (
            "garbage.json",
            vec![0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x13],
            "line 1, column",
        ),
        (
            "version.json",
            good.replacen("\"version\": 1", "\"version\": 99", 1)
                .into_bytes(),
            "session version 99 is not supported",
        ),
        (
            "format.json",
            good.replacen("scorefield-session", "something-else", 1)
                .into_bytes(),
            "format is 'something-else'",
        ),
        (
            "unknown.json",
            good.replacen("\"sigma\": 0.7", "\"sigma\": 0.7, \"colour\": 3", 1)
                .into_bytes(),
            "unknown field `colour`",
        ),
        (
            "type.json",
            good.replacen("\"particles\": 333", "\"particles\": \"many\"", 1)
                .into_bytes(),
            "settings.particles: invalid type",
        ),
        (
            "range.json",
            good.replacen("\"particles\": 333", "\"particles\": 0", 1)
                .into_bytes(),
            "settings.particles: must be in",
        ),
        (
            "weights.json",
            good.replacen("\"weight\": 0.125", "\"weight\": -1", 1)
                .into_bytes(),
            "data.mixture: components[0].weight",
        ),
        (
            "nan.json",
            good.replacen("\"weight\": 0.125", "\"weight\": NaN", 1)
                .into_bytes(),
            "line",
        ),
        (
            "points.json",
            br#"{"format":"scorefield-session","version":1,"data":{"points":[[1,"two"]]}}"#
                .to_vec(),
            "data.points",
        ),
        (
            "model.json",
            good.replacen("\"rows\": 16", "\"rows\": 17", 1)
                .into_bytes(),
            "model",
        ),
    ];
    let mut h = app_harness();
    let before = (h.state().settings.clone(), h.state().dataset().clone());
    for (name, bytes, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).expect("write");
        let err = Session::load(&path).expect_err(name);
        assert!(
            err.contains(name),
            "{name}: the error does not name the file: {err}"
        );
        assert!(err.contains(expected), "{name}: {err}");
        h.state_mut().open_session(&path.display().to_string());
        h.step();
        assert_eq!(
            h.state().errors().last().map(String::as_str),
            Some(err.as_str())
        );
        assert_eq!(
            (&h.state().settings, h.state().dataset()),
            (&before.0, &before.1),
            "{name} changed the session"
        );
    }
    // A write that cannot happen leaves nothing behind and says where.
    let target = dir.join("no-such-dir").join("s.json");
    let err = trained_session().save(&target).expect_err("missing folder");
    assert!(err.contains("no-such-dir"), "{err}");
    assert!(!target.exists());
}

#[test]
fn the_app_saves_and_reopens_a_session_with_its_data_and_weights() {
    let dir = scratch("app");
    let path = dir.join("class.json").display().to_string();
    let mut h = app_harness();
    h.state_mut().load_preset("three-anisotropic");
    h.state_mut().settings.sigma = 2.5;
    h.state_mut().save_session(&path);
    h.state_mut().load_preset("ring8");
    h.state_mut().settings.sigma = 0.3;
    h.state_mut().open_session(&path);
    h.step();
    assert!(h.state().errors().is_empty(), "{:?}", h.state().errors());
    assert_eq!(h.state().settings.preset, "three-anisotropic");
    assert_eq!(h.state().settings.sigma, 2.5);
    assert!(matches!(h.state().dataset(), Dataset::Mixture(m) if m.len() == 3));
    assert_eq!(h.state().recent().first(), Some(&path));
}

#[test]
fn page_down_and_up_step_through_the_lectures() {
    use scorefield::session::lectures::LECTURES;
    let mut h = app_harness();
    h.key_press(egui::Key::PageDown);
    h.step();
    assert_eq!(
        h.state().settings.preset,
        "three-anisotropic",
        "lecture 1 is the score field"
    );
    h.key_press(egui::Key::PageDown);
    h.step();
    assert_eq!(h.state().settings.sampler_a.name(), "gradient-ascent");
    h.key_press(egui::Key::PageUp);
    h.key_press(egui::Key::PageUp);
    h.step();
    let last = LECTURES[LECTURES.len() - 1].session();
    assert_eq!(
        h.state().settings,
        last.settings,
        "PageUp wraps to the last lecture"
    );
}

#[test]
fn an_opened_playlist_steps_with_page_down() {
    let dir = scratch("playlist");
    let first = Session {
        title: "first".into(),
        data: DataSpec::Preset("grid25".into()),
        settings: Settings {
            preset: "grid25".into(),
            sigma: 0.4,
            ..Settings::default()
        },
        model: None,
    };
    first.save(&dir.join("first.json")).expect("save");
    let list = dir.join("talk.json");
    std::fs::write(&list, r#"{"format":"scorefield-playlist","version":1,"sessions":["first.json","lecture:manifold"]}"#).expect("write");
    let mut h = app_harness();
    h.state_mut().open_playlist(&list.display().to_string());
    h.step();
    assert!(h.state().errors().is_empty(), "{:?}", h.state().errors());
    assert_eq!(h.state().settings.preset, "grid25");
    h.key_press(egui::Key::PageDown);
    h.step();
    assert_eq!(
        h.state().settings.preset,
        "circle",
        "the second entry is the manifold lecture"
    );
    h.key_press(egui::Key::PageDown);
    h.step();
    assert_eq!(
        h.state().settings.preset,
        "grid25",
        "the playlist wraps around"
    );
    // A bad playlist is refused and the talk goes on.
    std::fs::write(&list, "{not json").expect("write");
    h.state_mut().open_playlist(&list.display().to_string());
    h.step();
    assert!(
        h.state()
            .errors()
            .last()
            .is_some_and(|e| e.contains("talk.json: line 1"))
    );
    assert_eq!(h.state().settings.preset, "grid25");
}
