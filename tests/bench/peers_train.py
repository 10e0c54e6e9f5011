#!/usr/bin/env python3
"""The Python twins of `scorefield bench train`, for a side-by-side run on one machine.

Same workloads, same JSON line format (`bench`, `impl`, `threads`, `model`, `batch`,
`<metric>_median/_min/_max`, `gflops`, `multiply_adds_per_unit`):

  dsm_train   NCSN DSM, 3-128-128-128-2 at batch 128, 512, 2048 and 3-64-64-2 at 128: the input is
              (x, log sigma), the target -z / sigma, the loss sigma^2-weighted, Adam 1e-3
  ssm_train   sliced score matching, one Rademacher projection, 3-128^3-2 at batch 512
  ism_train   implicit score matching with the exact trace (two JVPs in 2D), 3-128^3-2 at 512
  grid_infer  the network's output on a 128 x 128 grid at one sigma
  langevin_analytic_gmm8            annealed Langevin with ring8's exact score, 10,000 particles
                                    (JAX; the twin of `bench sample`), particle-steps/s
  langevin_learned_3-128-128-128-2  Langevin with the network's score, 10,000 particles (JAX)

    python3 tests/bench/peers_train.py --impl jax|torch|torch-compile [--threads 1] \
        [--only dsm_train,grid_infer] [--windows 5 --window-s 0.4]

Threads: JAX reads XLA_FLAGS / the process affinity, so run it under `taskset -c 0` for one
thread; PyTorch uses torch.set_num_threads. Multiply-adds are counted as scorefield counts them
(the products of the forward pass and of the two backward products per layer), so GFLOP/s
compare directly. Needs `pip install "jax[cpu]"` or `pip install torch`.
"""
import argparse
import json
import math
import statistics
import time

import numpy as np

LEVELS = np.geomspace(8.0, 0.01, 10).astype(np.float32)


def layers_of(hidden):
    return [3] + list(hidden) + [2]


def forward_macs(hidden, batch):
    sizes = layers_of(hidden)
    return batch * sum(a * b for a, b in zip(sizes, sizes[1:]))


def ring8(n, rng):
    k = rng.integers(0, 8, n)
    angle = 2 * np.pi * k / 8
    centre = 4.0 * np.stack([np.cos(angle), np.sin(angle)], 1)
    return (centre + math.sqrt(0.1) * rng.standard_normal((n, 2))).astype(np.float32)


def time_windows(windows, window_s, step):
    start = time.perf_counter()
    while time.perf_counter() - start < min(window_s, 0.5):
        step()
    warmup = time.perf_counter() - start
    rates = []
    for _ in range(windows):
        t = time.perf_counter()
        n = 0
        while time.perf_counter() - t < window_s:
            step()
            n += 1
        rates.append(n / (time.perf_counter() - t))
    return rates, warmup


def line(bench, impl, threads, hidden, batch, metric, rates, warmup, macs):
    median = statistics.median(rates)
    return {
        "bench": bench, "impl": impl, "threads": threads,
        "model": "-".join(map(str, layers_of(hidden))), "batch": batch,
        f"{metric}_median": median, f"{metric}_min": min(rates), f"{metric}_max": max(rates),
        "warmup_s": warmup, "multiply_adds_per_unit": macs, "gflops": 2 * macs * median / 1e9,
    }


