//! The exact scores against finite differences of the log densities (MATH §2), far-field
//! stability, and the VE/VP correspondence (MATH §3.6).

use proptest::prelude::*;
use scorefield::dist::{EmpiricalMixture, Gaussian2, GaussianMixture, NoiseLevel};
use scorefield::geom::{Mat2, Point};

/// A random mixture with anisotropic, rotated covariances.
fn mixture_strategy() -> impl Strategy<Value = GaussianMixture> {
    let component = (
        -5.0..5.0f64,
        -5.0..5.0f64,
        0.2..2.0f64,
        0.2..2.0f64,
        0.0..std::f64::consts::PI,
        0.05..1.0f64,
    );
    prop::collection::vec(component, 1..6).prop_map(|comps| {
        let (gs, ws): (Vec<Gaussian2>, Vec<f64>) = comps
            .into_iter()
            .map(|(mx, my, s1, s2, angle, w)| {
                let (c, s) = (angle.cos(), angle.sin());
                let r = Mat2::new(c, -s, s, c);
                let cov = r * Mat2::new(s1 * s1, 0.0, 0.0, s2 * s2) * r.transpose();
                (Gaussian2::new(Point::new(mx, my), cov), w)
            })
            .unzip();
        GaussianMixture::new(gs, &ws)
    })
}

/// Central finite difference of `f` at `x` with step `h`.
fn fd_grad(f: impl Fn(&Point) -> f64, x: &Point, h: f64) -> Point {
    let dx = Point::new(h, 0.0);
    let dy = Point::new(0.0, h);
    Point::new(
        (f(&(x + dx)) - f(&(x - dx))) / (2.0 * h),
        (f(&(x + dy)) - f(&(x - dy))) / (2.0 * h),
    )
}

fn close(a: &Point, b: &Point, tol: f64) -> bool {
    (a - b).norm() <= tol * (1.0 + b.norm())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn ve_score_is_the_gradient_of_the_log_density(
        m in mixture_strategy(), x in -8.0..8.0f64, y in -8.0..8.0f64, sigma in 0.0..3.0f64,
    ) {
        let at = m.at_level(NoiseLevel::Ve { sigma });
        let p = Point::new(x, y);
        let fd = fd_grad(|q| at.log_density(q), &p, 1e-5);
        let s = at.score(&p);
        prop_assert!(close(&s, &fd, 1e-5), "score {s:?} vs finite difference {fd:?}");
    }

    #[test]
    fn vp_score_is_the_gradient_of_the_log_density(
        m in mixture_strategy(), x in -8.0..8.0f64, y in -8.0..8.0f64, abar in 0.01..1.0f64,
    ) {
        let at = m.at_level(NoiseLevel::Vp { abar });
        let p = Point::new(x, y);
        let fd = fd_grad(|q| at.log_density(q), &p, 1e-5);
        prop_assert!(close(&at.score(&p), &fd, 1e-5));
    }

    #[test]
    fn vp_and_ve_agree_through_sigma_t(
        m in mixture_strategy(), x in -8.0..8.0f64, y in -8.0..8.0f64, abar in 0.01..1.0f64,
    ) {
        // x_t = sqrt(abar) y with y ~ q_{sigma_t}: grad log p_t(x) = grad log q(x / sqrt(abar)) / sqrt(abar).
        let vp = NoiseLevel::Vp { abar };
        let ve = NoiseLevel::Ve { sigma: vp.equivalent_sigma() };
        let p = Point::new(x, y);
        let s_vp = m.at_level(vp).score(&p);
        let s_ve = m.at_level(ve).score(&(p / abar.sqrt())) / abar.sqrt();
        prop_assert!(close(&s_vp, &s_ve, 1e-9), "{s_vp:?} vs {s_ve:?}");
    }

    #[test]
    fn class_posterior_gradient_is_the_gradient_of_log_r_k(
        m in mixture_strategy(), x in -6.0..6.0f64, y in -6.0..6.0f64, sigma in 0.0..2.0f64,
    ) {
        let at = m.at_level(NoiseLevel::Ve { sigma });
        let p = Point::new(x, y);
        let k = m.len() - 1;
        let fd = fd_grad(|q| at.posteriors(q)[k].ln(), &p, 1e-5);
        let g = at.class_log_posterior_grad(&p, k);
        // log r_k can be very negative: compare where it is representable.
        prop_assume!(at.posteriors(&p)[k] > 1e-200);
        prop_assert!(close(&g, &fd, 1e-4), "{g:?} vs {fd:?}");
    }

    #[test]
    fn far_field_score_is_finite_and_points_home(
        m in mixture_strategy(), angle in 0.0..std::f64::consts::TAU, sigma in 0.0..3.0f64,
    ) {
        let at = m.at_level(NoiseLevel::Ve { sigma });
        let x = Point::new(angle.cos(), angle.sin()) * 1e6;
        let (log_q, s) = at.log_density_and_score(&x);
        prop_assert!(s.x.is_finite() && s.y.is_finite() && log_q.is_finite());
        prop_assert!(s.dot(&(-x)) > 0.0, "score {s:?} does not point towards the data");
        // Far out one component dominates: the score is that component's C^-1 (mu - x).
        let best = m.components().iter().zip(m.weights())
            .map(|(c, w)| {
                let g = c.perturbed(1.0, sigma * sigma);
                (w.ln() + g.log_density(&x), g)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, g)| g)
            .expect("a component");
        let expected = best.cov.try_inverse().expect("invertible") * (best.mean - x);
        prop_assert!(close(&s, &expected, 1e-6), "{s:?} vs {expected:?}");
    }
}

