//! The field CSV written by `scorefield field` and the app's field export.
//!
//! One row per grid node, `x` varying fastest. The columns depend on what is known:
//! - the reference field only: `x,y,log_density,score_x,score_y`;
//! - a learned field only: `x,y,score_x,score_y`;
//! - both: `x,y,log_density,score_x,score_y,exact_score_x,exact_score_y,error`, where `score_*`
//!   is the learned score, `exact_score_*` the reference score and `error = |learned - exact|`.
//!
//! So a script that reads `score_x,score_y` by name gets the learned field whenever a model was
//! given, and `log_density` wherever the data has a density.

use crate::geom::{Point, is_finite};
use std::io::Write;
use std::path::Path;

/// The values at the grid nodes `points`.
pub struct FieldColumns<'a> {
    pub points: &'a [Point],
    /// `(log density, score)` of the reference (exact or empirical) field.
    pub reference: Option<&'a [(f64, Point)]>,
    /// The learned score.
    pub learned: Option<&'a [Point]>,
}

impl FieldColumns<'_> {
    /// The number of nodes where some value is not finite (such a field is not written).
    pub fn non_finite_nodes(&self) -> usize {
        (0..self.points.len())
            .filter(|&i| {
                let reference_ok = self
                    .reference
                    .is_none_or(|r| r[i].0.is_finite() && is_finite(&r[i].1));
                let learned_ok = self.learned.is_none_or(|l| is_finite(&l[i]));
                !(reference_ok && learned_ok && is_finite(&self.points[i]))
            })
            .count()
    }

    /// Writes the CSV to `path` atomically, unless some value is not finite: then nothing is
    /// written and the error says where.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let bad = self.non_finite_nodes();
        if bad > 0 {
            return Err(format!(
                "{}: not written: the field is not finite at {bad} of {} grid nodes (try a smaller sigma or a smaller view)",
                path.display(),
                self.points.len()
            ));
        }
        crate::atomic_file::write_atomic(path, |w| self.write(w))
    }

    pub fn write(&self, w: &mut dyn Write) -> std::io::Result<()> {
        match (self.reference, self.learned) {
            (Some(reference), None) => {
                writeln!(w, "x,y,log_density,score_x,score_y")?;
                for (p, (l, s)) in self.points.iter().zip(reference) {
                    writeln!(w, "{},{},{},{},{}", p.x, p.y, l, s.x, s.y)?;
                }
            }
            (None, Some(learned)) => {
                writeln!(w, "x,y,score_x,score_y")?;
                for (p, s) in self.points.iter().zip(learned) {
                    writeln!(w, "{},{},{},{}", p.x, p.y, s.x, s.y)?;
                }
            }
            (Some(reference), Some(learned)) => {
                writeln!(
                    w,
                    "x,y,log_density,score_x,score_y,exact_score_x,exact_score_y,error"
                )?;
                for ((p, (l, e)), s) in self.points.iter().zip(reference).zip(learned) {
                    let err = (s - e).norm();
                    writeln!(
                        w,
                        "{},{},{},{},{},{},{},{}",
                        p.x, p.y, l, s.x, s.y, e.x, e.y, err
                    )?;
                }
            }
            (None, None) => writeln!(w, "x,y")?,
        }
        Ok(())
    }
}
