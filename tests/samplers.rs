//! Seeded statistical tests of every sampler (MATH §4) with the exact score, plus the runner's
//! guarantees: determinism across thread counts, common random numbers, divergence handling.

use scorefield::data::{Dataset, preset};
use scorefield::dist::{Gaussian2, GaussianMixture};
use scorefield::geom::{Mat2, Point};
use scorefield::metrics::mode_report;
use scorefield::sample::{
    DataInfo, ExactMixtureScore, InitSpec, Plan, SamplerKind, SamplerRun, SamplerSettings,
    ScoreSource,
};

const MU: Point = Point::new(1.0, -2.0);

/// An anisotropic Gaussian target N(MU, S), S = [[2, 0.6], [0.6, 0.5]] (eigenvalues 2.22, 0.28).
fn gaussian_target() -> GaussianMixture {
    GaussianMixture::new(
        vec![Gaussian2::new(MU, Mat2::new(2.0, 0.6, 0.6, 0.5))],
        &[1.0],
    )
}

fn run(
    m: &GaussianMixture,
    settings: &SamplerSettings,
    n: usize,
    seed: u64,
) -> (Vec<Point>, Vec<bool>) {
    let data = Dataset::Mixture(m.clone());
    let source = ExactMixtureScore { mixture: m };
    let plan = Plan::build(settings, &DataInfo::of(&data), &source).expect("valid settings");
    let mut r = SamplerRun::new(plan, n, seed);
    r.run_to_end(&source, None);
    (r.positions().to_vec(), r.alive().to_vec())
}

fn mean_and_cov(xs: &[Point]) -> (Point, Mat2) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<Point>() / n;
    let cov = xs
        .iter()
        .map(|x| (x - mean) * (x - mean).transpose())
        .sum::<Mat2>()
        / (n - 1.0);
    (mean, cov)
}

/// Checks the sample mean within `mean_tol` (absolute) and every covariance entry within
/// `cov_tol` relative to the largest entry of the expected covariance.
fn assert_moments(name: &str, xs: &[Point], expected_cov: Mat2, mean_tol: f64, cov_tol: f64) {
    let (mean, cov) = mean_and_cov(xs);
    let scale = expected_cov.amax();
    assert!(
        (mean - MU).norm() < mean_tol,
        "{name}: mean {mean:?}, want {MU:?} within {mean_tol}"
    );
    assert!(
        (cov - expected_cov).amax() < cov_tol * scale,
        "{name}: covariance {cov:?}, want {expected_cov:?} within {cov_tol} relative"
    );
}

/// Sampling error with 4,000 particles: mean SE <= sqrt(2.22/4000) = 0.024 (tolerance 0.1,
/// four standard errors); covariance entries SE <= 2.22 sqrt(2/4000) = 0.05 (tolerance 8 % of
/// 2.22 = 0.18, 3.5 standard errors), which also bounds discretisation bias.
#[test]
fn every_stochastic_sampler_reproduces_a_gaussian() {
    let m = gaussian_target();
    let s = m.components()[0].cov;
    let cases: Vec<(SamplerKind, SamplerSettings)> = vec![
        // Langevin and MALA at the clean score (eps = 0.1 x smallest variance, 1000 steps).
        (
            SamplerKind::Langevin,
            SamplerSettings::new(SamplerKind::Langevin),
        ),
        (SamplerKind::Mala, SamplerSettings::new(SamplerKind::Mala)),
        // Annealed Langevin: alpha_i / sigma_i^2 = 1 so the small levels still mix.
        (
            SamplerKind::AnnealedLangevin,
            SamplerSettings {
                eps: Some(1e-4),
                n_steps: Some(200),
                ..SamplerSettings::new(SamplerKind::AnnealedLangevin)
            },
        ),
        // SDE samplers from a prior wide enough (sigma_max = 50) to wash out the start.
        (
            SamplerKind::Smld,
            SamplerSettings {
                sigma_max: Some(50.0),
                ..SamplerSettings::new(SamplerKind::Smld)
            },
        ),
        (
            SamplerKind::VeSde,
            SamplerSettings {
                sigma_max: Some(50.0),
                ..SamplerSettings::new(SamplerKind::VeSde)
            },
        ),
        (
            SamplerKind::Pc,
            SamplerSettings {
                sigma_max: Some(50.0),
                ..SamplerSettings::new(SamplerKind::Pc)
            },
        ),
        (SamplerKind::Ddpm, SamplerSettings::new(SamplerKind::Ddpm)),
        (SamplerKind::PcVp, SamplerSettings::new(SamplerKind::PcVp)),
    ];
    for (kind, settings) in cases {
        let (xs, alive) = run(&m, &settings, 4000, 11);
        assert!(alive.iter().all(|a| *a), "{kind:?}: particles diverged");
        assert_moments(kind.name(), &xs, s, 0.1, 0.08);
    }
}

