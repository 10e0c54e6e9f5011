//! Rendering scenes to PNG and SVG: sizes, every arrow and axis label in the SVG, the PNG's plot
//! against a stored reference (with a tolerance), and bad requests refused with a clear error.

use scorefield::render::files::{FigureSize, png_pixels, svg_source_panes};
use scorefield::scene::figures::view_scene;
use scorefield::session::{DataSpec, Session, Settings};
use std::path::Path;
use std::process::Command;
use support::{bin, run_err, run_ok, scratch};

mod support;

fn size(width: u32, height: u32, scale: f64) -> FigureSize {
    FigureSize {
        width,
        height,
        scale,
    }
}

/// The plotting area `(left, top, width, height)` in pixels of a one-scene figure: the box of
/// the heatmap's image in the SVG of the same figure.
fn plot_box(scene: &scorefield::scene::Scene, w: u32, h: u32) -> (f64, f64, f64, f64) {
    let svg = svg_source_panes(std::slice::from_ref(scene), size(w, h, 1.0)).expect("svg");
    let doc = roxmltree::Document::parse(&svg).expect("svg");
    let image = doc
        .descendants()
        .find(|n| n.has_tag_name("image"))
        .expect("the heatmap image");
    let at = |name: &str| -> f64 {
        image
            .attribute(name)
            .and_then(|v| v.parse().ok())
            .expect("a number")
    };
    (at("x"), at("y"), at("width"), at("height"))
}

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
    let (x0, y0, pw, ph) = plot_box(&scene, w, h);
    let colour_at = |x: f64, y: f64| {
        let b = scene.bounds;
        let (left, right, top, bottom) = (x0, x0 + pw, y0, y0 + ph);
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
    let svg = svg_source_panes(std::slice::from_ref(&scene), size(800, 600, 1.0)).expect("svg");
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
    // White is also the contours' colour and the legend's key arrow: count them in.
    assert_eq!(drawn, arrows.segments.len() + scene.contours.len() + 1);
    let texts: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| {
            t.split_once('>')
                .map(|(_, rest)| rest.split("</text>").next().unwrap_or("").trim())
        })
        .collect();
    for label in ["x", "y", "log q_σ"] {
        assert!(texts.contains(&label), "missing {label:?} in {texts:?}");
    }
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("exact score: key arrow = ")),
        "no quiver key in {texts:?}"
    );
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
    assert!(String::from_utf8_lossy(&out.stderr).contains(".png, .svg or .pdf"));
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
    let svg = svg_source_panes(&scenes, size(1200, 500, 1.0)).expect("svg");
    assert!(svg.contains("mode weights"), "no mode bars drawn");
    assert_eq!(
        svg.matches(">log q_σ<").count() + svg.matches(">\nlog q_σ\n<").count(),
        2,
        "one colour bar per pane"
    );
    let dir = std::env::temp_dir().join(format!("scorefield-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let hi = dir.join("hi.png");
    scorefield::render::files::write_figure(&scenes, size(800, 400, 2.0), &hi).expect("scaled png");
    assert_eq!(
        image::open(&hi).expect("png").to_rgb8().dimensions(),
        (800, 400)
    );
    let err =
        scorefield::render::files::write_figure(&scenes, size(800, 400, 50.0), &dir.join("x.png"))
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
        let svg =
            scorefield::render::files::svg_text_panes(&scenes, size(1200, 500, 1.0)).expect("svg");
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
    // The plotting area only: the colour bar beside it shares the ring's colours.
    let (left, _, width, _) = plot_box(&scene, w, h);
    let (x0, x1) = (left as u32, (left + width) as u32);
    // The ring's bright pixels (the top of the colour map is green-yellow: high red and green).
    let bright: Vec<(u32, u32)> = img
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0[0] > 120 && p.0[1] > 190 && p.0[2] < 120)
        .map(|(x, y, _)| (x, y))
        .filter(|(x, _)| (x0..x1).contains(x))
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

/// The number of elements called `name` in an SVG document.
fn count_elements(doc: &roxmltree::Document, name: &str) -> usize {
    doc.descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == name)
        .count()
}

/// SVG for slides: each heatmap is one embedded PNG (not a mosaic of rectangles), and the text
/// is outlines in the shipped font (no text element left to fall back to another font).
#[test]
fn svg_heatmaps_are_one_image_each_and_text_is_outlined() {
    use base64::Engine;
    let session = preset_session("ring8");
    for view in ["density", "score-true", "compare"] {
        let scenes = scorefield::scene::figures::view_scenes(&session, view).expect("scenes");
        let svg =
            scorefield::render::files::svg_text_panes(&scenes, size(1200, 500, 1.0)).expect("svg");
        let doc = roxmltree::Document::parse(&svg).expect("parses");
        assert_eq!(count_elements(&doc, "image"), scenes.len(), "{view}");
        assert_eq!(count_elements(&doc, "text"), 0, "{view}: text left as text");
        assert!(count_elements(&doc, "rect") < 10, "{view}: rectangles");
        for image in doc.descendants().filter(|n| n.has_tag_name("image")) {
            let href = image
                .attributes()
                .find(|a| a.name() == "href")
                .map(|a| a.value())
                .expect("href");
            let data: String = href
                .strip_prefix("data:image/png;base64,")
                .expect("an embedded PNG")
                .split_whitespace()
                .collect();
            let png = base64::engine::general_purpose::STANDARD
                .decode(data)
                .expect("base64");
            let img = image::load_from_memory(&png).expect("a PNG");
            assert!(img.width() > 200 && img.height() > 200, "{view}");
        }
    }
}

