//! How the image trainer weighs its noise levels and ramps its learning rate (MATH §3.5).
//!
//! The per-sample DSM loss `l = ½ ‖σ s + z‖² = ‖D − x‖² / (2σ²)` (λ = σ²) puts weight
//! `c_out² / σ² = σ_d² / (σ² + σ_d²)` on the network's own output `F` (MATH §3.7): about 1 at the
//! small levels but `σ_d² / σ²` at the large ones (3·10⁻⁴ at σ = 15 with σ_d = 0.5), so the levels
//! that decide a sample's overall shape get almost no gradient. The balanced weighting multiplies
//! each sample's loss by `w(σ) = 1 + σ² / σ_d²`, which makes every level's weight on `F` equal to 1
//! (the weighting of Karras et al. 2022 for this preconditioning). Reported losses stay the
//! unweighted `l`, so curves compare across weightings.

/// The per-level weight of the DSM loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelWeighting {
    /// λ(σ) = σ²: NCSN's weighting, every sample's loss counted as it is.
    #[default]
    SigmaSquared,
    /// λ(σ) = σ² (1 + σ² / σ_d²): equal weight on the network's output at every level.
    Balanced,
}

impl LevelWeighting {
    pub const NAMES: [&'static str; 2] = ["sigma2", "balanced"];

    pub fn parse(name: &str) -> Result<LevelWeighting, String> {
        match name {
            "sigma2" => Ok(LevelWeighting::SigmaSquared),
            "balanced" => Ok(LevelWeighting::Balanced),
            _ => Err(format!(
                "unknown level weighting '{name}' (expected one of: {})",
                LevelWeighting::NAMES.join(", ")
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LevelWeighting::SigmaSquared => "sigma2",
            LevelWeighting::Balanced => "balanced",
        }
    }

    /// The loss kernel's `sigma_data2` uniform: 0 for no extra weight, else `σ_d²`.
    pub fn kernel_sigma_data2(self, sigma_data: f32) -> f32 {
        match self {
            LevelWeighting::SigmaSquared => 0.0,
            LevelWeighting::Balanced => sigma_data * sigma_data,
        }
    }

    /// The factor on a sample's loss at level `sigma` (1 for NCSN's weighting).
    pub fn weight(self, sigma: f32, sigma_data: f32) -> f32 {
        loss_weight(sigma, self.kernel_sigma_data2(sigma_data))
    }
}

/// `1 + σ² / sigma_data2`, or 1 where `sigma_data2` is 0 (the kernel's rule, shared by its twin).
pub fn loss_weight(sigma: f32, sigma_data2: f32) -> f32 {
    if sigma_data2 > 0.0 {
        1.0 + sigma * sigma / sigma_data2
    } else {
        1.0
    }
}

/// The largest warm-up the trainer accepts (a typo of 10⁹ steps would freeze the network).
pub const MAX_WARMUP_STEPS: u64 = 1_000_000;

/// The learning rate of Adam step `t` (1-based): a linear ramp `lr · t / warmup` over the first
/// `warmup` steps, then `lr` (no ramp for `warmup = 0`).
pub fn learning_rate_at(lr: f32, warmup: u64, t: u64) -> f32 {
    if warmup == 0 || t >= warmup {
        lr
    } else {
        (lr as f64 * t as f64 / warmup as f64) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_rises_linearly_and_then_holds() {
        let close = |a: f32, b: f32| (a - b).abs() <= 1e-6 * b;
        assert_eq!(learning_rate_at(1e-3, 0, 1), 1e-3);
        assert!(close(learning_rate_at(2e-3, 100, 1), 2e-5));
        assert!(close(learning_rate_at(2e-3, 100, 50), 1e-3));
        assert_eq!(learning_rate_at(2e-3, 100, 100), 2e-3);
        assert_eq!(learning_rate_at(2e-3, 100, 5000), 2e-3);
    }

    #[test]
    fn balanced_weights_make_the_output_weight_one_at_every_level() {
        let sd = 0.5f32;
        for sigma in [0.01f32, 0.26, 1.3, 15.0] {
            // Weight on F: w(σ) · c_out² / σ² with c_out² / σ² = σ_d² / (σ² + σ_d²).
            let on_f =
                LevelWeighting::Balanced.weight(sigma, sd) * sd * sd / (sigma * sigma + sd * sd);
            assert!((on_f - 1.0).abs() < 1e-5, "sigma {sigma}: {on_f}");
            assert_eq!(LevelWeighting::SigmaSquared.weight(sigma, sd), 1.0);
        }
    }

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for name in LevelWeighting::NAMES {
            assert_eq!(LevelWeighting::parse(name).map(|w| w.name()), Ok(name));
        }
        let e = LevelWeighting::parse("edm").expect_err("an unknown name");
        assert!(e.contains("'edm'") && e.contains("sigma2, balanced"), "{e}");
    }
}
