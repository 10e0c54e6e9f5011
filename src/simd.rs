//! Runtime CPU-feature dispatch for the element-wise kernels (activations, thin products, the
//! optimiser): the binary is built for baseline x86-64 (SSE2) so it runs on any machine, and
//! [`vectorized`] runs a kernel compiled again for the best instruction set the CPU reports —
//! AVX-512 (x86-64-v4), AVX2 + FMA (x86-64-v3) or NEON — through `pulp`, whose dispatch is safe
//! code. The large products already dispatch inside matrixmultiply.
//!
//! `SCOREFIELD_SIMD=baseline|avx2|avx512` caps the level (to measure what each brings on one
//! machine); a level the CPU lacks falls back to the best it has.

use std::sync::OnceLock;

/// The instruction set kernels run with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Baseline,
    Avx2Fma,
    Avx512,
    Neon,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Baseline => "baseline",
            Level::Avx2Fma => "avx2+fma",
            Level::Avx512 => "avx512",
            Level::Neon => "neon",
        }
    }
}

/// The dispatcher for the chosen level.
fn arch() -> &'static (pulp::Arch, Level) {
    static ARCH: OnceLock<(pulp::Arch, Level)> = OnceLock::new();
    ARCH.get_or_init(|| {
        let cap = std::env::var("SCOREFIELD_SIMD").unwrap_or_default();
        choose(&cap)
    })
}

#[cfg(target_arch = "x86_64")]
fn choose(cap: &str) -> (pulp::Arch, Level) {
    use pulp::x86::{V3, V4};
    let v4 = V4::try_new().map(|s| (pulp::Arch::V4(s), Level::Avx512));
    let v3 = V3::try_new().map(|s| (pulp::Arch::V3(s), Level::Avx2Fma));
    let baseline = (pulp::Arch::Scalar, Level::Baseline);
    match cap {
        "baseline" => baseline,
        "avx2" => v3.unwrap_or(baseline),
        _ => v4.or(v3).unwrap_or(baseline),
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn choose(cap: &str) -> (pulp::Arch, Level) {
    match pulp::Arch::new() {
        pulp::Arch::Scalar => (pulp::Arch::Scalar, Level::Baseline),
        _ if cap == "baseline" => (pulp::Arch::Scalar, Level::Baseline),
        arch => (arch, Level::Neon),
    }
}

/// The level [`vectorized`] runs kernels with.
pub fn level() -> Level {
    arch().1
}

/// A kernel to run compiled for the chosen instruction set: `run` is inlined into a function
/// built with that set's features, and so is everything `run` calls that is
/// `#[inline(always)]`. (A closure would not do: its body is a function of its own that the
/// compiler may leave un-inlined, and so built for the baseline. The same holds inside a
/// kernel: write its loops as `for` loops, not `for_each` / `fold` with a closure, whose
/// iterator `fold` the compiler left un-inlined and ran at SSE width.)
pub trait Kernel {
    type Output;
    fn run(self) -> Self::Output;
}

/// Adapts a [`Kernel`] to pulp's dispatch, forcing `run` inline.
struct Dispatched<K>(K);

impl<K: Kernel> pulp::WithSimd for Dispatched<K> {
    type Output = K::Output;
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> K::Output {
        self.0.run()
    }
}

/// Runs `kernel` compiled for the chosen instruction set (its `run` must be
/// `#[inline(always)]`).
#[inline(always)]
pub fn vectorized<K: Kernel>(kernel: K) -> K::Output {
    arch().0.dispatch(Dispatched(kernel))
}

/// The single-core f32 fused multiply-add rate, GFLOP/s (two flops per FMA), of a loop of
/// independent FMA chains compiled for the chosen level: the ceiling the benchmarks' GFLOP/s
/// are quoted against. (At the baseline level, which has no FMA instruction, a multiply and an
/// add.)
pub fn fma_peak_gflops(seconds: f64) -> f64 {
    const LANES: usize = 112; // 7 AVX-512 or 14 AVX2 registers of independent chains
    const ROUNDS: usize = 4096;
    let start = std::time::Instant::now();
    let mut flops = 0.0;
    let mut sink = 0.0f32;
    let fused = level() != Level::Baseline;
    /// `ROUNDS` multiply-adds on each of `LANES` independent chains.
    struct Chains {
        fused: bool,
    }
    impl Kernel for Chains {
        type Output = f32;
        #[inline(always)]
        fn run(self) -> f32 {
            let mut acc = [1.0f32; LANES];
            let (b, c) = (
                std::hint::black_box(0.999_9f32),
                std::hint::black_box(1e-4f32),
            );
            for _ in 0..ROUNDS {
                if self.fused {
                    for a in acc.iter_mut() {
                        *a = a.mul_add(b, c);
                    }
                } else {
                    for a in acc.iter_mut() {
                        *a = *a * b + c;
                    }
                }
            }
            acc.iter().sum::<f32>()
        }
    }
    while start.elapsed().as_secs_f64() < seconds {
        sink += vectorized(Chains { fused });
        flops += (2 * LANES * ROUNDS) as f64;
    }
    std::hint::black_box(sink);
    flops / start.elapsed().as_secs_f64() / 1e9
}
