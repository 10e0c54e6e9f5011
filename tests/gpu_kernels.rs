//! Every GPU kernel against its CPU twin on the machine's adapter (lavapipe in CI), forward and
//! every gradient; and the CPU twins' backward products against finite differences (no GPU).
//! A missing adapter fails, except where `SCOREFIELD_NO_GPU=1` says none is expected.

mod common;

use scorefield::gpu::kernel::submit;
use scorefield::gpu::kernels::Family;
use scorefield::gpu::kernels::bias_act::{self, Layout};
use scorefield::gpu::kernels::conv3x3::{self, ConvShape};
use scorefield::gpu::kernels::group_norm::{self, GnShape};
use scorefield::gpu::kernels::matmul::{self, Form};
use scorefield::gpu::kernels::resample::{self, Planes, Resample};
use scorefield::gpu::kernels::{adam, dsm, elementwise, embed, langevin};
use scorefield::gpu::params::{ParamLayout, ParamStore};
use scorefield::gpu::pixel_prior::PixelPrior;
use scorefield::gpu::{Gpu, Kernels};

fn setup() -> Option<(Gpu, Kernels)> {
    let g = common::gpu_or_expected_absence()?;
    let k = Kernels::new(&g);
    Some((g, k))
}

/// Deterministic values in [-1, 1).
fn vals(n: usize, seed: u32) -> Vec<f32> {
    (0..n as u32)
        .map(|i| dsm::uniform01(dsm::key(seed, 7, i)) * 2.0 - 1.0)
        .collect()
}

fn assert_close(what: &str, gpu: &[f32], cpu: &[f32], tol: f32) {
    assert_eq!(gpu.len(), cpu.len(), "{what}: lengths");
    let scale = cpu.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    let (worst, at) = gpu
        .iter()
        .zip(cpu)
        .enumerate()
        .map(|(i, (a, b))| ((a - b).abs(), i))
        .fold((0.0f32, 0), |m, x| if x.0 > m.0 { x } else { m });
    assert!(
        worst <= tol * scale,
        "{what}: GPU {} vs CPU {} at {at} (difference {worst}, scale {scale})",
        gpu[at],
        cpu[at]
    );
}

#[test]
fn matmul_both_families_and_all_three_forms_match_the_cpu_twin() {
    let Some((g, k)) = setup() else { return };
    // Ragged (not multiples of the 64 x 64 tiles nor of 4: the scalar loads), aligned to 4
    // but not to the tiles (the vec4 loads, partial blocks), and a thin batch.
    let shapes = [(70, 45, 37), (68, 44, 36), (8, 132, 20), (130, 8, 64)];
    for path in [Family::Workgroup, Family::Registers] {
        for (m, n, kk) in shapes {
            for form in [Form::Nt, Form::Nn, Form::Tn] {
                let a = vals(m * kk, 1);
                let b = vals(n * kk, 2);
                let c0 = vals(m * n, 3);
                for accumulate in [false, true] {
                    let (av, bv, cv) = (g.upload("a", &a), g.upload("b", &b), g.upload("c", &c0));
                    let d = matmul::matmul_on(
                        &g,
                        &k,
                        path,
                        form,
                        [&av, &bv, &cv],
                        [m, n, kk],
                        accumulate,
                    );
                    submit(&g, &[&d]);
                    let mut want = c0.clone();
                    matmul::matmul_cpu(form, &a, &b, &mut want, m, n, kk, accumulate);
                    let got: Vec<f32> = g.read(&cv).expect("read");
                    let what = format!("{path:?} {form:?} {m}x{n}x{kk} acc {accumulate}");
                    assert_close(&what, &got, &want, 1e-5);
                }
            }
        }
    }
}