# ---------------------------------------------------------------------------------------- JAX
def jax_suite(args, cases):
    import jax
    import jax.numpy as jnp

    def init(hidden, key):
        sizes = layers_of(hidden)
        params = []
        for a, b in zip(sizes, sizes[1:]):
            key, sub = jax.random.split(key)
            params.append((jax.random.normal(sub, (a, b)) * math.sqrt(1 / a), jnp.zeros(b)))
        return params

    def net(params, x, log_sigma):
        h = jnp.concatenate([x, log_sigma[:, None]], 1)
        for w, b in params[:-1]:
            h = jax.nn.silu(h @ w + b)
        w, b = params[-1]
        return h @ w + b

    def adam(loss):
        def step(params, m, v, t, *batch):
            g = jax.grad(loss)(params, *batch)
            t = t + 1
            m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, g)
            v = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
            lr = 1e-3 * jnp.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
            params = jax.tree_util.tree_map(
                lambda p, m, v: p - lr * m / (jnp.sqrt(v) + 1e-8), params, m, v)
            return params, m, v, t
        return jax.jit(step)

    def dsm(params, x, z, sigma):
        s = net(params, x + sigma[:, None] * z, jnp.log(sigma))
        return jnp.mean(jnp.sum((sigma[:, None] * s + z) ** 2, 1)) / 2

    def ssm(params, x, v, sigma):
        f = lambda x: net(params, x, jnp.log(sigma))
        s, jv = jax.jvp(f, (x,), (v,))
        return jnp.mean(jnp.sum(v * jv, 1) + 0.5 * jnp.sum(v * s, 1) ** 2)

    def ism(params, x, _v, sigma):
        f = lambda x: net(params, x, jnp.log(sigma))
        s = f(x)
        e0 = jnp.zeros_like(x).at[:, 0].set(1.0)
        e1 = jnp.zeros_like(x).at[:, 1].set(1.0)
        trace = jax.jvp(f, (x,), (e0,))[1][:, 0] + jax.jvp(f, (x,), (e1,))[1][:, 1]
        return jnp.mean(trace + 0.5 * jnp.sum(s * s, 1))

    losses = {"dsm_train": dsm, "ssm_train": ssm, "ism_train": ism}
    passes = {"dsm_train": 3, "ssm_train": 6, "ism_train": 9}
    rng = np.random.default_rng(0)
    out = []
    for bench, hidden, batch in cases:
        if bench not in losses:
            continue
        params = init(hidden, jax.random.PRNGKey(0))
        m = jax.tree_util.tree_map(jnp.zeros_like, params)
        v = jax.tree_util.tree_map(jnp.zeros_like, params)
        state = [params, m, v, jnp.array(0.0)]
        step = adam(losses[bench])
        x = jnp.asarray(ring8(batch, rng))
        z = jnp.asarray(rng.standard_normal((batch, 2)).astype(np.float32))
        if bench != "dsm_train":
            z = jnp.sign(z)
        sigma = jnp.asarray(rng.choice(LEVELS, batch))

        def run():
            state[:] = step(*state, x, z, sigma)
            jax.block_until_ready(state[0])

        rates, warmup = time_windows(args.windows, args.window_s, run)
        macs = passes[bench] * forward_macs(hidden, batch)
        out.append(line(bench, "jax-jit", args.threads, hidden, batch, "steps_per_s", rates,
                        warmup, macs))
    out += jax_sampling(args, jax, jnp, init, net)
    if "grid_infer" in args.only:
        params = init((128, 128, 128), jax.random.PRNGKey(0))
        g = np.linspace(-6, 6, 128, dtype=np.float32)
        grid = jnp.asarray(np.stack(np.meshgrid(g, g), -1).reshape(-1, 2))
        log_sigma = jnp.full(grid.shape[0], math.log(0.5))
        infer = jax.jit(net)
        rates, warmup = time_windows(args.windows, args.window_s,
                                     lambda: jax.block_until_ready(infer(params, grid, log_sigma)))
        out.append(line("grid_infer", "jax-jit", args.threads, (128, 128, 128), None,
                        "grids_per_s", rates, warmup, forward_macs((128, 128, 128), 128 * 128)))
    return out


def jax_sampling(args, jax, jnp, init, net):
    """Langevin steps fused per call (lax.fori_loop over `steps`), 10,000 particles."""
    n, steps, eps = 10_000, 100, 1e-3
    angle = 2 * np.pi * np.arange(8) / 8
    means = jnp.asarray(4.0 * np.stack([np.cos(angle), np.sin(angle)], 1), jnp.float32)

    def exact_score(x, sigma):
        var = 0.1 + sigma * sigma
        d = means[None, :, :] - x[:, None, :]
        logits = -0.5 * jnp.sum(d * d, -1) / var
        r = jax.nn.softmax(logits, 1)
        return jnp.sum(r[:, :, None] * d, 1) / var

    params = init((128, 128, 128), jax.random.PRNGKey(0))

    def learned_score(x, sigma):
        return net(params, x, jnp.full(x.shape[0], jnp.log(sigma)))

    out = []
    for name, score in [("langevin_analytic_gmm8", exact_score),
                        ("langevin_learned_3-128-128-128-2", learned_score)]:
        if name not in args.only:
            continue

        @jax.jit
        def run_level(x, key, sigma, score=score):
            def body(_, carry):
                x, key = carry
                key, sub = jax.random.split(key)
                z = jax.random.normal(sub, x.shape)
                alpha = eps * sigma * sigma
                return x + 0.5 * alpha * score(x, sigma) + jnp.sqrt(alpha) * z, key
            return jax.lax.fori_loop(0, steps, body, (x, key))

        state = [jnp.asarray(np.random.default_rng(0).uniform(-6, 6, (n, 2)), jnp.float32),
                 jax.random.PRNGKey(1)]
        sigmas = [float(s) for s in np.geomspace(20.0, 1.0, 10)]
        level = [0]

        def call():
            sigma = sigmas[level[0] % len(sigmas)]
            level[0] += 1
            state[:] = run_level(state[0], state[1], sigma)
            jax.block_until_ready(state[0])

        rates, warmup = time_windows(args.windows, args.window_s, call)
        median = statistics.median(rates) * n * steps
        out.append({"bench": name, "impl": "jax-jit", "threads": args.threads, "particles": n,
                    "particle_steps_per_s_median": median,
                    "particle_steps_per_s_min": min(rates) * n * steps,
                    "particle_steps_per_s_max": max(rates) * n * steps, "warmup_s": warmup})
    return out


