//! The DDPM linear beta schedule (MATH §3.6).
//!
//! `beta_t` linear from `beta_1` to `beta_T`, `abar_t = prod_{s <= t} (1 - beta_s)`, `abar_0 = 1`,
//! and the equivalent VE level `sigma_t = sqrt((1 - abar_t) / abar_t)`.

#[derive(Clone, Debug, PartialEq)]
pub struct DdpmSchedule {
    /// `betas[t - 1] = beta_t`, t = 1..T.
    betas: Vec<f64>,
    /// `abars[t] = abar_t`, t = 0..T (`abars[0] = 1`).
    abars: Vec<f64>,
}

impl DdpmSchedule {
    /// The linear schedule `beta_1 .. beta_T` in `n_steps = T` steps.
    pub fn linear(n_steps: usize, beta_1: f64, beta_t: f64) -> Result<DdpmSchedule, String> {
        if n_steps < 2 {
            return Err(format!("DDPM needs T >= 2 steps, got {n_steps}"));
        }
        if !(0.0 < beta_1 && beta_1 <= beta_t && beta_t < 1.0) {
            return Err(format!(
                "DDPM betas need 0 < beta_1 <= beta_T < 1, got {beta_1} and {beta_t}"
            ));
        }
        let last = (n_steps - 1) as f64;
        let betas: Vec<f64> = (0..n_steps)
            .map(|i| beta_1 + (beta_t - beta_1) * i as f64 / last)
            .collect();
        let mut abars = Vec::with_capacity(n_steps + 1);
        abars.push(1.0);
        for b in &betas {
            let prev = abars[abars.len() - 1];
            abars.push(prev * (1.0 - b));
        }
        Ok(DdpmSchedule { betas, abars })
    }

    /// The default schedule: T = 1000, beta from 1e-4 to 0.02 (MATH §8).
    pub fn default_linear() -> DdpmSchedule {
        DdpmSchedule::linear(1000, 1e-4, 0.02).expect("the default DDPM schedule is valid")
    }

    /// T.
    pub fn n_steps(&self) -> usize {
        self.betas.len()
    }

    /// `beta_t` for t in 1..=T.
    pub fn beta(&self, t: usize) -> f64 {
        self.betas[t - 1]
    }

    /// `abar_t` for t in 0..=T.
    pub fn abar(&self, t: usize) -> f64 {
        self.abars[t]
    }

    /// `sigma_t = sqrt((1 - abar_t) / abar_t)`, the VE level equivalent to step t.
    pub fn sigma(&self, t: usize) -> f64 {
        let a = self.abar(t);
        ((1.0 - a) / a).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_matches_known_values() {
        let s = DdpmSchedule::default_linear();
        assert_eq!(s.n_steps(), 1000);
        assert!((s.beta(1) - 1e-4).abs() < 1e-15);
        assert!((s.beta(1000) - 0.02).abs() < 1e-15);
        // abar_T of the standard linear schedule is about 4.04e-5.
        assert!((s.abar(1000) - 4.04e-5).abs() < 0.1e-5, "{}", s.abar(1000));
        assert!((s.abar(1) - (1.0 - 1e-4)).abs() < 1e-15);
        // sigma_t increases with t.
        assert!(s.sigma(10) < s.sigma(500) && s.sigma(500) < s.sigma(1000));
    }
}