#[test]
fn bias_silu_and_their_gradients_match_the_cpu_twins() {
    let Some((g, k)) = setup() else { return };
    let l = Layout {
        outer: 3,
        channels: 5,
        inner: 70,
    };
    let z0 = vals(l.len(), 4);
    let bias = vals(5, 5);
    let dy = vals(l.len(), 6);
    let (zv, bv, yv) = (
        g.upload("z", &z0),
        g.upload("b", &bias),
        g.zeros("y", l.len()),
    );
    submit(&g, &[&bias_act::bias_silu(&g, &k, l, &bv, &zv, &yv)]);
    let mut z = z0.clone();
    bias_act::add_bias_cpu(l, &bias, &mut z);
    let y: Vec<f32> = z.iter().map(|&v| bias_act::silu(v)).collect();
    assert_close("bias_silu z", &g.read(&zv).expect("z"), &z, 1e-6);
    assert_close("bias_silu y", &g.read(&yv).expect("y"), &y, 1e-5);

    let (dyv, dzv, dbv) = (
        g.upload("dy", &dy),
        g.zeros("dz", l.len()),
        g.zeros("db", 5),
    );
    let y2 = g.zeros("y2", l.len());
    let zb = g.zeros("z2", l.len());
    submit(
        &g,
        &[
            &bias_act::silu_backward(&g, &k, l, &zv, &dyv, &dzv),
            &bias_act::channel_sum(&g, &k, l, &dzv, &dbv),
            &bias_act::silu_forward(&g, &k, l, &zv, &y2),
            &elementwise::copy(&g, &k, &zv, &zb, false),
            &bias_act::add_bias(&g, &k, l, &bv, &zb),
        ],
    );
    let dz = bias_act::silu_backward_cpu(&z, &dy);
    assert_close("silu_backward", &g.read(&dzv).expect("dz"), &dz, 1e-5);
    let db = bias_act::channel_sum_cpu(l, &dz);
    assert_close("channel_sum", &g.read(&dbv).expect("db"), &db, 1e-5);
    for family in [Family::Workgroup, Family::Registers] {
        let out = g.zeros("db", 5);
        submit(
            &g,
            &[&bias_act::channel_sum_on(&g, &k, family, l, &dzv, &out)],
        );
        let what = format!("channel_sum {family:?}");
        assert_close(&what, &g.read(&out).expect("db"), &db, 1e-5);
    }
    assert_close("silu", &g.read(&y2).expect("y2"), &y, 1e-5);
    let mut zz = z.clone();
    bias_act::add_bias_cpu(l, &bias, &mut zz);
    assert_close("add_bias", &g.read(&zb).expect("zb"), &zz, 1e-6);
}

#[test]
fn conv3x3_both_families_forward_and_both_gradients_match_the_cpu_twin() {
    let Some((g, k)) = setup() else { return };
    // A small ragged shape; one with two row tiles (70 outputs) and a split weight gradient;
    // the U-Net's first and last layers (one input channel: 9 weight columns, a partial block;
    // one output channel), on images narrower than a block, with an uneven split of 7 images.
    let shapes = [
        ConvShape {
            batch: 2,
            cin: 3,
            cout: 4,
            h: 7,
            w: 5,
        },
        ConvShape {
            batch: 3,
            cin: 5,
            cout: 70,
            h: 28,
            w: 28,
        },
        ConvShape {
            batch: 7,
            cin: 1,
            cout: 9,
            h: 3,
            w: 2,
        },
        ConvShape {
            batch: 5,
            cin: 12,
            cout: 1,
            h: 14,
            w: 14,
        },
    ];
    assert!(shapes[1].weight_splits() > 1);
    assert!(shapes[1].image_splits().0 > 1);
    for family in [Family::Workgroup, Family::Registers] {
        for (t, sh) in shapes.into_iter().enumerate() {
            check_conv(&g, &k, family, sh, &format!("{family:?} {t}"));
        }
    }
}

