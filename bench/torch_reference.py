#!/usr/bin/env python3
"""PyTorch peer of packages/core/bench/bench.ts: the same five workloads, same architectures, same batches.

Prints one JSON line per workload to stdout, in the format of the tfjs bench, with backend "torch-cpu":

    {"workload": "cnn_input_grad", "backend": "torch-cpu", "median_ms": 30.1, "min_ms": 29.5, "n": 5,
     "batch": 128, "gflop": 3.81, "gflop_per_s": 126.6}

Not run in CI. To run it fairly (see /work/shared/PERF-NOTES.md):

    apt-get update && apt-get install -y python3-torch libopenblas0-openmp
    update-alternatives --set libblas.so.3-x86_64-linux-gnu \
        /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
    update-alternatives --set liblapack.so.3-x86_64-linux-gnu \
        /usr/lib/x86_64-linux-gnu/openblas-openmp/liblapack.so.3
    export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=268435456
    /usr/bin/python3 bench/torch_reference.py [--n 5] [--quick] [--only cnn] [--out torch.jsonl] [--threads 2]

Data are generated NHWC (as in tfjs) and transposed to NCHW. Convolutions use padding=1 for 3x3 kernels:
for stride 2 that pads one pixel on both sides where TF's 'same' pads (0, 1); the output shapes and FLOPs
are the same. Keep the models in sync with packages/core/bench/models.ts.
"""

import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 1234
WARMUP = 2
PGD_STEP = 2 / 255


# --------------------------------------------------------------------------------------------------------
# Models