# ------------------------------------------------------------------------------------ PyTorch
def torch_suite(args, cases, compiled):
    import torch

    torch.set_num_threads(args.threads)
    impl = "torch-compile" if compiled else "torch-eager"

    def make(hidden):
        sizes = layers_of(hidden)
        mods = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            mods.append(torch.nn.Linear(a, b))
            if i < len(sizes) - 2:
                mods.append(torch.nn.SiLU())
        return torch.nn.Sequential(*mods)

    rng = np.random.default_rng(0)
    out = []
    for bench, hidden, batch in cases:
        if bench != "dsm_train":
            continue  # SSM and ISM twins: the JAX suite (forward-mode JVPs)
        model = make(hidden)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = torch.from_numpy(ring8(batch, rng))
        z = torch.randn(batch, 2)
        sigma = torch.from_numpy(rng.choice(LEVELS, batch))

        def loss_fn():
            inp = torch.cat([x + sigma[:, None] * z, torch.log(sigma)[:, None]], 1)
            s = model(inp)
            return ((sigma[:, None] * s + z) ** 2).sum(1).mean() / 2

        loss = torch.compile(loss_fn) if compiled else loss_fn

        def run():
            opt.zero_grad(set_to_none=True)
            loss().backward()
            opt.step()

        rates, warmup = time_windows(args.windows, args.window_s, run)
        out.append(line(bench, impl, args.threads, hidden, batch, "steps_per_s", rates, warmup,
                        3 * forward_macs(hidden, batch)))
    if "grid_infer" in args.only:
        model = make((128, 128, 128))
        g = np.linspace(-6, 6, 128, dtype=np.float32)
        grid = torch.from_numpy(np.stack(np.meshgrid(g, g), -1).reshape(-1, 2))
        inp = torch.cat([grid, torch.full((grid.shape[0], 1), math.log(0.5))], 1)
        infer = torch.compile(model) if compiled else model

        def run():
            with torch.no_grad():
                infer(inp)

        rates, warmup = time_windows(args.windows, args.window_s, run)
        out.append(line("grid_infer", impl, args.threads, (128, 128, 128), None, "grids_per_s",
                        rates, warmup, forward_macs((128, 128, 128), 128 * 128)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", choices=["jax", "torch", "torch-compile"], required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--windows", type=int, default=5)
    ap.add_argument("--window-s", type=float, default=0.4)
    ap.add_argument("--only", default="dsm_train,ssm_train,ism_train,grid_infer,"
                    "langevin_analytic_gmm8,langevin_learned_3-128-128-128-2")
    args = ap.parse_args()
    args.only = args.only.split(",")
    cases = [c for c in [
        ("dsm_train", (128, 128, 128), 128), ("dsm_train", (128, 128, 128), 512),
        ("dsm_train", (128, 128, 128), 2048), ("dsm_train", (64, 64), 128),
        ("ssm_train", (128, 128, 128), 512), ("ism_train", (128, 128, 128), 512),
    ] if c[0] in args.only]
    if args.impl == "jax":
        lines = jax_suite(args, cases)
    else:
        lines = torch_suite(args, cases, args.impl == "torch-compile")
    for l in lines:
        print(json.dumps(l), flush=True)


if __name__ == "__main__":
    main()