fn check_conv(g: &Gpu, k: &Kernels, family: Family, sh: ConvShape, what: &str) {
    let hw = sh.h * sh.w;
    let x = vals(sh.batch * sh.cin * hw, 8);
    let w = vals(sh.cout * sh.cin * 9, 9);
    let dy = vals(sh.batch * sh.cout * hw, 10);
    let dx0 = vals(x.len(), 11);
    let (xv, wv, dyv) = (g.upload("x", &x), g.upload("w", &w), g.upload("dy", &dy));
    let (yv, dxv, dx_fresh, dwv) = (
        g.upload("y", &vals(dy.len(), 12)),
        g.upload("dx", &dx0),
        g.upload("dx fresh", &vals(x.len(), 13)),
        g.upload("dw", &vals(w.len(), 14)),
    );
    let parts = g.upload("parts", &vals(sh.parts_len(), 15));
    let [gw, reduce] = conv3x3::conv_grad_weight_on(g, k, family, sh, [&xv, &dyv, &dwv, &parts]);
    submit(
        g,
        &[
            &conv3x3::conv_forward_on(g, k, family, sh, [&xv, &wv, &yv]),
            &conv3x3::conv_grad_input_on(g, k, family, sh, [&wv, &dyv, &dxv], true),
            &conv3x3::conv_grad_input_on(g, k, family, sh, [&wv, &dyv, &dx_fresh], false),
            &gw,
            &reduce,
        ],
    );
    let y = conv3x3::conv_forward_cpu(sh, &x, &w);
    let (dx, dw) = conv3x3::conv_backward_cpu(sh, &x, &w, &dy);
    let dx_acc: Vec<f32> = dx.iter().zip(&dx0).map(|(a, b)| a + b).collect();
    assert_close(
        &format!("conv forward {what}"),
        &g.read(&yv).expect("y"),
        &y,
        1e-5,
    );
    assert_close(
        &format!("conv grad_input (accumulated) {what}"),
        &g.read(&dxv).expect("dx"),
        &dx_acc,
        1e-5,
    );
    assert_close(
        &format!("conv grad_input {what}"),
        &g.read(&dx_fresh).expect("dx"),
        &dx,
        1e-5,
    );
    assert_close(
        &format!("conv grad_weight {what}"),
        &g.read(&dwv).expect("dw"),
        &dw,
        1e-5,
    );
}

#[test]
fn group_norm_both_families_forward_and_gradients_match_the_cpu_twin() {
    let Some((g, k)) = setup() else { return };
    // Groups of two channels, and one group of all six (hw not a multiple of 64: a partial
    // row of the register family's element passes).
    for groups in [3, 1] {
        for family in [Family::Workgroup, Family::Registers] {
            for accumulate in [false, true] {
                let sh = GnShape {
                    batch: 3,
                    channels: 6,
                    hw: 50,
                    groups,
                };
                check_group_norm(&g, &k, family, sh, accumulate);
            }
        }
    }
}

