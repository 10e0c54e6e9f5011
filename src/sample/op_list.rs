//! The steps of a plan as runs of one repeated op: annealed Langevin's `L × T` steps are `L`
//! runs, a fixed-level sampler's `T` steps one run. So a plan's memory grows with the number of
//! distinct steps, not with the number of steps, and step `k` is found by a binary search over
//! the runs' ends.

use super::op::Op;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpList {
    /// `(op, count)` runs in order.
    runs: Vec<(Op, usize)>,
    /// `ends[r]`: the number of steps up to and including run `r`.
    ends: Vec<usize>,
}

impl OpList {
    pub fn new() -> OpList {
        OpList::default()
    }

    /// Appends `n` copies of `op` (merged into the last run when it is the same op).
    pub fn push_n(&mut self, op: Op, n: usize) {
        if n == 0 {
            return;
        }
        let total = self.len() + n;
        match self.runs.last_mut() {
            Some((last, count)) if *last == op => {
                *count += n;
                if let Some(end) = self.ends.last_mut() {
                    *end = total;
                }
            }
            _ => {
                self.runs.push((op, n));
                self.ends.push(total);
            }
        }
    }

    pub fn push(&mut self, op: Op) {
        self.push_n(op, 1);
    }

    /// The number of steps.
    pub fn len(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of stored runs (distinct consecutive ops).
    pub fn n_runs(&self) -> usize {
        self.runs.len()
    }

    /// Step `k`.
    pub fn get(&self, k: usize) -> Option<&Op> {
        let r = self.ends.partition_point(|&end| end <= k);
        self.runs.get(r).map(|(op, _)| op)
    }

    pub fn first(&self) -> Option<&Op> {
        self.runs.first().map(|(op, _)| op)
    }

    pub fn last(&self) -> Option<&Op> {
        self.runs.last().map(|(op, _)| op)
    }

    /// Every step in order.
    pub fn iter(&self) -> impl Iterator<Item = &Op> + '_ {
        self.runs
            .iter()
            .flat_map(|(op, n)| std::iter::repeat_n(op, *n))
    }

    /// Steps `start..end` (clamped to the plan). Starts inside the run holding `start` (found
    /// by a binary search), so stepping a long plan a few ops at a time costs little per call.
    pub fn range(&self, start: usize, end: usize) -> impl Iterator<Item = &Op> + '_ {
        let end = end.min(self.len());
        let first = self.ends.partition_point(|&e| e <= start);
        let run_start = if first == 0 { 0 } else { self.ends[first - 1] };
        self.runs
            .get(first..)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .flat_map(move |(k, (op, n))| {
                let skip = if k == 0 { start - run_start } else { 0 };
                std::iter::repeat_n(op, n - skip)
            })
            .take(end.saturating_sub(start))
    }
}

impl std::ops::Index<usize> for OpList {
    type Output = Op;

    fn index(&self, k: usize) -> &Op {
        match self.get(k) {
            Some(op) => op,
            None => panic!("step {k} of a plan of {} steps", self.len()),
        }
    }
}

impl FromIterator<Op> for OpList {
    fn from_iter<I: IntoIterator<Item = Op>>(iter: I) -> OpList {
        let mut list = OpList::new();
        for op in iter {
            list.push(op);
        }
        list
    }
}

impl From<Vec<Op>> for OpList {
    fn from(ops: Vec<Op>) -> OpList {
        ops.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::NoiseLevel;

    fn langevin(sigma: f64) -> Op {
        Op::Langevin {
            eps: 0.1,
            level: NoiseLevel::Ve { sigma },
        }
    }

    #[test]
    fn runs_index_like_the_expanded_list() {
        let mut list = OpList::new();
        list.push_n(langevin(3.0), 4);
        list.push_n(langevin(2.0), 2);
        list.push(langevin(2.0));
        list.push_n(langevin(1.0), 3);
        let expanded: Vec<Op> = [
            vec![langevin(3.0); 4],
            vec![langevin(2.0); 3],
            vec![langevin(1.0); 3],
        ]
        .concat();
        assert_eq!(list.len(), 10);
        assert_eq!(list.n_runs(), 3);
        assert_eq!(list.iter().copied().collect::<Vec<_>>(), expanded);
        for (k, op) in expanded.iter().enumerate() {
            assert_eq!(&list[k], op, "step {k}");
        }
        assert!(list.get(10).is_none());
        assert_eq!(
            list.range(3, 6).copied().collect::<Vec<_>>(),
            expanded[3..6]
        );
        assert_eq!(list.range(8, 99).count(), 2);
    }

    #[test]
    fn a_hundred_million_steps_take_a_few_runs() {
        let mut list = OpList::new();
        for level in 0..1000 {
            list.push_n(langevin(1.0 + level as f64), 100_000);
        }
        assert_eq!(list.len(), 100_000_000);
        assert_eq!(list.n_runs(), 1000);
        assert_eq!(list[99_999_999], langevin(1000.0));
    }
}
