#!/usr/bin/env python3
"""PyTorch peer of the two workloads of packages/native/bench/bench.ts that /work/main/bench/torch_reference.py
does not have: unet_train_step (one Adam step on every UNet parameter, mean squared error to a fixed target,
batch 64) and mmd_n1024 (unbiased MMD^2, Gaussian kernel, linear 128->128 featurizer, n = 1024 per sample,
plus its gradient wrt the featurizer weights). The models and the timing come from torch_reference.py.

Run it as torch_reference.py is run (see its docstring and /work/shared/PERF-NOTES.md):

    export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=268435456
    /usr/bin/python3 packages/native/bench/torch_extra.py [--n 5] [--threads 2] [--quick]
"""

import argparse
import json
import math
import os
import statistics
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "bench"))
import torch_reference as ref  # noqa: E402


def setup_unet_train_step(batch, gen):
    model = ref.make_model(ref.Unet)
    x, t = ref.unet_data(batch, gen)
    target = torch.randn(batch, 1, 28, 28, generator=gen)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = (model(x, t) - target).square().mean()
        loss.backward()
        opt.step()
        return loss.detach()

    return step, ref.flops_per_sample(model, x, t)["train"] * batch


def mmd2_unbiased(fx, fy, sigma2):
    n = fx.shape[0]

    def kernel(a, b):
        d2 = (a.square().sum(1, keepdim=True) + b.square().sum(1, keepdim=True).T - 2 * a @ b.T).clamp_min(0)
        return torch.exp(-d2 / (2 * sigma2))

    off = n * (n - 1)
    xx = (kernel(fx, fx).sum() - n) / off
    yy = (kernel(fy, fy).sum() - n) / off
    return xx + yy - 2 * kernel(fx, fy).mean()


def setup_mmd(n, gen):
    d = 128
    x = torch.randn(n, d, generator=gen)
    y = torch.randn(n, d, generator=gen) + 0.1
    w = (torch.randn(d, d, generator=gen) * math.sqrt(2 / d)).requires_grad_(True)

    def step():
        value = mmd2_unbiased(x @ w, y @ w, 2 * d)
        (g,) = torch.autograd.grad(value, w)
        return value.detach() + g.sum()

    return step, 3 * (2 * 2 * n * d * d + 3 * 2 * n * n * d)


WORKLOADS = [("unet_train_step", 64, 4, setup_unet_train_step), ("mmd_n1024", 1024, 256, setup_mmd)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=None)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    n = a.n if a.n is not None else (2 if a.quick else 5)
    torch.set_num_threads(a.threads)
    for name, full, quick, setup in WORKLOADS:
        batch = quick if a.quick else full
        gen = torch.Generator().manual_seed(ref.SEED)
        line = {"workload": name, "backend": "torch-cpu", "median_ms": None, "min_ms": None, "n": n, "batch": batch}
        step, flops = setup(batch, gen)
        for _ in range(ref.WARMUP):
            ref.run_timed(step)
        times = [ref.run_timed(step) for _ in range(n)]
        med = statistics.median(times)
        line.update(median_ms=round(med, 1), min_ms=round(min(times), 1), gflop=round(flops / 1e9, 3),
                    gflop_per_s=round(flops / 1e9 / (med / 1000), 1))
        print(json.dumps(line, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