fn check_group_norm(g: &Gpu, k: &Kernels, family: Family, sh: GnShape, accumulate: bool) {
    let what = format!("{family:?}, {} groups, accumulate {accumulate}", sh.groups);
    let n = sh.batch * sh.channels * sh.hw;
    let x: Vec<f32> = vals(n, 12).iter().map(|v| 3.0 * v + 0.5).collect();
    let (gamma, beta, shift, dy) = (vals(6, 13), vals(6, 14), vals(18, 15), vals(n, 16));
    let dx0 = if accumulate {
        vals(n, 17)
    } else {
        vec![0.0; n]
    };
    let views = (
        g.upload("x", &x),
        g.upload("gamma", &gamma),
        g.upload("beta", &beta),
        g.upload("shift", &shift),
    );
    let (yv, stats) = (g.zeros("y", n), g.zeros("stats", sh.stats_len()));
    let (dyv, dxv, dgp, dbp) = (
        g.upload("dy", &dy),
        g.upload("dx", &dx0),
        g.zeros("dgp", 18),
        g.zeros("dbp", 18),
    );
    let (dgamma, dbeta) = (g.zeros("dgamma", 6), g.zeros("dbeta", 6));
    let rows = Layout {
        outer: 3,
        channels: 6,
        inner: 1,
    };
    let (x_, ga, be, sf) = (&views.0, &views.1, &views.2, &views.3);
    let mut d = group_norm::gn_forward_on(g, k, family, sh, [x_, ga, be, sf, &yv, &stats]);
    d.extend(group_norm::gn_backward_on(
        g,
        k,
        family,
        sh,
        [x_, ga, &stats, &dyv, &dxv, &dgp, &dbp],
        accumulate,
    ));
    d.push(bias_act::channel_sum(g, k, rows, &dgp, &dgamma));
    d.push(bias_act::channel_sum(g, k, rows, &dbp, &dbeta));
    submit(g, &d.iter().collect::<Vec<_>>());
    let (y, st) = group_norm::gn_forward_cpu(sh, &x, &gamma, &beta, &shift);
    let (dx, dga, dbe, dsh) = group_norm::gn_backward_cpu(sh, &x, &gamma, &dy);
    let dx: Vec<f32> = dx.iter().zip(&dx0).map(|(a, b)| a + b).collect();
    let got_stats = g.read(&stats).expect("stats");
    assert_close(
        &format!("gn forward {what}"),
        &g.read(&yv).expect("y"),
        &y,
        1e-5,
    );
    assert_close(
        &format!("gn stats {what}"),
        &got_stats[..st.len()],
        &st,
        1e-5,
    );
    assert_close(
        &format!("gn dx {what}"),
        &g.read(&dxv).expect("dx"),
        &dx,
        1e-4,
    );
    let dgamma = g.read(&dgamma).expect("dgamma");
    assert_close(&format!("gn dgamma {what}"), &dgamma, &dga, 1e-4);
    let dbeta = g.read(&dbeta).expect("dbeta");
    assert_close(&format!("gn dbeta {what}"), &dbeta, &dbe, 1e-5);
    assert_close(
        &format!("gn dshift {what}"),
        &g.read(&dbp).expect("dshift"),
        &dsh,
        1e-5,
    );
}

#[test]
fn pooling_and_upsampling_both_ways_match_the_cpu_twin() {
    let Some((g, k)) = setup() else { return };
    let pl = Planes {
        planes: 5,
        h: 3,
        w: 4,
    };
    let low = vals(5 * 12, 17);
    let high = vals(5 * 48, 18);
    for op in [
        Resample::PoolForward,
        Resample::PoolBackward,
        Resample::UpForward,
        Resample::UpBackward,
    ] {
        let src = match op {
            Resample::PoolForward | Resample::UpBackward => &high,
            _ => &low,
        };
        let want = resample::resample_cpu(pl, op, src);
        let prior = vals(want.len(), 19);
        let (sv, dv) = (g.upload("src", src), g.upload("dst", &prior));
        submit(&g, &[&resample::resample(&g, &k, pl, op, &sv, &dv, true)]);
        let acc: Vec<f32> = want.iter().zip(&prior).map(|(a, b)| a + b).collect();
        assert_close(&format!("{op:?}"), &g.read(&dv).expect("dst"), &acc, 1e-6);
    }
}