/// The probability-flow ODE and DDIM are deterministic maps; for a Gaussian target they map
/// the Gaussian prior onto the target (up to the small prior mismatch and step error).
#[test]
fn deterministic_samplers_reproduce_a_gaussian_and_repeat_exactly() {
    let m = gaussian_target();
    let s = m.components()[0].cov;
    for kind in [
        SamplerKind::PfOdeEuler,
        SamplerKind::PfOdeHeun,
        SamplerKind::Ddim,
    ] {
        let settings = SamplerSettings {
            sigma_max: Some(50.0),
            ..SamplerSettings::new(kind)
        };
        let (a, _) = run(&m, &settings, 4000, 5);
        let (b, _) = run(&m, &settings, 4000, 5);
        assert_eq!(a, b, "{kind:?} is not deterministic");
        assert_moments(kind.name(), &a, s, 0.1, 0.08);
    }
}

#[test]
fn pf_ode_uses_no_noise_the_same_start_gives_the_same_end() {
    // Same initial particles, different seeds: the ODE ignores the noise stream entirely.
    let m = gaussian_target();
    let data = Dataset::Mixture(m.clone());
    let source = ExactMixtureScore { mixture: &m };
    let plan = Plan::build(
        &SamplerSettings::new(SamplerKind::PfOdeHeun),
        &DataInfo::of(&data),
        &source,
    )
    .expect("valid");
    let start = plan.init.particles(3, 500);
    let mut a = SamplerRun::from_particles(plan.clone(), start.clone(), 1);
    let mut b = SamplerRun::from_particles(plan, start, 2);
    a.run_to_end(&source, None);
    b.run_to_end(&source, None);
    assert_eq!(a.positions(), b.positions());
}

#[test]
fn gradient_ascent_collapses_onto_the_mode() {
    let m = gaussian_target();
    // eps = 0.1 x 0.28; along the broad axis (variance 2.22) each step contracts by
    // 1 - (eps/2)/2.22 = 0.9937, so 4,000 steps shrink a distance of 10 to 1e-10.
    let settings = SamplerSettings {
        n_steps: Some(4000),
        ..SamplerSettings::new(SamplerKind::GradientAscent)
    };
    let (xs, _) = run(&m, &settings, 500, 2);
    let worst = xs.iter().map(|x| (x - MU).norm()).fold(0.0, f64::max);
    assert!(worst < 1e-3, "a particle ended {worst} from the mode");
}

fn two_modes() -> GaussianMixture {
    match preset("ncsn-two-modes").expect("preset").dataset() {
        Dataset::Mixture(m) => m,
        Dataset::Points(_) => unreachable!("ncsn-two-modes is a mixture"),
    }
}

/// With 2,000 particles the SE of a mode fraction is sqrt(0.16/2000) = 0.009; TV <= 0.04 is
/// more than four standard errors. Annealed Langevin runs 300 steps per level: with the
/// MATH §8 default of 100 its finite-time bias is measurable (TV 0.030 on 20,000 particles,
/// 0.014 at 300 steps, 0.011 with 20 levels; see the closing note of the foundation issue).
#[test]
fn annealed_samplers_recover_the_mode_weights() {
    let m = two_modes();
    for kind in [
        SamplerKind::AnnealedLangevin,
        SamplerKind::Smld,
        SamplerKind::VeSde,
        SamplerKind::Ddpm,
    ] {
        let settings = SamplerSettings {
            n_steps: (kind == SamplerKind::AnnealedLangevin).then_some(300),
            ..SamplerSettings::new(kind)
        };
        let (xs, alive) = run(&m, &settings, 2000, 9);
        let report = mode_report(&m, &xs, &alive);
        assert!(
            report.tv <= 0.04,
            "{kind:?}: fractions {:?}, TV {}",
            report.mode_fractions,
            report.tv
        );
    }
    let ring = match preset("ring8").expect("preset").dataset() {
        Dataset::Mixture(m) => m,
        Dataset::Points(_) => unreachable!("ring8 is a mixture"),
    };
    let (xs, alive) = run(&ring, &SamplerSettings::new(SamplerKind::Smld), 4000, 9);
    let report = mode_report(&ring, &xs, &alive);
    // Eight weights of 1/8: SE 0.005 each; TV sums eight of them.
    assert!(report.tv <= 0.06, "ring8 SMLD: {:?}", report.mode_fractions);
}

