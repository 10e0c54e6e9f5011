#!/usr/bin/env python3
"""PyTorch twin of `scorefield field --model`: loads a score model saved as safetensors
(`scorefield train --out MODEL.safetensors`, or the app's "Export model (safetensors)"), evaluates
its learned score on the same grid, and compares it with the CSV that `scorefield field --model`
wrote. Prints one JSON object with the largest absolute and relative differences.

    scorefield field --model m.safetensors --sigma 0.5 --grid 64 --out field.csv
    python3 tests/bench/pytorch_field.py --model m.safetensors --sigma 0.5 --grid 64 \
        --compare field.csv

The file layout (see src/nn/safetensors_format.rs): tensors `layers.{l}.weight` [out, in] and
`layers.{l}.bias` [out], float32; `__metadata__` holds `noise` and `config` as JSON. The network
(src/nn/mlp.rs): input [x, y, embed(sigma), one-hot(class, with a last "null" class)], hidden
layers f(W h + b), a linear output F; the score is F / sigma ("divide-by-sigma") or F ("raw").
Needs torch and safetensors.
"""
import argparse
import csv
import json
import math

import torch
from safetensors import safe_open

SIGMA_FLOOR = 1e-4  # src/sample/learned.rs


def load(path):
    with safe_open(path, framework="pt") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    if meta.get("format") != "scorefield-score-model":
        raise SystemExit(f"{path}: not a scorefield score model")
    config = json.loads(meta["config"])
    noise = json.loads(meta["noise"])
    n_layers = len(config["hidden"]) + 1
    layers = [(tensors[f"layers.{l}.weight"], tensors[f"layers.{l}.bias"]) for l in range(n_layers)]
    return config, noise, layers


def embed(config, sigma):
    """src/nn/embedding.rs, in float64 as there."""
    e = config["embedding"]
    ls = torch.log(sigma)
    if e["kind"] == "none":
        return sigma.new_zeros(sigma.shape[0], 0)
    if e["kind"] == "logsigma":
        return ls[:, None]
    feats = [ls]
    for k in range(e["n"]):
        w = 0.5 * (1 << k)
        feats += [torch.sin(w * ls), torch.cos(w * ls)]
    return torch.stack(feats, dim=1)


ACTIVATIONS = {
    "silu": torch.nn.functional.silu,
    "softplus": torch.nn.functional.softplus,
    "tanh": torch.tanh,
    "elu": torch.nn.functional.elu,
}


def net_scores(config, layers, x, sigma, cls):
    """The network's score for points x (float64 [N, 2]) at input level sigma (float64 [N])."""
    inputs = [x, embed(config, sigma)]
    if config["n_classes"] > 0:
        onehot = x.new_zeros(x.shape[0], config["n_classes"] + 1)
        onehot[:, config["n_classes"] if cls is None else cls] = 1.0
        inputs.append(onehot)
    h = torch.cat(inputs, dim=1).float()
    act = ACTIVATIONS[config["activation"]]
    for l, (w, b) in enumerate(layers):
        h = h @ w.T + b
        if l < len(layers) - 1:
            h = act(h)
    if config["output"] == "divide-by-sigma":
        h = h * (1.0 / sigma).float()[:, None]
    return h.double()


def class_score(config, noise, layers, x, sigma, cls):
    """src/sample/learned.rs at a VE level sigma."""
    n = x.shape[0]
    if noise["kind"] == "fixed":
        s = torch.full((n,), max(noise["sigma"], SIGMA_FLOOR), dtype=torch.float64)
        return net_scores(config, layers, x, s, cls)
    if noise["kind"] == "ve":
        s = torch.full((n,), max(sigma, SIGMA_FLOOR), dtype=torch.float64)
        return net_scores(config, layers, x, s, cls)
    sigma = max(sigma, SIGMA_FLOOR)  # a DDPM noise-prediction model read at a VE level
    abar = 1.0 / (1.0 + sigma * sigma)
    r = math.sqrt(abar)
    s = torch.full((n,), sigma, dtype=torch.float64)
    eps = net_scores(config, layers, x * r, s, cls)
    return eps * (-r / math.sqrt(1.0 - abar))


def grid(n, lo, hi):
    if n == 1:
        return torch.tensor([0.5 * (lo + hi)], dtype=torch.float64)
    return torch.tensor([lo + (hi - lo) * i / (n - 1) for i in range(n)], dtype=torch.float64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--sigma", type=float, required=True)
    ap.add_argument("--grid", type=int, default=64)
    ap.add_argument("--xlim", default="-10,10")
    ap.add_argument("--ylim", default="-10,10")
    ap.add_argument("--class", dest="cls", type=int)
    ap.add_argument("--cfg-scale", type=float, default=1.0)
    ap.add_argument("--compare", required=True, help="the CSV of scorefield field --model")
    a = ap.parse_args()
    config, noise, layers = load(a.model)
    xs = grid(a.grid, *map(float, a.xlim.split(",")))
    ys = grid(a.grid, *map(float, a.ylim.split(",")))
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")  # x varies fastest
    pts = torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)
    with torch.no_grad():
        s = class_score(config, noise, layers, pts, a.sigma, a.cls)
        if a.cls is not None and config["n_classes"] > 0 and a.cfg_scale != 1.0:
            u = class_score(config, noise, layers, pts, a.sigma, None)
            s = u + (s - u) * a.cfg_scale
    with open(a.compare) as f:
        rows = list(csv.DictReader(f))
    ours = torch.tensor([[float(r["score_x"]), float(r["score_y"])] for r in rows], dtype=torch.float64)
    where = torch.tensor([[float(r["x"]), float(r["y"])] for r in rows], dtype=torch.float64)
    if ours.shape != s.shape or (where - pts).abs().max() > 1e-9:
        raise SystemExit("the CSV's grid differs from --grid/--xlim/--ylim")
    diff = (ours - s).norm(dim=1)
    rel = diff / s.norm(dim=1).clamp_min(1e-12)
    print(json.dumps({
        "points": int(s.shape[0]),
        "max_abs_diff": diff.max().item(),
        "max_rel_diff": rel.max().item(),
        "median_rel_diff": rel.median().item(),
        "max_score_norm": s.norm(dim=1).max().item(),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