#[test]
fn elementwise_embedding_and_adam_match_their_cpu_twins() {
    let Some((g, k)) = setup() else { return };
    let a = vals(300, 20);
    let b = vals(300, 21);
    let sigma: Vec<f32> = vals(3, 22).iter().map(|v| 0.5 + v.abs()).collect();
    let (av, bv, sv) = (g.upload("a", &a), g.upload("b", &b), g.upload("s", &sigma));
    let (sum, div, mix) = (
        g.zeros("sum", 300),
        g.zeros("div", 300),
        g.zeros("mix", 300),
    );
    submit(
        &g,
        &[
            &elementwise::add(&g, &k, &av, &bv, &sum, false),
            &elementwise::div_rows(&g, &k, &av, &sv, 100, &div, false),
            &elementwise::lerp(&g, &k, &av, &bv, 2.5, &mix),
        ],
    );
    // A prior with every kind of pixel: varying means, variances from 0 (a constant pixel) up.
    let prior = PixelPrior {
        mean: vals(100, 23),
        variance: (0..100).map(|j| (j % 7) as f32 * 0.05).collect(),
    };
    let packed = prior.packed();
    let pv = g.upload("prior", &packed);
    let (pre, sk, skb) = (
        g.zeros("pre", 300),
        g.zeros("skip", 300),
        g.upload("skip back", &b),
    );
    submit(
        &g,
        &[
            &elementwise::precondition(&g, &k, &av, &sv, 100, 0.25, &pre, false),
            &elementwise::skip(&g, &k, &av, Some((&bv, &pv)), &sv, 100, 0.25, &sk, false),
            &elementwise::skip(&g, &k, &av, None, &sv, 100, 0.25, &skb, true),
        ],
    );
    let want_pre = elementwise::precondition_cpu(&a, &sigma, 100, 0.25);
    assert_close("precondition", &g.read(&pre).expect("pre"), &want_pre, 1e-6);
    let want_skip = elementwise::skip_forward_cpu(&a, &b, &sigma, 100, 0.25, &packed);
    assert_close(
        "skip_forward",
        &g.read(&sk).expect("skip"),
        &want_skip,
        1e-6,
    );
    // The backward is c1 dy: the forward's F term alone (x = mu, so x - mu = 0).
    let at_mean: Vec<f32> = (0..300).map(|i| prior.mean[i % 100]).collect();
    let back: Vec<f32> = elementwise::skip_forward_cpu(&a, &at_mean, &sigma, 100, 0.25, &packed)
        .iter()
        .zip(&b)
        .map(|(x, y)| x + y)
        .collect();
    assert_close(
        "skip_backward (accumulated)",
        &g.read(&skb).expect("skb"),
        &back,
        1e-6,
    );
    let want_mix = elementwise::lerp_cpu(&a, &b, 2.5);
    assert_close("lerp", &g.read(&mix).expect("mix"), &want_mix, 1e-6);
    let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
    assert_close("add", &g.read(&sum).expect("sum"), &want, 1e-6);
    assert_close(
        "div_rows",
        &g.read(&div).expect("div"),
        &elementwise::div_rows_cpu(&a, &sigma, 100),
        1e-6,
    );

    let sig = [0.01f32, 0.3, 7.0, 50.0];
    let lab = [embed::NULL_CLASS, 0, 9, 4];
    let (sgv, lv, ev) = (
        g.upload("sigma", &sig),
        g.upload("label", &lab),
        g.zeros("e", 4 * 42),
    );
    submit(&g, &[&embed::embed(&g, &k, 4, 16, 10, &sgv, &lv, &ev)]);
    let e = embed::embed_cpu(&sig, &lab, 16, 10);
    assert_close("embed", &g.read(&ev).expect("e"), &e, 1e-5);
    assert_eq!(
        e[32..42].iter().sum::<f32>(),
        0.0,
        "the null class is all zeros"
    );

    let n = 1000;
    let (mut th, gr, mut m, mut v) = (vals(n, 23), vals(n, 24), vals(n, 25), vals(n, 26));
    let mut ema = vals(n, 27);
    v.iter_mut().for_each(|x| *x = x.abs());
    let store = ParamStore {
        layout: ParamLayout::default(),
        theta: g.upload("th", &th),
        grad: g.upload("g", &gr),
        m: g.upload("m", &m),
        v: g.upload("v", &v),
        ema: g.upload("ema", &ema),
        prior: g.zeros("prior", 2),
    };
    let p = adam::AdamParams::at_step(n, 1e-2, 3);
    submit(&g, &[&adam::adam(&g, &k, &p, &store)]);
    adam::adam_cpu(
        &p,
        adam::AdamState {
            theta: &mut th,
            grad: &gr,
            m: &mut m,
            v: &mut v,
            ema: &mut ema,
        },
    );
    assert_close("adam theta", &g.read(&store.theta).expect("th"), &th, 1e-5);
    assert_close("adam m", &g.read(&store.m).expect("m"), &m, 1e-6);
    assert_close("adam v", &g.read(&store.v).expect("v"), &v, 1e-6);
    assert_close("adam ema", &g.read(&store.ema).expect("ema"), &ema, 1e-5);
}