/// MATH §7: plain Langevin keeps the initial split; annealed Langevin recovers 0.8 / 0.2.
#[test]
fn langevin_keeps_the_initial_split_annealing_recovers_the_weights() {
    let m = two_modes();
    let init = Some(InitSpec::Uniform { lo: -8.0, hi: 8.0 });
    let langevin = SamplerSettings {
        eps: Some(0.1),
        n_steps: Some(1000),
        init,
        ..SamplerSettings::new(SamplerKind::Langevin)
    };
    let annealed = SamplerSettings {
        eps: Some(0.1),
        n_steps: Some(100),
        n_levels: Some(10),
        sigma_max: Some(20.0),
        sigma_min: Some(1.0),
        init,
        ..SamplerSettings::new(SamplerKind::AnnealedLangevin)
    };
    let (xl, al) = run(&m, &langevin, 1280, 0);
    let (xa, aa) = run(&m, &annealed, 1280, 0);
    let (rl, ra) = (mode_report(&m, &xl, &al), mode_report(&m, &xa, &aa));
    assert!(
        rl.tv >= 0.2,
        "Langevin TV {} ({:?})",
        rl.tv,
        rl.mode_fractions
    );
    assert!(
        ra.tv <= 0.03,
        "annealed TV {} ({:?})",
        ra.tv,
        ra.mode_fractions
    );
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let m = two_modes();
    let settings = SamplerSettings::new(SamplerKind::AnnealedLangevin);
    let in_pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| run(&m, &settings, 1000, 4))
    };
    assert_eq!(in_pool(1), in_pool(2));
}

/// Common random numbers: two samplers with the same seed start from the same particles and
/// see the same Gaussian increment at every step.
#[test]
fn two_samplers_share_particles_and_noise() {
    let m = two_modes();
    let data = Dataset::Mixture(m.clone());
    let source = ExactMixtureScore { mixture: &m };
    let info = DataInfo::of(&data);
    let init = Some(InitSpec::Uniform { lo: -8.0, hi: 8.0 });
    let mk = |kind, eps| {
        Plan::build(
            &SamplerSettings {
                eps: Some(eps),
                init,
                sigma_min: Some(1.0),
                sigma_max: Some(20.0),
                ..SamplerSettings::new(kind)
            },
            &info,
            &source,
        )
        .expect("valid")
    };
    let (pa, pb) = (
        mk(SamplerKind::Langevin, 0.1),
        mk(SamplerKind::AnnealedLangevin, 0.1),
    );
    let mut a = SamplerRun::new(pa, 300, 8);
    let mut b = SamplerRun::new(pb, 300, 8);
    assert_eq!(a.positions(), b.positions());
    for _ in 0..3 {
        let (xa, xb) = (a.positions().to_vec(), b.positions().to_vec());
        let (ea, eb) = (step_size(&a), step_size(&b));
        let (la, lb) = (
            a.plan().ops[a.cursor()].level(),
            b.plan().ops[b.cursor()].level(),
        );
        a.advance(&source, 1);
        b.advance(&source, 1);
        // Recover z = (x' - x - eps/2 s(x)) / sqrt(eps) for both and compare.
        let z = |x0: &[Point], x1: &[Point], eps: f64, level| {
            let mut s = vec![Point::zeros(); x0.len()];
            source.score_batch(level, x0, &mut s);
            x0.iter()
                .zip(x1)
                .zip(&s)
                .map(|((p, q), s)| (q - p - s * (0.5 * eps)) / eps.sqrt())
                .collect::<Vec<_>>()
        };
        let (za, zb) = (z(&xa, a.positions(), ea, la), z(&xb, b.positions(), eb, lb));
        for (p, q) in za.iter().zip(&zb) {
            assert!((p - q).norm() < 1e-6, "noise differs: {p:?} vs {q:?}");
        }
    }
}

