//! Score-matching objectives (MATH §3): per-sample losses and their gradients with respect to
//! the network's score `s` and tangents `ds` (the network's backward pass takes it from there).
//! The loss is the batch mean of `weight_b * l_b`.
//!
//! - ESM (§3.1): `l = 1/2 |s - target|^2`, `target` = the exact score.
//! - DSM / NCSN (§3.4, §3.5): `l = 1/2 |s + z / sigma|^2`, i.e. `target = -z / sigma`,
//!   weight `lambda(sigma)` (1 or sigma^2).
//! - DDPM (§3.6): `l = |eps_theta - eps|^2` with `s` read as `eps_theta` (raw output), `target = eps`.
//! - ISM (§3.2): `l = 1/2 |s|^2 + tr(ds/dx)`, two tangents `e_1, e_2`: `tr = (J e_1)_1 + (J e_2)_2`.
//! - SSM (§3.3): `l = 1/M sum_m [1/2 (v_m . s)^2 + v_m . (J v_m)]`; SSM-VR replaces
//!   `1/2 (v_m . s)^2` by `1/2 |s|^2`.

use crate::geom::Point;
use serde::{Deserialize, Serialize};

/// The distribution of SSM projection vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectionDist {
    Rademacher,
    Gaussian,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Objective {
    Esm,
    Ism,
    Ssm {
        projections: usize,
        dist: ProjectionDist,
        variance_reduced: bool,
    },
    /// Denoising score matching, at one sigma or (NCSN) at per-sample levels.
    Dsm,
    Ddpm,
}

impl Objective {
    /// Tangent directions per sample (forward-mode passes).
    pub fn n_tangents(&self) -> usize {
        match self {
            Objective::Ism => 2,
            Objective::Ssm { projections, .. } => *projections,
            _ => 0,
        }
    }

    /// Whether the objective regresses `s` onto a per-sample target.
    pub fn has_target(&self) -> bool {
        matches!(self, Objective::Esm | Objective::Dsm | Objective::Ddpm)
    }

    pub fn name(&self) -> &'static str {
        match self {
            Objective::Esm => "esm",
            Objective::Ism => "ism",
            Objective::Ssm {
                variance_reduced: false,
                ..
            } => "ssm",
            Objective::Ssm { .. } => "ssm-vr",
            Objective::Dsm => "dsm",
            Objective::Ddpm => "ddpm",
        }
    }

    /// `(loss, dl/ds, [dl/d(ds_k)])` of one sample (unweighted, not divided by the batch).
    /// `dirs` are the tangent directions `v_k`, `ds` the tangents `J v_k`.
    pub fn sample_loss(
        &self,
        s: Point,
        ds: &[Point],
        dirs: &[Point],
        target: Point,
    ) -> (f64, Point, SmallGrads) {
        let mut g_ds = SmallGrads::default();
        match *self {
            Objective::Esm | Objective::Dsm => {
                let r = s - target;
                (0.5 * r.norm_squared(), r, g_ds)
            }
            Objective::Ddpm => {
                let r = s - target;
                (r.norm_squared(), r * 2.0, g_ds)
            }
            Objective::Ism => {
                // tr(J) = (J e_1)_1 + (J e_2)_2; dirs are e_1, e_2.
                let trace = ds[0].x + ds[1].y;
                g_ds.push(Point::new(1.0, 0.0));
                g_ds.push(Point::new(0.0, 1.0));
                (0.5 * s.norm_squared() + trace, s, g_ds)
            }
            Objective::Ssm {
                projections,
                variance_reduced,
                ..
            } => {
                let m = projections as f64;
                let mut loss = 0.0;
                let mut g_s = Point::zeros();
                for (v, jv) in dirs.iter().zip(ds) {
                    loss += v.dot(jv) / m;
                    g_ds.push(v / m);
                    if !variance_reduced {
                        let vs = v.dot(&s);
                        loss += 0.5 * vs * vs / m;
                        g_s += v * (vs / m);
                    }
                }
                if variance_reduced {
                    loss += 0.5 * s.norm_squared();
                    g_s += s;
                }
                (loss, g_s, g_ds)
            }
        }
    }
}

/// Up to [`MAX_TANGENTS`] tangent gradients without allocating.
pub const MAX_TANGENTS: usize = 16;

#[derive(Clone, Copy, Debug, Default)]
pub struct SmallGrads {
    len: usize,
    items: [Point; MAX_TANGENTS],
}

impl SmallGrads {
    fn push(&mut self, p: Point) {
        self.items[self.len] = p;
        self.len += 1;
    }

    pub fn as_slice(&self) -> &[Point] {
        &self.items[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each objective's gradient with respect to s and ds against central differences.
    #[test]
    fn sample_gradients_match_finite_differences() {
        let dirs = [Point::new(1.0, 0.0), Point::new(0.0, 1.0)];
        let ssm_dirs = [Point::new(0.3, -1.2), Point::new(-0.7, 0.4)];
        let objectives = [
            (Objective::Esm, &dirs[..0]),
            (Objective::Dsm, &dirs[..0]),
            (Objective::Ddpm, &dirs[..0]),
            (Objective::Ism, &dirs[..]),
            (
                Objective::Ssm {
                    projections: 2,
                    dist: ProjectionDist::Gaussian,
                    variance_reduced: false,
                },
                &ssm_dirs[..],
            ),
            (
                Objective::Ssm {
                    projections: 2,
                    dist: ProjectionDist::Gaussian,
                    variance_reduced: true,
                },
                &ssm_dirs[..],
            ),
        ];
        let s = Point::new(0.4, -1.1);
        let ds = [Point::new(0.2, 0.5), Point::new(-0.3, 0.9)];
        let target = Point::new(-0.2, 0.3);
        let h = 1e-6;
        for (obj, dirs) in objectives {
            let ds = &ds[..dirs.len()];
            let (_, g_s, g_ds) = obj.sample_loss(s, ds, dirs, target);
            for axis in 0..2 {
                let mut e = Point::zeros();
                e[axis] = h;
                let fd = (obj.sample_loss(s + e, ds, dirs, target).0
                    - obj.sample_loss(s - e, ds, dirs, target).0)
                    / (2.0 * h);
                assert!((fd - g_s[axis]).abs() < 1e-6, "{obj:?} ds/ds[{axis}]");
                for k in 0..ds.len() {
                    let (mut up, mut down) = (ds.to_vec(), ds.to_vec());
                    up[k][axis] += h;
                    down[k][axis] -= h;
                    let fd = (obj.sample_loss(s, &up, dirs, target).0
                        - obj.sample_loss(s, &down, dirs, target).0)
                        / (2.0 * h);
                    assert!(
                        (fd - g_ds.as_slice()[k][axis]).abs() < 1e-6,
                        "{obj:?} tangent {k}"
                    );
                }
            }
        }
    }
}
