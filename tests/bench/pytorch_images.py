#!/usr/bin/env python3
"""PyTorch eager twin of `scorefield bench images`: the same two networks (MLP and U-Net with
the same layers, embedding, input scaling and denoiser skip), the same NCSN multi-level DSM loss
with lambda = sigma^2, Adam, the same batch, on the same embedded MNIST subset; prints one JSON
object per configuration with the median of timed windows after a warm-up.

    python3 tests/bench/pytorch_images.py [--device cuda] [--batch 128] [--windows 5]

Needs torch. Run it next to `scorefield bench images` on the same machine.
"""
import argparse
import gzip
import json
import math
import statistics
import struct
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

FREQS = 16
SIGMA_DATA = 0.5


def load_mnist5k(root):
    d = root / "assets" / "mnist5k"
    raw = gzip.open(d / "mnist5k-images-idx3-ubyte.gz").read()
    n, rows, cols = struct.unpack(">III", raw[4:16])
    x = torch.frombuffer(bytearray(raw[16:]), dtype=torch.uint8).reshape(n, rows * cols)
    keep = torch.tensor([i % 10 != 9 for i in range(n)])  # the held-out split of src/images
    return x[keep].float() / 255.0


def sigmas_for(x, levels=10, sigma_min=0.01):
    n = min(1000, x.shape[0])
    rows = x[torch.arange(n) * x.shape[0] // n]
    sigma_max = torch.cdist(rows.double(), rows.double()).max().item()
    r = sigma_min / sigma_max
    return torch.tensor([sigma_max * r ** (i / (levels - 1)) for i in range(levels)])


def embed(sigma, label, classes):
    ls = sigma.log()[:, None]
    w = 0.3 * torch.arange(1, FREQS + 1, device=sigma.device, dtype=sigma.dtype)[None, :]
    parts = [torch.sin(w * ls), torch.cos(w * ls)]
    if classes:
        parts.append(F.one_hot(label.clamp(min=0), classes).to(sigma.dtype) * (label >= 0)[:, None])
    return torch.cat(parts, 1)


def skip(f, x, sigma):
    d = sigma[:, None] ** 2 + SIGMA_DATA ** 2
    return (SIGMA_DATA / d.sqrt()) * f - (sigma[:, None] / d) * x


class Mlp(nn.Module):
    def __init__(self, d, hidden, edim):
        super().__init__()
        self.inp, self.inp_e = nn.Linear(d, hidden), nn.Linear(edim, hidden, bias=False)
        self.hid, self.hid_e = nn.Linear(hidden, hidden), nn.Linear(edim, hidden, bias=False)
        self.out = nn.Linear(hidden, d)

    def forward(self, x, sigma, e):
        xin = x / (sigma[:, None] ** 2 + SIGMA_DATA ** 2).sqrt()
        h = F.silu(self.inp(xin) + self.inp_e(e))
        h = F.silu(self.hid(h) + self.hid_e(e))
        return skip(self.out(h), x, sigma) / sigma[:, None]


def groups(c):
    return next((g for g in (8, 4, 2) if c % g == 0 and c // g >= 2), 1)


class Block(nn.Module):
    def __init__(self, cin, cout, edim):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.gn = nn.GroupNorm(groups(cout), cout)
        self.proj = nn.Linear(edim, cout, bias=False)

    def forward(self, x, e):
        return F.silu(self.gn(self.conv(x)) + self.proj(e)[:, :, None, None])


class Unet(nn.Module):
    def __init__(self, ch, edim):
        super().__init__()
        self.d0, self.d1 = Block(1, ch, edim), Block(ch, ch, edim)
        self.m0, self.m1 = Block(ch, 2 * ch, edim), Block(2 * ch, 2 * ch, edim)
        self.u0, self.u1 = Block(2 * ch, ch, edim), Block(ch, ch, edim)
        self.out = nn.Conv2d(ch, 1, 3, padding=1)

    def forward(self, x, sigma, e):
        b = x.shape[0]
        xin = (x / (sigma[:, None] ** 2 + SIGMA_DATA ** 2).sqrt()).view(b, 1, 28, 28)
        h1 = self.d1(self.d0(xin, e), e)
        m = self.m1(self.m0(F.avg_pool2d(h1, 2), e), e)
        u = self.u0(F.interpolate(m, scale_factor=2, mode="nearest"), e) + h1
        f = self.out(self.u1(u, e)).view(b, -1)
        return skip(f, x, sigma) / sigma[:, None]


def windows(n, window_s, f):
    t0 = time.perf_counter()
    f()
    warm = time.perf_counter() - t0
    rates = []
    for _ in range(n):
        t, units = time.perf_counter(), 0.0
        while True:
            units += f()
            if time.perf_counter() - t >= window_s:
                break
        rates.append(units / (time.perf_counter() - t))
    return rates, warm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--windows", type=int, default=5)
    ap.add_argument("--window-s", type=float, default=1.0)
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--sample-n", type=int, default=64)
    ap.add_argument("--sample-steps-per-level", type=int, default=10)
    ap.add_argument("--archs", default="mlp,unet")
    a = ap.parse_args()
    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    root = Path(__file__).resolve().parents[2]
    data = load_mnist5k(root).to(dev)
    sig = sigmas_for(data.cpu()).float().to(dev)
    mean = data.mean(0)
    for arch in a.archs.split(","):
        edim = 2 * FREQS
        net = (Mlp(784, a.hidden, edim) if arch == "mlp" else Unet(a.channels, edim)).to(dev)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)

        def step(chunk):
            for _ in range(chunk):
                idx = torch.randint(0, data.shape[0], (a.batch,), device=dev)
                lvl = torch.randint(0, len(sig), (a.batch,), device=dev)
                s, z = sig[lvl], torch.randn(a.batch, 784, device=dev)
                x = data[idx] + s[:, None] * z
                score = net(x, s, embed(s, lvl, 0))
                loss = 0.5 * ((s[:, None] * score + z) ** 2).sum(1).mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            loss.item()
            sync()
            return chunk * a.batch

        t0 = time.perf_counter()
        step(1)
        chunk = max(1, min(200, int(0.2 / (time.perf_counter() - t0))))
        rates, warm = windows(a.windows, a.window_s, lambda: step(chunk))
        print(json.dumps({
            "bench": "images_train", "impl": "pytorch-eager", "device": str(dev),
            "gpu": torch.cuda.get_device_name() if dev.type == "cuda" else "cpu",
            "arch": arch, "batch": a.batch, "steps_per_call": chunk, "warmup_s": warm,
            "parameters": sum(p.numel() for p in net.parameters()),
            "images_per_s_median": statistics.median(rates),
            "images_per_s_min": min(rates), "images_per_s_max": max(rates),
        }))

        @torch.no_grad()
        def sample():
            n = a.sample_n
            x = mean + sig[0] * torch.randn(n, 784, device=dev)
            for s in sig:
                alpha = 0.2 * s * s
                sv = s.expand(n)
                e = embed(sv, torch.zeros(n, dtype=torch.long, device=dev), 0)
                for _ in range(a.sample_steps_per_level):
                    x = x + 0.5 * alpha * net(x, sv, e) + alpha.sqrt() * torch.randn_like(x)
            sync()
            return len(sig) * a.sample_steps_per_level

        rates, warm = windows(a.windows, a.window_s, sample)
        print(json.dumps({
            "bench": "images_sample", "impl": "pytorch-eager", "device": str(dev), "arch": arch,
            "images": a.sample_n, "steps_per_level": a.sample_steps_per_level, "warmup_s": warm,
            "langevin_steps_per_s_median": statistics.median(rates),
            "langevin_steps_per_s_min": min(rates), "langevin_steps_per_s_max": max(rates),
        }))


if __name__ == "__main__":
    main()