#[test]
fn the_score_of_one_gaussian_is_linear() {
    let m = GaussianMixture::new(
        vec![Gaussian2::isotropic(Point::new(1.0, 2.0), 0.5)],
        &[1.0],
    );
    let s = m
        .at_level(NoiseLevel::Ve { sigma: 0.5 })
        .score(&Point::new(3.0, 2.0));
    // -(x - mu) / (s^2 + sigma^2) = -(2, 0) / 0.75.
    assert!((s - Point::new(-2.0 / 0.75, 0.0)).norm() < 1e-12);
}

#[test]
fn naive_densities_underflow_where_the_log_sum_exp_does_not() {
    let m = GaussianMixture::new(
        vec![
            Gaussian2::isotropic(Point::new(-5.0, -5.0), 1.0),
            Gaussian2::isotropic(Point::new(5.0, 5.0), 1.0),
        ],
        &[0.8, 0.2],
    );
    let x = Point::new(1e6, -1e6);
    assert_eq!(m.at_level(NoiseLevel::CLEAN).log_density(&x).exp(), 0.0);
    let s = m.at_level(NoiseLevel::CLEAN).score(&x);
    assert!(s.x.is_finite() && s.y.is_finite() && s.dot(&(-x)) > 0.0);
}

#[test]
fn empirical_score_is_the_gradient_of_its_log_density_and_tweedie_holds() {
    let pts: Vec<Point> = (0..50)
        .map(|i| Point::new((i as f64 * 0.7).sin() * 3.0, (i as f64 * 1.3).cos() * 2.0))
        .collect();
    let e = EmpiricalMixture::new(pts);
    for level in [
        NoiseLevel::Ve { sigma: 0.3 },
        NoiseLevel::Ve { sigma: 2.0 },
        NoiseLevel::Vp { abar: 0.4 },
    ] {
        for p in [
            Point::new(0.1, 0.2),
            Point::new(-2.0, 1.5),
            Point::new(4.0, -3.0),
        ] {
            let fd = fd_grad(|q| e.log_density(level, q), &p, 1e-5);
            let s = e.score(level, &p);
            assert!(close(&s, &fd, 1e-5), "{level:?} {p:?}: {s:?} vs {fd:?}");
            // MATH §5 (VE): E[x0 | x] = x + sigma^2 s(x).
            if let NoiseLevel::Ve { sigma } = level {
                let (_, denoised) = e.log_density_and_denoised(level, &p);
                assert!((denoised - (p + s * sigma * sigma)).norm() < 1e-9);
            }
        }
    }
}

#[test]
fn guided_score_moves_towards_the_chosen_class() {
    let m = GaussianMixture::new(
        vec![
            Gaussian2::isotropic(Point::new(-5.0, 0.0), 1.0),
            Gaussian2::isotropic(Point::new(5.0, 0.0), 1.0),
        ],
        &[0.5, 0.5],
    );
    let at = m.at_level(NoiseLevel::Ve { sigma: 3.0 });
    let x = Point::new(0.0, 0.0);
    // At the midpoint the unguided score is zero; guidance towards class 1 points to +x.
    assert!(at.score(&x).norm() < 1e-12);
    assert!(at.guided_score(&x, 1, 2.0).x > 0.1);
    assert!(at.guided_score(&x, 0, 2.0).x < -0.1);
    // gamma = 0 is the unguided score.
    let p = Point::new(1.0, 2.0);
    assert!((at.guided_score(&p, 1, 0.0) - at.score(&p)).norm() < 1e-12);
}
