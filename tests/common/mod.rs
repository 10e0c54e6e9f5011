//! What the GPU test files share: opening the adapter under the project's skip policy.

use scorefield::gpu::Gpu;

/// The adapter, or `None` where `SCOREFIELD_NO_GPU=1` says none is expected (then the skip is
/// printed loudly). A missing adapter anywhere else fails the test: CI installs lavapipe.
pub fn gpu_or_expected_absence() -> Option<Gpu> {
    match Gpu::new() {
        Ok(g) => {
            println!("GPU adapter: {}", g.describe());
            Some(g)
        }
        Err(e) if std::env::var("SCOREFIELD_NO_GPU").as_deref() == Ok("1") => {
            eprintln!(
                "!!!!!!!! SKIPPED GPU TEST: {e}; SCOREFIELD_NO_GPU=1 says no adapter is expected here !!!!!!!!"
            );
            None
        }
        Err(e) => panic!(
            "{e}. CI installs lavapipe (mesa-vulkan-drivers); set SCOREFIELD_NO_GPU=1 only where no adapter is expected."
        ),
    }
}
