//! A streaming softmax-weighted mean: one pass over `(l_k, v_k)` pairs gives
//! `log sum_k exp(l_k)` and `sum_k softmax(l)_k v_k` with one `exp` per term.
//!
//! The running sum is kept relative to the largest logit seen so far and rescaled when a larger
//! one arrives, so nothing overflows or underflows to 0/0, however negative the logits are
//! (MATH §2.1: the score must stay correct at |x| = 1e6).

use crate::geom::Point;

#[derive(Clone, Copy, Debug)]
pub struct SoftmaxMean {
    max: f64,
    sum: f64,
    acc: Point,
}

impl Default for SoftmaxMean {
    fn default() -> Self {
        SoftmaxMean {
            max: f64::NEG_INFINITY,
            sum: 0.0,
            acc: Point::zeros(),
        }
    }
}

impl SoftmaxMean {
    /// Adds a term with logit `logit` and value `value`. A term of logit `-inf` (a component
    /// of weight 0) adds nothing.
    #[inline(always)]
    pub fn push(&mut self, logit: f64, value: Point) {
        if logit == f64::NEG_INFINITY {
            return;
        }
        if logit > self.max {
            let shrink = (self.max - logit).exp();
            self.sum = self.sum * shrink + 1.0;
            self.acc = self.acc * shrink + value;
            self.max = logit;
        } else {
            let e = (logit - self.max).exp();
            self.sum += e;
            self.acc += value * e;
        }
    }

    /// `log sum_k exp(l_k)`.
    #[inline]
    pub fn log_sum_exp(&self) -> f64 {
        self.max + self.sum.ln()
    }

    /// `sum_k softmax(l)_k v_k`.
    #[inline]
    pub fn mean(&self) -> Point {
        self.acc / self.sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_of_zero_weight_adds_nothing() {
        let mut a = SoftmaxMean::default();
        a.push(f64::NEG_INFINITY, Point::new(9.0, 9.0));
        a.push(0.5, Point::new(1.0, 2.0));
        a.push(f64::NEG_INFINITY, Point::new(9.0, 9.0));
        a.push(0.5, Point::new(3.0, 4.0));
        assert_eq!(a.mean(), Point::new(2.0, 3.0));
        assert!((a.log_sum_exp() - (0.5 + 2f64.ln())).abs() < 1e-15);
    }
}