def he_init(module: nn.Module) -> None:
    """He-normal weights (std = sqrt(2 / fan_in)), zero biases, as in models.ts."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            nn.init.zeros_(m.bias)


class Cnn(nn.Module):
    """conv 32 -> conv 64 s2 -> conv 128 s2 (3x3, relu) -> global average pool -> dense 10."""

    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, 1, 1)
        self.c2 = nn.Conv2d(32, 64, 3, 2, 1)
        self.c3 = nn.Conv2d(64, 128, 3, 2, 1)
        self.fc = nn.Linear(128, 10)
        self.c1.reads_model_input = True  # type: ignore[attr-defined]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.c1(x))
        h = F.relu(self.c2(h))
        h = F.relu(self.c3(h))
        return self.fc(h.mean(dim=(2, 3)))


TIME_DIM = 32
TEMB_DIM = 128


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.gn1 = nn.GroupNorm(8, cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.proj = nn.Linear(TEMB_DIM, cout)
        self.gn2 = nn.GroupNorm(8, cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None
        self.proj.off_input_path = True  # type: ignore[attr-defined]

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.gn1(x)))
        h = h + self.proj(temb)[:, :, None, None]
        h = self.conv2(F.silu(self.gn2(h)))
        return h + (self.skip(x) if self.skip is not None else x)


class Unet(nn.Module):
    """785,057 parameters; see makeUnet in packages/core/bench/models.ts for the diagram."""

    def __init__(self) -> None:
        super().__init__()
        self.t1 = nn.Linear(TIME_DIM, TEMB_DIM)
        self.t2 = nn.Linear(TEMB_DIM, TEMB_DIM)
        self.t1.off_input_path = True  # type: ignore[attr-defined]
        self.t2.off_input_path = True  # type: ignore[attr-defined]
        self.conv_in = nn.Conv2d(1, 32, 3, 1, 1)
        self.conv_in.reads_model_input = True  # type: ignore[attr-defined]
        self.enc0 = ResBlock(32, 32)
        self.down0 = nn.Conv2d(32, 64, 3, 2, 1)
        self.enc1 = ResBlock(64, 64)
        self.down1 = nn.Conv2d(64, 128, 3, 2, 1)
        self.mid = ResBlock(128, 128)
        self.up_conv1 = nn.Conv2d(128, 64, 3, 1, 1)
        self.dec1 = ResBlock(128, 64)
        self.up_conv0 = nn.Conv2d(64, 32, 3, 1, 1)
        self.dec0 = ResBlock(64, 32)
        self.gn_out = nn.GroupNorm(8, 32, eps=1e-5)
        self.conv_out = nn.Conv2d(32, 1, 3, 1, 1)
        half = TIME_DIM // 2
        self.register_buffer("freqs", torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        args = t[:, None] * self.freqs[None, :]
        sinus = torch.cat([torch.sin(args), torch.cos(args)], dim=1)
        temb = F.silu(self.t2(F.silu(self.t1(sinus))))
        h0 = self.conv_in(x)
        e0 = self.enc0(h0, temb)
        e1 = self.enc1(self.down0(e0), temb)
        m = self.mid(self.down1(e1), temb)
        u1 = self.dec1(torch.cat([self.up_conv1(F.interpolate(m, scale_factor=2, mode="nearest")), e1], 1), temb)
        u0 = self.dec0(torch.cat([self.up_conv0(F.interpolate(u1, scale_factor=2, mode="nearest")), e0], 1), temb)
        return self.conv_out(F.silu(self.gn_out(u0)))


def flops_per_sample(model: nn.Module, *inputs: torch.Tensor) -> dict:
    """Conv and dense FLOPs per sample, counted as in models.ts: forward, + input gradient, + training."""
    costs = []

    def hook(m, _inp, out):
        if isinstance(m, nn.Conv2d):
            macs = out[0].numel() * m.in_channels * m.kernel_size[0] * m.kernel_size[1] // m.groups
        else:
            macs = out[0].numel() * m.in_features
        costs.append((macs, not getattr(m, "off_input_path", False), getattr(m, "reads_model_input", False)))

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(*(i[:1] for i in inputs))
    for h in handles:
        h.remove()
    fwd = sum(c[0] for c in costs)
    dx = sum(c[0] for c in costs if c[1])
    dx_train = sum(c[0] for c in costs if c[1] and not c[2])
    return {"forward": 2 * fwd, "input_grad": 2 * (fwd + dx), "train": 2 * (2 * fwd + dx_train)}


# --------------------------------------------------------------------------------------------------------
# Workloads: each setup returns (step, flops per batch); step() runs once and returns a tensor.


def nhwc_to_nchw(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2).contiguous()


def cnn_data(batch: int, gen: torch.Generator):
    x = nhwc_to_nchw(torch.rand(batch, 28, 28, 1, generator=gen))
    labels = torch.randint(0, 10, (batch,), generator=gen)
    return x, labels


def unet_data(batch: int, gen: torch.Generator):
    x = nhwc_to_nchw(torch.randn(batch, 28, 28, 1, generator=gen))
    t = torch.floor(torch.rand(batch, generator=gen) * 1000)
    return x, t


def make_model(cls):
    torch.manual_seed(SEED)
    model = cls()
    he_init(model)
    return model


def setup_cnn_forward(batch, gen):
    model = make_model(Cnn).requires_grad_(False)
    x, _ = cnn_data(batch, gen)

    def step():
        with torch.no_grad():
            return model(x)

    return step, flops_per_sample(model, x)["forward"] * batch


def setup_cnn_input_grad(batch, gen):
    model = make_model(Cnn).requires_grad_(False)
    x, labels = cnn_data(batch, gen)

    def step():
        xx = x.clone().requires_grad_(True)
        loss = F.cross_entropy(model(xx), labels)
        (g,) = torch.autograd.grad(loss, xx)
        return (x + PGD_STEP * g.sign()).clamp_(0, 1)

    return step, flops_per_sample(model, x)["input_grad"] * batch


def setup_cnn_train_step(batch, gen):
    model = make_model(Cnn)
    x, labels = cnn_data(batch, gen)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()
        return loss.detach()

    return step, flops_per_sample(model, x)["train"] * batch


def setup_unet_forward(batch, gen):
    model = make_model(Unet).requires_grad_(False)
    x, t = unet_data(batch, gen)

    def step():
        with torch.no_grad():
            return model(x, t)

    return step, flops_per_sample(model, x, t)["forward"] * batch


def setup_unet_input_grad(batch, gen):
    model = make_model(Unet).requires_grad_(False)
    x, t = unet_data(batch, gen)

    def step():
        xx = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(model(xx, t).square().mean(), xx)
        return g

    return step, flops_per_sample(model, x, t)["input_grad"] * batch


WORKLOADS = [
    ("cnn_forward", 128, 16, setup_cnn_forward),
    ("cnn_input_grad", 128, 16, setup_cnn_input_grad),
    ("cnn_train_step", 128, 16, setup_cnn_train_step),
    ("unet_forward", 64, 4, setup_unet_forward),
    ("unet_input_grad", 64, 4, setup_unet_input_grad),
]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=None, help="timed runs per workload (default 5; 2 with --quick)")
    p.add_argument("--quick", action="store_true", help="smoke test: n = 2, batch 16 (CNN) and 4 (UNet)")
    p.add_argument("--only", default=None, help="only workloads whose name contains this")
    p.add_argument("--out", default=None, help="also write the JSON lines to this file")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    a = p.parse_args()
    n = a.n if a.n is not None else (2 if a.quick else 5)
    if n < 1:
        p.error("--n must be positive")
    torch.set_num_threads(a.threads)
    out = open(a.out, "w") if a.out else None
    print(
        f"torch_reference: torch {torch.__version__}, threads {torch.get_num_threads()}, n={n}, warmup={WARMUP}"
        f"{', quick' if a.quick else ''}; unet params {sum(q.numel() for q in Unet().parameters()):,}, "
        f"cnn params {sum(q.numel() for q in Cnn().parameters()):,}",
        file=sys.stderr,
    )
    selected = [w for w in WORKLOADS if a.only is None or a.only in w[0]]
    if not selected:
        p.error(f"--only {a.only} matches no workload")
    for name, full_batch, quick_batch, setup in selected:
        batch = quick_batch if a.quick else full_batch
        gen = torch.Generator().manual_seed(SEED)
        line = {"workload": name, "backend": "torch-cpu", "median_ms": None, "min_ms": None, "n": n, "batch": batch}
        try:
            step, flops = setup(batch, gen)
            line["gflop"] = round(flops / 1e9, 3)
            warm = [run_timed(step) for _ in range(WARMUP)]
            times = [run_timed(step) for _ in range(n)]
            med = statistics.median(times)
            line["median_ms"] = round(med, 1)
            line["min_ms"] = round(min(times), 1)
            line["gflop_per_s"] = round(flops / 1e9 / (med / 1000), 1)
            print(f"[{name}] warmup {', '.join(f'{t:.0f}' for t in warm)} ms; "
                  f"runs {', '.join(f'{t:.0f}' for t in times)} ms", file=sys.stderr)
        except Exception as e:  # noqa: BLE001 - report, never crash, as the tfjs bench does
            line["error"] = (str(e).splitlines() or [type(e).__name__])[0]
        s = json.dumps(line, separators=(",", ":"))
        print(s, flush=True)
        if out:
            out.write(s + "\n")
            out.flush()
    if out:
        out.close()


def run_timed(step) -> float:
    t0 = time.perf_counter()
    r = step()
    float(r.reshape(-1)[0])  # CPU ops are synchronous; touch the result anyway
    ms = (time.perf_counter() - t0) * 1000
    del r
    return ms


if __name__ == "__main__":
    main()
