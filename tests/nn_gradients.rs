//! The hand-written backward passes against central finite differences of the batch loss, in
//! f64, for every activation and objective (ISM's trace and SSM's JVP terms included), with and
//! without class inputs; plus one tiny network against hand-derived numbers.

use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;
use scorefield::geom::Point;
use scorefield::nn::batch::{Batch, batch_loss};
use scorefield::nn::{
    Activation, Mlp, MlpConfig, Objective, OutputParam, ProjectionDist, SigmaEmbedding,
};

fn objectives() -> Vec<Objective> {
    vec![
        Objective::Esm,
        Objective::Dsm,
        Objective::Ddpm,
        Objective::Ism,
        Objective::Ssm {
            projections: 3,
            dist: ProjectionDist::Gaussian,
            variance_reduced: false,
        },
        Objective::Ssm {
            projections: 2,
            dist: ProjectionDist::Rademacher,
            variance_reduced: true,
        },
    ]
}

/// A random batch of `n` samples for `objective`, drawn from `seed`.
fn random_batch(objective: &Objective, n: usize, n_classes: usize, seed: u64) -> Batch {
    let mut rng = scorefield::noise::StreamRng::from_seed(seed);
    let mut b = Batch::default();
    for i in 0..n {
        b.x.push(rng.gaussian2() * 2.0);
        b.sigma.push(0.05 + 3.0 * rng.uniform());
        b.class
            .push((n_classes > 0 && i % 3 != 0).then(|| i % n_classes));
        b.weight.push(0.5 + rng.uniform());
        b.target.push(rng.gaussian2());
        b.level.push(0);
    }
    for _ in 0..objective.n_tangents() * n {
        b.dirs.push(rng.gaussian2());
    }
    if *objective == Objective::Ism {
        b.dirs = (0..n)
            .map(|_| Point::new(1.0, 0.0))
            .chain((0..n).map(|_| Point::new(0.0, 1.0)))
            .collect();
    }
    b
}

/// Checks every parameter's gradient (or a spread-out subset of large networks) against
/// `(L(p + h) - L(p - h)) / 2h`.
///
/// The tolerance adds the central difference's rounding error, about `eps |L| / h`: with outputs
/// divided by a small sigma the loss reaches 10^4, and at `h = 10^-6` its last bits alone move the
/// quotient by ~3e-6 (a DDPM case with loss 11,989 gave 7.549e-5 at `h = 10^-6` but 7.4443e-5 at
/// `10^-3 .. 10^-4`, the analytic value).
fn check_gradients(net: &Mlp<f64>, objective: &Objective, batch: &Batch) -> Result<(), String> {
    let (loss, grads) = batch_loss(net, objective, batch);
    let analytic = grads.flat();
    let params = net.flat();
    let stride = (params.len() / 60).max(1);
    let h = 1e-6;
    let rounding = 8.0 * f64::EPSILON * loss.abs() / h;
    for i in (0..params.len()).step_by(stride) {
        let mut p = params.clone();
        p[i] = params[i] + h;
        let mut up = net.clone();
        up.set_flat(&p);
        p[i] = params[i] - h;
        let mut down = net.clone();
        down.set_flat(&p);
        let fd = (batch_loss(&up, objective, batch).0 - batch_loss(&down, objective, batch).0)
            / (2.0 * h);
        let err = (fd - analytic[i]).abs();
        if err > 1e-6 + rounding + 1e-5 * fd.abs().max(analytic[i].abs()) {
            return Err(format!(
                "{objective:?}: parameter {i}: analytic {} vs finite difference {fd}",
                analytic[i]
            ));
        }
    }
    Ok(())
}

