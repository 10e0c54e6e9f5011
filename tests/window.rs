//! The real binary opens its window under Xvfb, draws the field, and saves a screenshot; the
//! plot area must show the density heatmap (many distinct colours), not a blank panel.
//! It runs without `XDG_RUNTIME_DIR`, as on a fresh machine, and must not complain about it.
//! Needs `xvfb-run` and a Vulkan or GL driver (`tests/run.sh` installs them: xvfb,
//! mesa-vulkan-drivers).

use std::collections::HashSet;
use std::process::Command;

#[test]
fn the_window_draws_the_field() {
    // Kept at a fixed place under target/ so CI can point at it as an artifact.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-artifacts");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    let png = dir.join("window.png");
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(env!("CARGO_BIN_EXE_scorefield"))
        .arg("--screenshot")
        .arg(&png)
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .expect("xvfb-run must be installed to test the window (apt-get install xvfb xauth; see tests/run.sh)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the app exited with {}: {stderr}",
        out.status
    );
    assert!(
        !stderr.contains("XDG_RUNTIME_DIR"),
        "the launch complained about the runtime directory:\n{stderr}"
    );
    println!("window screenshot: {}", png.display());
    let img = image::open(&png).expect("a PNG screenshot").to_rgba8();
    let (w, h) = img.dimensions();
    assert!(w >= 800 && h >= 600, "window is {w}x{h}");
    // The plot sits right of the control panel; sample its middle. Background, grid and arrows
    // are grey or white; only the viridis heatmap gives saturated colours.
    let colours: HashSet<[u8; 4]> = (h / 4..3 * h / 4)
        .step_by(3)
        .flat_map(|y| (w / 2..w - 80).step_by(3).map(move |x| (x, y)))
        .map(|(x, y)| img.get_pixel(x, y).0)
        .filter(|[r, g, b, _]| r.max(g).max(b) - r.min(g).min(b) > 40)
        .collect();
    assert!(
        colours.len() > 100,
        "the plot area shows no heatmap: {} distinct saturated colours",
        colours.len()
    );
}