#[test]
fn dsm_draw_and_loss_match_the_cpu_twin_and_the_noise_is_standard() {
    let Some((g, k)) = setup() else { return };
    let (n_images, pixels, batch) = (37usize, 50usize, 200usize);
    let data: Vec<u8> = (0..n_images * pixels)
        .map(|i| (i * 37 % 256) as u8)
        .collect();
    let labels: Vec<u32> = (0..n_images as u32).map(|i| i % 10).collect();
    let sigmas = [5.0f32, 1.0, 0.2, 0.01];
    let p = dsm::DsmParams {
        batch: batch as u32,
        pixels: pixels as u32,
        n_images: n_images as u32,
        levels: 4,
        seed: 99,
        step: 12,
        conditional: 1,
        p_uncond: 0.25,
        sigma_data2: 0.0,
        pad: [0; 3],
    };
    let dv = g.upload("data", &dsm::pack_bytes(&data));
    let (lv, sv) = (g.upload("labels", &labels), g.upload("sigmas", &sigmas));
    let (xt, z, sb, lb, lev) = (
        g.zeros("xt", batch * pixels),
        g.zeros("z", batch * pixels),
        g.zeros("sigma_b", batch),
        g.zeros("label_b", batch),
        g.zeros("level_b", batch),
    );
    let s_model = vals(batch * pixels, 27);
    let (smv, lossv, dsv) = (
        g.upload("s", &s_model),
        g.zeros("loss", batch),
        g.zeros("ds", batch * pixels),
    );
    // The balanced weighting (sigma_d^2 = 0.25) into a second pair of buffers.
    let (loss_w, ds_w) = (g.zeros("loss w", batch), g.zeros("ds w", batch * pixels));
    let targets = dsm::DrawTargets {
        xt: &xt,
        z: &z,
        sigma: &sb,
        label: &lb,
        level: &lev,
    };
    submit(
        &g,
        &[
            &dsm::draw(&g, &k, &p, &dv, &lv, &sv, targets),
            &dsm::loss(&g, &k, batch, pixels, 0.0, &smv, &z, &sb, &lossv, &dsv),
            &dsm::loss(&g, &k, batch, pixels, 0.25, &smv, &z, &sb, &loss_w, &ds_w),
        ],
    );
    let want = dsm::draw_cpu(&p, &data, &labels, &sigmas);
    assert_close("draw z", &g.read(&z).expect("z"), &want.z, 2e-4);
    assert_close("draw xt", &g.read(&xt).expect("xt"), &want.xt, 2e-4);
    assert_eq!(g.read::<f32>(&sb).expect("sigma"), want.sigma);
    assert_eq!(g.read::<u32>(&lb).expect("label"), want.label);
    assert_eq!(g.read::<u32>(&lev).expect("level"), want.level);
    let dropped = want
        .label
        .iter()
        .filter(|&&y| y == embed::NULL_CLASS)
        .count();
    assert!(
        (25..=75).contains(&dropped),
        "{dropped} of 200 labels dropped at p = 0.25"
    );
    let (loss, ds) = dsm::loss_cpu(&s_model, &want.z, &want.sigma, pixels, 0.0);
    assert_close("loss", &g.read(&lossv).expect("loss"), &loss, 1e-4);
    assert_close("loss gradient", &g.read(&dsv).expect("ds"), &ds, 1e-4);
    let (loss_b, ds_b) = dsm::loss_cpu(&s_model, &want.z, &want.sigma, pixels, 0.25);
    assert_eq!(loss_b, loss, "the reported loss is unweighted");
    assert_close(
        "weighted loss",
        &g.read(&loss_w).expect("loss"),
        &loss_b,
        1e-4,
    );
    assert_close(
        "weighted gradient",
        &g.read(&ds_w).expect("ds"),
        &ds_b,
        1e-4,
    );
    // At sigma 5 the balanced gradient is 1 + 25 / 0.25 = 101 times NCSN's.
    let at5 = (0..batch)
        .find(|&b| want.sigma[b] == 5.0)
        .expect("a sample at sigma 5");
    let i = at5 * pixels;
    assert!(
        (ds_b[i] - 101.0 * ds[i]).abs() <= 1e-4 * ds_b[i].abs(),
        "{} vs {}",
        ds_b[i],
        ds[i]
    );
    let zs = &want.z;
    let mean = zs.iter().sum::<f32>() / zs.len() as f32;
    let var = zs.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / zs.len() as f32;
    assert!(
        mean.abs() < 0.03 && (var - 1.0).abs() < 0.04,
        "mean {mean}, variance {var}"
    );
}