fn activation_strategy() -> impl Strategy<Value = Activation> {
    prop::sample::select(Activation::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn backward_matches_finite_differences(
        hidden in prop::collection::vec(1usize..9, 1..4),
        activation in activation_strategy(),
        embedding in prop::sample::select(vec![
            SigmaEmbedding::None, SigmaEmbedding::LogSigma, SigmaEmbedding::Sinusoidal { n: 2 },
        ]),
        n_classes in prop::sample::select(vec![0usize, 3]),
        divide in any::<bool>(),
        seed in 0u64..1_000_000,
    ) {
        let config = MlpConfig {
            hidden,
            activation,
            embedding,
            n_classes,
            output: if divide { OutputParam::DivideBySigma } else { OutputParam::Raw },
        };
        // Larger initial weights than the default so the second derivatives matter.
        let mut net = Mlp::<f64>::new(config, seed);
        net.weights.iter_mut().for_each(|w| *w *= 3.0);
        net.biases.iter_mut().enumerate().for_each(|(l, b)| b.fill(0.1 * l as f64 - 0.05));
        for objective in objectives() {
            let batch = random_batch(&objective, 5, n_classes, seed ^ 0xb47c);
            check_gradients(&net, &objective, &batch).map_err(TestCaseError::fail)?;
        }
    }
}

#[test]
fn wide_network_gradients_match_finite_differences() {
    let config = MlpConfig {
        hidden: vec![32, 32],
        activation: Activation::Silu,
        embedding: SigmaEmbedding::LogSigma,
        n_classes: 2,
        output: OutputParam::DivideBySigma,
    };
    let net = Mlp::<f64>::new(config, 4);
    for objective in objectives() {
        let batch = random_batch(&objective, 17, 2, 9);
        if let Err(e) = check_gradients(&net, &objective, &batch) {
            panic!("{e}");
        }
    }
}

/// The ISM tangents are the true Jacobian: tr(ds/dx) by finite differences of s in x.
#[test]
fn ism_trace_is_the_jacobian_trace() {
    let config = MlpConfig {
        hidden: vec![16, 16],
        activation: Activation::Tanh,
        embedding: SigmaEmbedding::LogSigma,
        n_classes: 0,
        output: OutputParam::DivideBySigma,
    };
    let net = Mlp::<f64>::new(config, 1);
    let ism = Objective::Ism;
    let mut batch = random_batch(&ism, 1, 0, 3);
    batch.weight[0] = 1.0;
    let (loss, _) = batch_loss(&net, &ism, &batch);
    // loss = 1/2 |s|^2 + tr(J); recover tr(J) from loss and s.
    let s_of = |x: Point| {
        let mut b = batch.clone();
        b.x[0] = x;
        let dsm = Objective::Dsm;
        b.target[0] = Point::zeros();
        b.dirs.clear();
        let (l, _) = batch_loss(&net, &dsm, &b); // 1/2 |s|^2
        (l, b)
    };
    let h = 1e-5;
    let x = batch.x[0];
    let score = |p: Point| {
        let (_, b) = s_of(p);
        let mut ws = scorefield::nn::Workspace::new(&net, 1, 0);
        let mut out = [Point::zeros()];
        scorefield::nn::batch::scores(&net, &mut ws, &b, 0..1, &mut out);
        out[0]
    };
    let trace = (score(x + Point::new(h, 0.0)).x - score(x - Point::new(h, 0.0)).x) / (2.0 * h)
        + (score(x + Point::new(0.0, h)).y - score(x - Point::new(0.0, h)).y) / (2.0 * h);
    let half_s2 = s_of(x).0;
    assert!(
        (loss - half_s2 - trace).abs() < 1e-6,
        "loss {loss}, 1/2|s|^2 {half_s2}, trace {trace}"
    );
}

/// x = (1, 2), one tanh unit: z = 0.5 - 0.5 + 0.1, h = tanh(z), s = (2h + 0.5, -h), ESM target 0.
/// Hand-derived: L = 1/2 |s|^2, gs = s, gW2 = gs h, gh = W2^T gs, gz = gh (1 - h^2), gW1 = gz x.
#[test]
fn tiny_network_matches_hand_derived_numbers() {
    let config = MlpConfig {
        hidden: vec![1],
        activation: Activation::Tanh,
        embedding: SigmaEmbedding::None,
        n_classes: 0,
        output: OutputParam::Raw,
    };
    let mut net = Mlp::<f64>::new(config, 0);
    net.weights[0] = DMatrix::from_row_slice(1, 2, &[0.5, -0.25]);
    net.biases[0] = DVector::from_vec(vec![0.1]);
    net.weights[1] = DMatrix::from_row_slice(2, 1, &[2.0, -1.0]);
    net.biases[1] = DVector::from_vec(vec![0.5, 0.0]);
    let batch = Batch {
        x: vec![Point::new(1.0, 2.0)],
        sigma: vec![1.0],
        class: vec![None],
        weight: vec![1.0],
        target: vec![Point::zeros()],
        dirs: vec![],
        level: vec![0],
    };
    let (loss, g) = batch_loss(&net, &Objective::Esm, &batch);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-14;
    assert!(close(loss, 0.249_502_267_506_356_32), "{loss}");
    assert!(close(g.weights[0][(0, 0)], 1.483_455_899_620_102_6));
    assert!(close(g.weights[0][(0, 1)], 2.966_911_799_240_205));
    assert!(close(g.biases[0][0], 1.483_455_899_620_102_6));
    assert!(close(g.weights[1][(0, 0)], 0.069_701_415_617_598_35));
    assert!(close(g.weights[1][(1, 0)], -0.009_933_709_152_560_222));
    assert!(close(g.biases[1][0], 0.699_335_989_249_911_6));
    assert!(close(g.biases[1][1], -0.099_667_994_624_955_82));
}