fn step_size(r: &SamplerRun) -> f64 {
    match r.plan().ops[r.cursor()] {
        scorefield::sample::Op::Langevin { eps, .. } => eps,
        other => panic!("expected a Langevin step, got {other:?}"),
    }
}

#[test]
fn exploding_steps_are_counted_as_diverged_never_nan() {
    let ring = match preset("ring8").expect("preset").dataset() {
        Dataset::Mixture(m) => m,
        Dataset::Points(_) => unreachable!("ring8 is a mixture"),
    };
    // eps/2 * (1/0.1) = 50 > 2: gradient ascent overshoots further each step.
    let settings = SamplerSettings {
        eps: Some(10.0),
        n_steps: Some(200),
        ..SamplerSettings::new(SamplerKind::GradientAscent)
    };
    let (xs, alive) = run(&ring, &settings, 200, 1);
    let dead = alive.iter().filter(|a| !**a).count();
    assert!(dead > 100, "only {dead} of 200 particles diverged");
    assert!(xs.iter().all(|x| x.x.is_finite() && x.y.is_finite()));
    let report = mode_report(&ring, &xs, &alive);
    assert!((report.diverged_fraction - dead as f64 / 200.0).abs() < 1e-12);
}

#[test]
fn classifier_guidance_moves_the_samples_to_the_class() {
    let m = two_modes();
    let data = Dataset::Mixture(m.clone());
    let source = scorefield::sample::GuidedMixtureScore {
        mixture: &m,
        class: 1,
        gamma: 1.0,
    };
    let plan = Plan::build(
        &SamplerSettings::new(SamplerKind::AnnealedLangevin),
        &DataInfo::of(&data),
        &source,
    )
    .expect("valid");
    let mut r = SamplerRun::new(plan, 1000, 3);
    r.run_to_end(&source, None);
    let report = mode_report(&m, r.positions(), r.alive());
    // gamma = 1 samples p(x | y = 1) exactly: all mass on the minority mode.
    assert!(
        report.mode_fractions[1] > 0.99,
        "{:?}",
        report.mode_fractions
    );
}

#[test]
fn mala_needs_a_density_and_bad_settings_are_refused() {
    struct NoDensity;
    impl ScoreSource for NoDensity {
        fn score_batch(&self, _: scorefield::dist::NoiseLevel, _: &[Point], out: &mut [Point]) {
            out.fill(Point::zeros());
        }
        fn label(&self) -> String {
            "test".into()
        }
    }
    let data = Dataset::Mixture(two_modes());
    let info = DataInfo::of(&data);
    let err = Plan::build(&SamplerSettings::new(SamplerKind::Mala), &info, &NoDensity)
        .expect_err("no density")
        .to_string();
    assert!(err.contains("mala needs a density"), "{err}");
    let bad = SamplerSettings {
        sigma_min: Some(5.0),
        sigma_max: Some(1.0),
        ..SamplerSettings::new(SamplerKind::AnnealedLangevin)
    };
    let m = two_modes();
    let exact = ExactMixtureScore { mixture: &m };
    let err = Plan::build(&bad, &info, &exact).expect_err("sigma_max < sigma_min");
    // The command line reads its flags; the app reads its controls, never a flag.
    assert!(err.to_string().contains("--sigma-max"), "{err}");
    assert!(
        err.in_app().contains("sampler sigma_max"),
        "{}",
        err.in_app()
    );
    assert!(!err.in_app().contains("--"), "{}", err.in_app());
    let bad = SamplerSettings {
        eps: Some(-1.0),
        ..SamplerSettings::new(SamplerKind::Langevin)
    };
    assert!(
        Plan::build(&bad, &info, &exact)
            .expect_err("eps < 0")
            .to_string()
            .contains("--eps")
    );
}