#[test]
fn langevin_start_step_and_denoise_match_the_cpu_twin() {
    let Some((g, k)) = setup() else { return };
    let (batch, pixels) = (3usize, 40usize);
    let n = batch * pixels;
    let mean = vals(pixels, 28);
    let s = vals(n, 29);
    let mut p = langevin::LangevinParams {
        n: n as u32,
        pixels: pixels as u32,
        seed: 5,
        step: 0,
        alpha: 0.3,
        sigma: 2.0,
        batch: batch as u32,
        _pad: 0,
    };
    let (xv, mv, sv, sb) = (
        g.zeros("x", n),
        g.upload("mean", &mean),
        g.upload("s", &s),
        g.zeros("sb", batch),
    );
    submit(
        &g,
        &[
            &langevin::start(&g, &k, &p, &xv, &mv),
            &langevin::fill_sigma(&g, &k, &p, &sb),
        ],
    );
    let mut x = langevin::start_cpu(&p, &mean);
    assert_close("start", &g.read(&xv).expect("x"), &x, 1e-5);
    assert_eq!(g.read::<f32>(&sb).expect("sb"), vec![2.0; batch]);
    p.step = 1;
    submit(
        &g,
        &[
            &langevin::step(&g, &k, &p, &xv, &sv),
            &langevin::denoise(&g, &k, &p, &xv, &sv),
        ],
    );
    langevin::step_cpu(&p, &mut x, &s);
    langevin::denoise_cpu(&p, &mut x, &s);
    assert_close("step + denoise", &g.read(&xv).expect("x"), &x, 1e-5);
}

// ---- CPU twins against finite differences (no GPU) ----

fn fd<F: Fn(&[f32]) -> f64>(f: F, x: &[f32], i: usize) -> f64 {
    let h = 1e-2f32;
    let mut a = x.to_vec();
    a[i] += h;
    let up = f(&a);
    a[i] -= 2.0 * h;
    (up - f(&a)) / (2.0 * h as f64)
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum()
}

