//! Rendering scenes to PNG and SVG: sizes, every arrow and axis label in the SVG, the PNG's plot
//! against a stored reference (with a tolerance), and bad requests refused with a clear error.

use scorefield::render::files::{png_pixels, svg_text};
use scorefield::scene::figures::view_scene;
use scorefield::session::{DataSpec, Session, Settings};
use std::path::Path;
use std::process::Command;

fn preset_session(name: &str) -> Session {
    Session {
        title: name.into(),
        data: DataSpec::Preset(name.into()),
        settings: Settings {
            preset: name.into(),
            ..Settings::default()
        },
        model: None,
    }
}

/// The density view of ncsn-two-modes at 240x180 against `tests/reference/` (mean absolute
/// difference per channel below 3 of 255; `UPDATE_REFERENCE=1` rewrites the reference).
#[test]
fn png_of_a_seeded_preset_matches_the_reference() {
    let scene = view_scene(&preset_session("ncsn-two-modes"), "density").expect("scene");
    let (w, h) = (240u32, 180u32);
    let pixels = png_pixels(&scene, w, h).expect("pixels");
    assert_eq!(pixels.len(), (w * h * 3) as usize);
    let reference = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/density_ncsn-two-modes_240x180.png");
    if std::env::var("UPDATE_REFERENCE").is_ok() {
        image::RgbImage::from_raw(w, h, pixels.clone())
            .expect("image")
            .save(&reference)
            .expect("save reference");
    }
    let stored = image::open(&reference)
        .expect("the stored reference")
        .to_rgb8();
    assert_eq!(stored.dimensions(), (w, h));
    let diff: f64 = stored
        .as_raw()
        .iter()
        .zip(&pixels)
        .map(|(a, b)| (*a as f64 - *b as f64).abs())
        .sum::<f64>()
        / pixels.len() as f64;
    assert!(diff < 3.0, "mean absolute difference {diff}");
    // The plot shows the density: the majority mode's centre is bright (viridis yellow-green),
    // the space between the modes dark.
    let img = image::RgbImage::from_raw(w, h, pixels).expect("image");
    let colour_at = |x: f64, y: f64| {
        let b = scene.bounds;
        // The plot area is roughly the middle of the figure; find the pixel by scanning the
        // heatmap's extent: margins are 8 + 40 px left, 8 + 32 px bottom, 70 px colour bar.
        let (left, right, top, bottom) = (48.0, (w - 70 - 8) as f64, 30.0, (h - 40) as f64);
        let px = left + (x - b.x_min) / (b.x_max - b.x_min) * (right - left);
        let py = bottom - (y - b.y_min) / (b.y_max - b.y_min) * (bottom - top);
        img.get_pixel(px as u32, py as u32).0
    };
    let mode = colour_at(-5.0, -5.0);
    let gap = colour_at(5.0, -5.0);
    assert!(mode[1] > 150, "mode pixel {mode:?}");
    assert!(gap[1] < 60, "gap pixel {gap:?}");
}

#[test]
fn svg_has_every_arrow_and_the_axis_labels() {
    let scene = view_scene(&preset_session("ring8"), "score-true").expect("scene");
    let arrows = &scene.arrows[0];
    assert!(
        arrows.segments.len() > 400,
        "{} arrows",
        arrows.segments.len()
    );
    let svg = svg_text(&scene, 800, 600).expect("svg");
    assert!(
        svg.starts_with("<svg") && svg.contains("width=\"800\"") && svg.contains("height=\"600\"")
    );
    let stroke = format!(
        "stroke=\"#{:02X}{:02X}{:02X}\"",
        arrows.colour[0], arrows.colour[1], arrows.colour[2]
    );
    let drawn = svg
        .split("<polyline")
        .skip(1)
        .filter(|p| p.split('>').next().is_some_and(|tag| tag.contains(&stroke)))
        .count();
    // White is also the contours' colour: count them in.
    assert_eq!(drawn, arrows.segments.len() + scene.contours.len());
    let texts: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| {
            t.split_once('>')
                .map(|(_, rest)| rest.split("</text>").next().unwrap_or("").trim())
        })
        .collect();
    for label in ["x", "y", "exact score", "log q_σ"] {
        assert!(texts.contains(&label), "missing {label:?} in {texts:?}");
    }
    assert!(
        texts.iter().any(|t| t.contains("ring8")),
        "no title in {texts:?}"
    );
}

