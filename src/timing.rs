//! Summaries of timed runs for the benchmarks: median (the figure to report), min and max.

/// Median, min and max of a non-empty list of rates or times.
pub fn summary(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    };
    (median, values[0], values[n - 1])
}

/// Runs `f` once to warm up, then `n` times; the times in milliseconds.
pub fn time_ms(n: usize, mut f: impl FnMut()) -> Vec<f64> {
    f();
    (0..n)
        .map(|_| {
            let t = std::time::Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}