/// Every PDF parses with a PDF reader, has one page, draws vector paths (line and curve
/// operators in its content streams), holds the heatmap as an image and embeds its font.
#[test]
fn pdf_figures_parse_and_hold_vector_paths_an_image_and_the_font() {
    let session = preset_session("ring8");
    for view in ["score-true", "compare"] {
        let scenes = scorefield::scene::figures::view_scenes(&session, view).expect("scenes");
        let bytes =
            scorefield::render::files::pdf_bytes(&scenes, size(1200, 600, 1.0)).expect("pdf");
        assert!(bytes.starts_with(b"%PDF-"), "{view}");
        let doc = lopdf::Document::load_mem(&bytes).expect("a PDF reader reads it");
        assert_eq!(doc.get_pages().len(), 1, "{view}");
        let (mut images, mut fonts, mut path_ops) = (0, 0, 0);
        for object in doc.objects.values() {
            let dict = match object {
                lopdf::Object::Stream(s) => &s.dict,
                lopdf::Object::Dictionary(d) => d,
                _ => continue,
            };
            if dict.has(b"FontFile2") {
                fonts += 1;
            }
            let lopdf::Object::Stream(stream) = object else {
                continue;
            };
            match dict.get(b"Subtype").and_then(|s| s.as_name()) {
                Ok(b"Image") => images += 1,
                Ok(b"Form") | Err(_) => {
                    let content = stream
                        .decompressed_content()
                        .unwrap_or_else(|_| stream.content.clone());
                    let text = String::from_utf8_lossy(&content);
                    path_ops += text
                        .lines()
                        .filter(|l| l.ends_with(" l") || l.ends_with(" c"))
                        .count();
                }
                _ => {}
            }
        }
        assert!(images >= scenes.len(), "{view}: {images} images");
        assert!(fonts >= 1, "{view}: no embedded font");
        assert!(path_ops > 500, "{view}: {path_ops} path operators");
    }
}

/// The PNG heatmap is smooth: a 16 x 16 grid drawn over hundreds of pixels shows no block
/// edges (neighbouring pixels differ by at most 3 of 255 where nearest-neighbour cells jump by
/// 17).
#[test]
fn png_heatmaps_have_no_block_edges() {
    let n = 16;
    let rgb: Vec<[u8; 3]> = (0..n * n)
        .map(|k| {
            let v = (k % n * 255 / (n - 1)) as u8;
            [v, v, 255 - v]
        })
        .collect();
    let scene = scorefield::scene::Scene {
        title: "gradient".into(),
        bounds: scorefield::geom::Bounds {
            x_min: 0.0,
            x_max: 1.0,
            y_min: 0.0,
            y_max: 1.0,
        },
        heat: Some(scorefield::scene::HeatLayer {
            n,
            rgb,
            label: "v".into(),
            range: (0.0, 1.0),
            map: scorefield::scene::ColourMap::Viridis,
        }),
        contours: Vec::new(),
        arrows: Vec::new(),
        points: Vec::new(),
        modes: None,
    };
    let (w, h) = (900u32, 700u32);
    let img =
        image::RgbImage::from_raw(w, h, png_pixels(&scene, w, h).expect("pixels")).expect("image");
    // The plot's middle row, inside the plotting area.
    let (left, top, width, height) = plot_box(&scene, w, h);
    let y = (top + height / 2.0) as u32;
    let row: Vec<[u8; 3]> = (0..w).map(|x| img.get_pixel(x, y).0).collect();
    let (first, last) = (left as usize + 2, (left + width) as usize - 2);
    assert!(last - first > 400, "{} heatmap pixels", last - first);
    let jump = (first..last)
        .map(|x| (i32::from(row[x + 1][0]) - i32::from(row[x][0])).abs())
        .max()
        .unwrap_or(0);
    assert!(jump <= 3, "neighbouring pixels differ by {jump}");
}