#[test]
fn render_from_the_cli_and_its_errors() {
    let dir = std::env::temp_dir().join(format!("scorefield-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let bin = env!("CARGO_BIN_EXE_scorefield");
    let png = dir.join("f.png");
    let ok = Command::new(bin)
        .args([
            "render",
            "--preset",
            "two-moons",
            "--view",
            "samples",
            "--width",
            "320",
            "--height",
            "240",
            "--out",
        ])
        .arg(&png)
        .output()
        .expect("runs");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(
        image::open(&png).expect("png").to_rgb8().dimensions(),
        (320, 240)
    );
    let cases: [(&[&str], &str); 4] = [
        (
            &["--preset", "ring8", "--view", "score-model"],
            "needs a trained model",
        ),
        (&["--preset", "ring8", "--view", "heat"], "--view 'heat'"),
        (
            &["--preset", "ring8", "--width", "10"],
            "--width and --height",
        ),
        (
            &["--session", "/no/such/session.json"],
            "/no/such/session.json: cannot read",
        ),
    ];
    for (args, expected) in cases {
        let out = Command::new(bin)
            .arg("render")
            .args(args)
            .arg("--out")
            .arg(dir.join("x.png"))
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(expected),
            "{args:?}: {err}"
        );
    }
    let out = Command::new(bin)
        .args(["render", "--preset", "ring8", "--out"])
        .arg(dir.join("x.jpg"))
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stderr).contains(".png or .svg"));
    assert!(
        !dir.join("x.png").exists() && !dir.join("x.jpg").exists(),
        "a failed render wrote a file"
    );
}