#[test]
fn conv_twin_gradients_match_finite_differences() {
    let sh = ConvShape {
        batch: 2,
        cin: 2,
        cout: 3,
        h: 4,
        w: 5,
    };
    let x = vals(2 * 2 * 20, 30);
    let w = vals(3 * 2 * 9, 31);
    let dy = vals(2 * 3 * 20, 32);
    let (dx, dw) = conv3x3::conv_backward_cpu(sh, &x, &w, &dy);
    for i in [0, 7, 19, 21, 39, 79] {
        let f = fd(|xx| dot(&conv3x3::conv_forward_cpu(sh, xx, &w), &dy), &x, i);
        assert!(
            (f - dx[i] as f64).abs() < 1e-3,
            "dx[{i}]: fd {f}, twin {}",
            dx[i]
        );
    }
    for i in [0, 4, 8, 13, 53] {
        let f = fd(|ww| dot(&conv3x3::conv_forward_cpu(sh, &x, ww), &dy), &w, i);
        assert!(
            (f - dw[i] as f64).abs() < 1e-3,
            "dw[{i}]: fd {f}, twin {}",
            dw[i]
        );
    }
}

#[test]
fn group_norm_twin_gradients_match_finite_differences() {
    let sh = GnShape {
        batch: 2,
        channels: 4,
        hw: 6,
        groups: 2,
    };
    let x: Vec<f32> = vals(48, 33).iter().map(|v| 2.0 * v).collect();
    let (gamma, beta, shift, dy) = (vals(4, 34), vals(4, 35), vals(8, 36), vals(48, 37));
    let loss = |x: &[f32], gamma: &[f32], beta: &[f32], shift: &[f32]| {
        dot(
            &group_norm::gn_forward_cpu(sh, x, gamma, beta, shift).0,
            &dy,
        )
    };
    let (dx, dga, dbe, dsh) = group_norm::gn_backward_cpu(sh, &x, &gamma, &dy);
    for i in [0, 5, 12, 30, 47] {
        let f = fd(|xx| loss(xx, &gamma, &beta, &shift), &x, i);
        assert!(
            (f - dx[i] as f64).abs() < 2e-3,
            "dx[{i}]: fd {f}, twin {}",
            dx[i]
        );
    }
    for c in 0..4 {
        let f = fd(|gg| loss(&x, gg, &beta, &shift), &gamma, c);
        assert!(
            (f - dga[c] as f64).abs() < 2e-3,
            "dgamma[{c}]: fd {f}, twin {}",
            dga[c]
        );
        let f = fd(|bb| loss(&x, &gamma, bb, &shift), &beta, c);
        assert!(
            (f - dbe[c] as f64).abs() < 2e-3,
            "dbeta[{c}]: fd {f}, twin {}",
            dbe[c]
        );
    }
    let f = fd(|ss| loss(&x, &gamma, &beta, ss), &shift, 5);
    assert!(
        (f - dsh[5] as f64).abs() < 2e-3,
        "dshift: fd {f}, twin {}",
        dsh[5]
    );
}

#[test]
fn silu_and_resampling_twins_are_the_derivatives_and_adjoints() {
    for v in [-3.0f32, -0.5, 0.0, 0.7, 4.0] {
        let f = (bias_act::silu(v + 1e-3) as f64 - bias_act::silu(v - 1e-3) as f64) / 2e-3;
        assert!(
            (f - bias_act::silu_grad(v) as f64).abs() < 1e-3,
            "silu'({v})"
        );
    }
    // <pool(x), y> = <x, pool_backward(y)> and likewise for up-sampling.
    let pl = Planes {
        planes: 2,
        h: 3,
        w: 2,
    };
    let (hi, lo) = (vals(48, 38), vals(12, 39));
    let pooled = resample::resample_cpu(pl, Resample::PoolForward, &hi);
    let back = resample::resample_cpu(pl, Resample::PoolBackward, &lo);
    assert!((dot(&pooled, &lo) - dot(&hi, &back)).abs() < 1e-5);
    let up = resample::resample_cpu(pl, Resample::UpForward, &lo);
    let upb = resample::resample_cpu(pl, Resample::UpBackward, &hi);
    assert!((dot(&up, &hi) - dot(&lo, &upb)).abs() < 1e-5);
}
