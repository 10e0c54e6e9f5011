//! GPU kernels: every shader parses and validates with naga (no GPU needed), and every kernel
//! matches its CPU twin on the machine's adapter (lavapipe in CI). A missing adapter fails the
//! test, except where `SCOREFIELD_NO_GPU=1` says no adapter is expected; then it says so loudly.

mod common;

use common::gpu_or_expected_absence;
use scorefield::gpu::rng::{gaussian_cpu, gaussian_gpu};

#[test]
fn every_shader_parses_and_validates() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("shaders/") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("wgsl") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable shader");
        let module = naga::front::wgsl::parse_str(&text)
            .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.emit_to_string(&text)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::all(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        count += 1;
    }
    assert!(count >= 1, "no shaders found in {}", dir.display());
}

#[test]
fn the_gpu_gaussian_kernel_matches_its_cpu_twin() {
    let Some(gpu) = gpu_or_expected_absence() else {
        return;
    };
    let n = 100_003; // not a multiple of the workgroup size
    let g = gaussian_gpu(&gpu, 1234, n).expect("kernel runs");
    let c = gaussian_cpu(1234, n);
    assert_eq!(g.len(), c.len());
    let worst = g
        .iter()
        .zip(&c)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 2e-4, "largest GPU/CPU difference {worst}");
    // Moments: mean 0 (SE 0.0022), variance 1 (SE 0.0032), and another seed gives other noise.
    let m = g.iter().map(|v| *v as f64).sum::<f64>() / g.len() as f64;
    let v = g.iter().map(|x| (*x as f64 - m).powi(2)).sum::<f64>() / g.len() as f64;
    assert!(
        m.abs() < 0.01 && (v - 1.0).abs() < 0.015,
        "mean {m}, variance {v}"
    );
    let other = gaussian_gpu(&gpu, 1235, 16).expect("kernel runs");
    assert_ne!(&other[..], &g[..32]);
}