#[test]
fn animate_writes_a_gif_with_the_expected_frames() {
    use image::AnimationDecoder;
    let dir = std::env::temp_dir().join(format!("scorefield-gif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let bin = env!("CARGO_BIN_EXE_scorefield");
    let gif = dir.join("a.gif");
    // 1000 steps at 20 intervals: frames at steps 0, 50, ..., 1000 = 21 frames.
    let out = Command::new(bin)
        .args([
            "animate",
            "--preset",
            "ncsn-two-modes",
            "--sampler",
            "annealed-langevin",
        ])
        .args([
            "--frames", "21", "--width", "160", "--height", "120", "--out",
        ])
        .arg(&gif)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = std::io::BufReader::new(std::fs::File::open(&gif).expect("gif"));
    let frames = image::codecs::gif::GifDecoder::new(file)
        .expect("decoder")
        .into_frames()
        .count();
    assert_eq!(frames, 21);
    let sweep = dir.join("s.gif");
    let out = Command::new(bin)
        .args([
            "animate",
            "--preset",
            "ring8",
            "--sampler",
            "sigma-sweep",
            "--frames",
            "5",
            "--width",
            "160",
            "--height",
            "120",
            "--out",
        ])
        .arg(&sweep)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = std::io::BufReader::new(std::fs::File::open(&sweep).expect("gif"));
    assert_eq!(
        image::codecs::gif::GifDecoder::new(file)
            .expect("decoder")
            .into_frames()
            .count(),
        5
    );
    let bad = Command::new(bin)
        .args(["animate", "--preset", "ring8", "--out"])
        .arg(dir.join("a.png"))
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("use a .gif"));
}

#[test]
fn compare_renders_two_panes_and_png_scale_is_checked() {
    let session = preset_session("ncsn-two-modes");
    let scenes = scorefield::scene::figures::view_scenes(&session, "compare").expect("scenes");
    assert_eq!(scenes.len(), 2);
    assert!(
        scenes[0].title.starts_with("langevin · exact · TV"),
        "{}",
        scenes[0].title
    );
    assert!(
        scenes[1]
            .title
            .starts_with("annealed-langevin · exact · TV"),
        "{}",
        scenes[1].title
    );
    // Each pane carries its mode bars: the fractions, the target and the TV of its title.
    for scene in &scenes {
        let modes = scene.modes.as_ref().expect("mode bars");
        assert_eq!(modes.targets, vec![0.8, 0.2]);
        assert!((modes.fractions.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(
            scene.title.contains(&format!("TV {:.3}", modes.tv)),
            "{}",
            scene.title
        );
    }
    let svg = scorefield::render::files::svg_text_panes(&scenes, 1200, 500).expect("svg");
    assert!(svg.contains("mode weights"), "no mode bars drawn");
    assert_eq!(
        svg.matches(">log q_σ<").count() + svg.matches(">\nlog q_σ\n<").count(),
        2,
        "one colour bar per pane"
    );
    let dir = std::env::temp_dir().join(format!("scorefield-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let hi = dir.join("hi.png");
    scorefield::render::files::write_png_panes(&scenes, 800, 400, 2.0, &hi).expect("scaled png");
    assert_eq!(
        image::open(&hi).expect("png").to_rgb8().dimensions(),
        (800, 400)
    );
    let err =
        scorefield::render::files::write_png_panes(&scenes, 800, 400, 50.0, &dir.join("x.png"))
            .expect_err("scale");
    assert!(err.contains("--scale"), "{err}");
}

/// The lectures on the command line: listed, rendered and animated by name; an unknown name is
/// an error that lists the known ones.
#[test]
fn lectures_are_listed_rendered_and_animated_by_name() {
    let bin = env!("CARGO_BIN_EXE_scorefield");
    let out = Command::new(bin).arg("lectures").output().expect("runs");
    assert!(out.status.success());
    let list = String::from_utf8_lossy(&out.stdout);
    assert_eq!(list.lines().count(), 12, "{list}");
    assert!(list.contains("langevin-vs-annealed"), "{list}");
    let dir = std::env::temp_dir().join(format!("scorefield-lectures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let png = dir.join("tweedie.png");
    let status = Command::new(bin)
        .args([
            "render",
            "--lecture",
            "tweedie",
            "--view",
            "tweedie",
            "--width",
            "400",
        ])
        .args(["--height", "300", "--out"])
        .arg(&png)
        .status()
        .expect("runs");
    assert!(status.success());
    assert_eq!(image::open(&png).expect("png").width(), 400);
    let gif = dir.join("langevin.gif");
    let status = Command::new(bin)
        .args(["animate", "--lecture", "langevin", "--frames", "3", "--out"])
        .arg(&gif)
        .status()
        .expect("runs");
    assert!(status.success());
    assert!(gif.exists());
    let bad = Command::new(bin)
        .args(["render", "--lecture", "nope", "--out"])
        .arg(dir.join("x.png"))
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success());
    assert!(
        err.contains("--lecture") && err.contains("tweedie"),
        "{err}"
    );
}

/// Every SVG parses as XML, one pane or several (each pane used to close the document).
#[test]
fn every_svg_parses_as_xml_including_multi_pane_figures() {
    let session = preset_session("ring8");
    for view in ["density", "score-true", "tweedie", "compare"] {
        let scenes = scorefield::scene::figures::view_scenes(&session, view).expect("scenes");
        let svg = scorefield::render::files::svg_text_panes(&scenes, 1200, 500).expect("svg");
        let doc = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{view}: the SVG does not parse: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg", "{view}");
    }
}

/// Circles stay circles: in a wide figure of the `circle` preset the density ring spans as many
/// pixels across as up and down (within 2 %).
#[test]
fn figures_have_equal_scales_on_both_axes() {
    let session = preset_session("circle");
    let scene = view_scene(&session, "density").expect("scene");
    let (w, h) = (1200u32, 600u32);
    let pixels = png_pixels(&scene, w, h).expect("pixels");
    let img = image::RgbImage::from_raw(w, h, pixels).expect("image");
    // The ring's bright pixels (the top of the colour map is green-yellow: high red and green).
    let bright: Vec<(u32, u32)> = img
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0[0] > 120 && p.0[1] > 190 && p.0[2] < 120)
        .map(|(x, y, _)| (x, y))
        .filter(|(x, _)| *x < w - 100)
        .collect();
    assert!(bright.len() > 1000, "{} bright pixels", bright.len());
    let span =
        |v: Vec<u32>| v.iter().max().copied().unwrap_or(0) - v.iter().min().copied().unwrap_or(0);
    let across = span(bright.iter().map(|p| p.0).collect()) as f64;
    let down = span(bright.iter().map(|p| p.1).collect()) as f64;
    assert!(
        (across / down - 1.0).abs() < 0.02,
        "the ring is {across} px across and {down} px down"
    );
}

/// A GIF of annealed Langevin draws each frame over the field at the frame's own level: the
/// first frame (σ = 20) and the last (σ = 1) differ over most of the plot, not only where the
/// particles are.
#[test]
fn an_annealed_gif_redraws_the_field_at_each_level() {
    use image::AnimationDecoder;
    let dir = std::env::temp_dir().join(format!("scorefield-anneal-gif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let gif = dir.join("annealed.gif");
    // Ten particles: what changes between the frames is the field, not the particles.
    let session = dir.join("few.session.json");
    std::fs::write(
        &session,
        r#"{"format":"scorefield-session","version":1,"title":"","data":{"preset":"ncsn-two-modes"},"settings":{"particles":10,"sampler_a":"annealed-langevin"}}"#,
    )
    .expect("session");
    let status = Command::new(env!("CARGO_BIN_EXE_scorefield"))
        .args(["animate", "--session"])
        .arg(&session)
        .args([
            "--frames", "6", "--width", "320", "--height", "240", "--out",
        ])
        .arg(&gif)
        .status()
        .expect("runs");
    assert!(status.success());
    let file = std::io::BufReader::new(std::fs::File::open(&gif).expect("gif"));
    let frames: Vec<image::RgbaImage> = image::codecs::gif::GifDecoder::new(file)
        .expect("decoder")
        .into_frames()
        .collect_frames()
        .expect("frames")
        .into_iter()
        .map(|f| f.into_buffer())
        .collect();
    let (first, last) = (&frames[0], &frames[frames.len() - 1]);
    let changed = first
        .pixels()
        .zip(last.pixels())
        .filter(|(a, b)| (0..3).any(|k| (i32::from(a.0[k]) - i32::from(b.0[k])).abs() > 30))
        .count();
    let share = changed as f64 / f64::from(first.width() * first.height());
    assert!(
        share > 0.25,
        "only {:.0} % of the pixels changed",
        100.0 * share
    );
}