/// A GIF decodes back to the frames it was made from (shared palette and frame differencing
/// lose nothing but quantisation), and a 640 x 480, 100-frame GIF of the default Langevin run
/// and of annealed Langevin each stays under 1 MB.
#[test]
fn gifs_round_trip_and_100_frames_stay_under_a_megabyte() {
    use image::AnimationDecoder;
    use scorefield::scene::animation::Animation;
    let session = preset_session("ring8");
    let annealed = Animation::Sampler(Some(scorefield::sample::SamplerKind::AnnealedLangevin));
    for what in [Animation::Sampler(None), annealed] {
        let scenes = scorefield::scene::animation::frames(&session, what, 100).expect("frames");
        let fig = size(640, 480, 1.0);
        let pixels: Vec<Vec<u8>> = scenes
            .iter()
            .map(|s| {
                scorefield::render::files::gif_pixels(
                    s,
                    fig,
                    scorefield::render::animation::HEAT_BANDS,
                )
                .expect("pixels")
            })
            .collect();
        let bytes = scorefield::render::animation::encode_gif(&pixels, 640, 480, 10).expect("gif");
        assert!(bytes.len() < 1_000_000, "{what:?}: {} bytes", bytes.len());
        let decoded: Vec<image::RgbaImage> =
            image::codecs::gif::GifDecoder::new(std::io::Cursor::new(bytes))
                .expect("decoder")
                .into_frames()
                .collect_frames()
                .expect("frames")
                .into_iter()
                .map(|f| f.into_buffer())
                .collect();
        assert!(scenes.len() >= 90, "{} frames", scenes.len());
        assert_eq!(decoded.len(), scenes.len());
        for (k, (frame, source)) in decoded.iter().zip(&pixels).enumerate().step_by(9) {
            let diff: u64 = frame
                .pixels()
                .zip(source.chunks(3))
                .map(|(a, b)| {
                    (0..3)
                        .map(|c| u64::from(a.0[c].abs_diff(b[c])))
                        .sum::<u64>()
                })
                .sum();
            let mean = diff as f64 / (3.0 * 640.0 * 480.0);
            assert!(
                mean < 4.0,
                "{what:?} frame {k}: mean difference {mean:.2} of 255"
            );
        }
    }
}

/// The quiver key: a round value (1, 2 or 5 × 10^k) whose arrow fits the budget and stands
/// for that value under the layer's length rule.
#[test]
fn quiver_keys_are_round_and_true_to_the_length_rule() {
    use scorefield::scene::{ArrowLength, round_below};
    assert_eq!(round_below(7.3), Some(5.0));
    assert_eq!(round_below(0.031), Some(0.02));
    assert_eq!(round_below(1.0), Some(1.0));
    assert_eq!(round_below(0.0), None);
    assert_eq!(round_below(f64::NAN), None);
    let rule = ArrowLength::Sqrt {
        reference: 40.0,
        reference_length: 0.5,
    };
    let (value, length) = rule.key(0.3).expect("key");
    assert!(length <= 0.3 + 1e-12 && value <= 40.0, "{value} {length}");
    assert!((rule.magnitude(length).expect("m") - value).abs() < 1e-9);
    assert_eq!(value, 10.0);
    assert_eq!(ArrowLength::Direction.key(1.0), None);
    assert_eq!(ArrowLength::Actual { max: 0.8 }.key(2.0), Some((0.5, 0.5)));
}

/// Slides in bulk: `render --playlist lectures` writes one figure per built-in lecture, and
/// `animate --playlist FILE` one GIF per entry; render and animate refuse the same bad sizes
/// with the same words.
#[test]
fn playlists_render_one_figure_per_slide_and_sizes_are_checked_alike() {
    let dir = scratch("slides");
    run_ok(
        bin()
            .args(["render", "--playlist", "lectures", "--format", "pdf"])
            .args(["--width", "320", "--height", "240", "--out-dir"])
            .arg(&dir),
    );
    let count = scorefield::session::lectures::LECTURES.len();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), count, "{names:?}");
    assert_eq!(names[0], "01-score-field.pdf");
    for name in &names {
        let bytes = std::fs::read(dir.join(name)).expect("file");
        lopdf::Document::load_mem(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let playlist = dir.join("talk.playlist.json");
    std::fs::write(
        &playlist,
        r#"{"format":"scorefield-playlist","version":1,"sessions":["lecture:langevin","lecture:tweedie"]}"#,
    )
    .expect("playlist");
    let gifs = dir.join("gifs");
    run_ok(
        bin()
            .args(["animate", "--playlist"])
            .arg(&playlist)
            .args([
                "--frames",
                "2",
                "--width",
                "160",
                "--height",
                "120",
                "--out-dir",
            ])
            .arg(&gifs),
    );
    assert!(gifs.join("01-langevin.gif").exists() && gifs.join("02-tweedie.gif").exists());
    let bad: [(&[&str], &str); 4] = [
        (
            &["--width", "0"],
            "--width and --height must be in 64..=8192",
        ),
        (
            &["--height", "40000"],
            "--width and --height must be in 64..=8192",
        ),
        (&["--scale", "nan"], "--scale must be in 0.25..=8"),
        (&["--scale", "9"], "--scale must be in 0.25..=8"),
    ];
    for (flags, expected) in bad {
        for (command, file) in [("render", "x.png"), ("animate", "x.gif")] {
            let err = run_err(
                bin()
                    .args([command, "--preset", "ring8"])
                    .args(flags)
                    .arg("--out")
                    .arg(dir.join(file)),
            );
            assert!(err.contains(expected), "{command} {flags:?}: {err}");
            assert!(!dir.join(file).exists(), "{command} {flags:?} wrote a file");
        }
    }
}
