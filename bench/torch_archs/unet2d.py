#!/usr/bin/env python3
"""PyTorch reference of diffusers' UNet2DModel, written for robustjs (diffusers is not needed).

Mirrors, module by module and with the same state-dict names, huggingface/diffusers:
  src/diffusers/models/unets/unet_2d.py          UNet2DModel (__init__, forward)
  src/diffusers/models/unets/unet_2d_blocks.py   DownBlock2D, AttnDownBlock2D, UpBlock2D,
                                                 AttnUpBlock2D, UNetMidBlock2D
  src/diffusers/models/resnet.py                 ResnetBlock2D (time_embedding_norm="default")
  src/diffusers/models/attention_processor.py    Attention + AttnProcessor (group norm, residual)
  src/diffusers/models/downsampling.py           Downsample2D (padding 0 -> F.pad (0,1,0,1))
  src/diffusers/models/upsampling.py             Upsample2D (nearest x2 + conv)
  src/diffusers/models/embeddings.py             get_timestep_embedding, TimestepEmbedding
Only the options google/ddpm-cifar10-32 needs (plus a few cheap ones) are implemented.

Used offline only, to write the fixtures of packages/diffusion (never a runtime or test dependency):

  /usr/bin/python3 bench/torch_archs/unet2d.py fixtures packages/diffusion/test/fixtures/unet2d
  /usr/bin/python3 bench/torch_archs/unet2d.py params CONFIG.json OUT.json   # names and shapes

(or `npm run fixtures:unet2d -w @robustjs/diffusion`). Needs PyTorch (Debian's python3-torch 1.13)
and numpy.
"""

import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

DEFAULTS = dict(
    sample_size=None, in_channels=3, out_channels=3, center_input_sample=False,
    time_embedding_type="positional", time_embedding_dim=None, freq_shift=0, flip_sin_to_cos=True,
    down_block_types=["DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"],
    mid_block_type="UNetMidBlock2D",
    up_block_types=["AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
    block_out_channels=[224, 448, 672, 896], layers_per_block=2, mid_block_scale_factor=1,
    downsample_padding=1, downsample_type="conv", upsample_type="conv", dropout=0.0, act_fn="silu",
    attention_head_dim=8, norm_num_groups=32, attn_norm_num_groups=None, norm_eps=1e-5,
    resnet_time_scale_shift="default", add_attention=True, class_embed_type=None,
    num_class_embeds=None, num_train_timesteps=None,
)


def timestep_embedding(t, dim, flip_sin_to_cos, shift, max_period=10000):
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(0, half, dtype=torch.float32)
    exponent = exponent / (half - shift)
    emb = t[:, None].float() * torch.exp(exponent)[None, :]
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1, 0, 0))
    return emb


class TimestepEmbedding(nn.Module):
    def __init__(self, cin, temb):
        super().__init__()
        self.linear_1 = nn.Linear(cin, temb)
        self.linear_2 = nn.Linear(temb, temb)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


class ResnetBlock2D(nn.Module):
    def __init__(self, cin, cout, temb, groups, eps, output_scale_factor=1.0):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None
        self.output_scale_factor = output_scale_factor

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        skip = x if self.conv_shortcut is None else self.conv_shortcut(x)
        return (skip + h) / self.output_scale_factor


class Attention(nn.Module):
    def __init__(self, c, heads, groups, eps, rescale_output_factor=1.0):
        super().__init__()
        self.heads = heads
        self.group_norm = nn.GroupNorm(groups, c, eps=eps)
        self.to_q = nn.Linear(c, c)
        self.to_k = nn.Linear(c, c)
        self.to_v = nn.Linear(c, c)
        self.to_out = nn.ModuleList([nn.Linear(c, c), nn.Dropout(0.0)])
        self.rescale_output_factor = rescale_output_factor

    def forward(self, x):
        n, c, h, w = x.shape
        d = c // self.heads
        tokens = self.group_norm(x.view(n, c, h * w)).transpose(1, 2)  # [N,HW,C]

        def split(t):
            return t.view(n, -1, self.heads, d).transpose(1, 2)  # [N,heads,HW,d]

        q, k, v = split(self.to_q(tokens)), split(self.to_k(tokens)), split(self.to_v(tokens))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(n, h * w, c)
        y = self.to_out[0](y).transpose(1, 2).reshape(n, c, h, w)
        return (y + x) / self.rescale_output_factor


class Downsample2D(nn.Module):
    def __init__(self, c, padding):
        super().__init__()
        self.padding = padding
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=padding)

    def forward(self, x):
        if self.padding == 0:
            x = F.pad(x, (0, 1, 0, 1))
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownBlock(nn.Module):
    """DownBlock2D (attn=False) and AttnDownBlock2D (attn=True); attentions registered first."""

    def __init__(self, cin, cout, layers, attn, heads, temb, groups, eps, downsample, padding):
        super().__init__()
        if attn:
            self.attentions = nn.ModuleList(
                [Attention(cout, heads, groups, eps) for _ in range(layers)])
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(cin if j == 0 else cout, cout, temb, groups, eps)
             for j in range(layers)])
        if downsample:
            self.downsamplers = nn.ModuleList([Downsample2D(cout, padding)])
        self.attn, self.down = attn, downsample

    def forward(self, h, temb):
        out = ()
        for j, r in enumerate(self.resnets):
            h = r(h, temb)
            if self.attn:
                h = self.attentions[j](h)
            out += (h,)
        if self.down:
            h = self.downsamplers[0](h)
            out += (h,)
        return h, out


class UpBlock(nn.Module):
    """UpBlock2D (attn=False) and AttnUpBlock2D (attn=True)."""

    def __init__(self, cin, prev, cout, layers, attn, heads, temb, groups, eps, upsample):
        super().__init__()
        if attn:
            self.attentions = nn.ModuleList(
                [Attention(cout, heads, groups, eps) for _ in range(layers)])
        self.resnets = nn.ModuleList([
            ResnetBlock2D((prev if j == 0 else cout) + (cin if j == layers - 1 else cout), cout,
                          temb, groups, eps)
            for j in range(layers)])
        if upsample:
            self.upsamplers = nn.ModuleList([Upsample2D(cout)])
        self.attn, self.up = attn, upsample

    def forward(self, h, skips, temb):
        for j, r in enumerate(self.resnets):
            h = r(torch.cat([h, skips[-1]], dim=1), temb)
            skips = skips[:-1]
            if self.attn:
                h = self.attentions[j](h)
        if self.up:
            h = self.upsamplers[0](h)
        return h


class UNetMidBlock2D(nn.Module):
    def __init__(self, c, temb, groups, attn_groups, eps, heads, scale, add_attention):
        super().__init__()
        attn = [Attention(c, heads, attn_groups, eps, scale)] if add_attention else []
        self.attentions = nn.ModuleList(attn)
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(c, c, temb, groups, eps, scale) for _ in range(2)])

    def forward(self, h, temb):
        h = self.resnets[0](h, temb)
        if len(self.attentions) > 0:
            h = self.attentions[0](h)
        return self.resnets[1](h, temb)


class UNet2DModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        c = dict(DEFAULTS)
        c.update({k: v for k, v in config.items() if not k.startswith("_")})
        unknown = set(c) - set(DEFAULTS)
        assert not unknown, f"unknown config keys {unknown}"
        assert c["time_embedding_type"] == "positional"
        assert c["resnet_time_scale_shift"] == "default"
        assert c["class_embed_type"] is None and c["num_class_embeds"] is None
        self.c = c
        b = c["block_out_channels"]
        temb = c["time_embedding_dim"] or b[0] * 4
        groups, eps, hd = c["norm_num_groups"], c["norm_eps"], c["attention_head_dim"]
        heads = lambda ch: ch // (hd if hd is not None else ch)  # noqa: E731
        self.conv_in = nn.Conv2d(c["in_channels"], b[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(b[0], temb)
        self.down_blocks = nn.ModuleList()
        out = b[0]
        for i, kind in enumerate(c["down_block_types"]):
            cin, out = out, b[i]
            self.down_blocks.append(DownBlock(
                cin, out, c["layers_per_block"], kind == "AttnDownBlock2D", heads(out), temb,
                groups, eps, i < len(b) - 1, c["downsample_padding"]))
        self.mid_block = None if c["mid_block_type"] is None else UNetMidBlock2D(
            b[-1], temb, groups, c["attn_norm_num_groups"] or groups, eps, heads(b[-1]),
            c["mid_block_scale_factor"], c["add_attention"])
        self.up_blocks = nn.ModuleList()
        rev = list(reversed(b))
        out = rev[0]
        for i, kind in enumerate(c["up_block_types"]):
            prev, out, cin = out, rev[i], rev[min(i + 1, len(b) - 1)]
            self.up_blocks.append(UpBlock(
                cin, prev, out, c["layers_per_block"] + 1, kind == "AttnUpBlock2D", heads(out),
                temb, groups, eps, i < len(b) - 1))
        self.conv_norm_out = nn.GroupNorm(groups, b[0], eps=eps)
        self.conv_out = nn.Conv2d(b[0], c["out_channels"], 3, padding=1)

    def forward(self, x, t):
        c = self.c
        if c["center_input_sample"]:
            x = 2 * x - 1.0
        t = t * torch.ones(x.shape[0], dtype=t.dtype)
        b0 = c["block_out_channels"][0]
        proj = timestep_embedding(t, b0, c["flip_sin_to_cos"], c["freq_shift"])
        emb = self.time_embedding(proj)
        h = self.conv_in(x)
        skips = (h,)
        for block in self.down_blocks:
            h, res = block(h, emb)
            skips += res
        if self.mid_block is not None:
            h = self.mid_block(h, emb)
        for block in self.up_blocks:
            n = len(block.resnets)
            h = block(h, skips[-n:], emb)
            skips = skips[:-n]
        return self.conv_out(F.silu(self.conv_norm_out(h)))


LEGACY = {"to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"}


def state_names(model, legacy):
    """The state dict, with diffusers' legacy attention names (query, key, ...) if asked."""
    out = {}
    for name, t in model.state_dict().items():
        if legacy and ".attentions." in name:
            for new, old in LEGACY.items():
                name = name.replace(f".{new}.", f".{old}.")
        out[name] = t
    return out


def write_safetensors(path, tensors, metadata=None):
    """safetensors: u64 header length, JSON header (8-byte aligned), raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        dtype = {np.dtype("float32"): "F32", np.dtype("int32"): "I32"}[arr.dtype]
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


SMALL = {
    # google/ddpm-cifar10-32's settings (padding 0, [sin, cos], shift 1, eps 1e-6, one head)
    "ddpm-like": dict(config={
        "_class_name": "UNet2DModel", "act_fn": "silu", "attention_head_dim": None,
        "block_out_channels": [8, 16], "down_block_types": ["DownBlock2D", "AttnDownBlock2D"],
        "downsample_padding": 0, "flip_sin_to_cos": False, "freq_shift": 1, "in_channels": 3,
        "layers_per_block": 1, "mid_block_scale_factor": 1, "norm_eps": 1e-06, "norm_num_groups": 4,
        "out_channels": 3, "sample_size": 8, "time_embedding_type": "positional",
        "up_block_types": ["AttnUpBlock2D", "UpBlock2D"]}, legacy=True, seed=1, t=[0, 999]),
    # diffusers' current defaults and names (padding 1, [cos, sin], heads of 8), a mid-block scale
    "multihead": dict(config={
        "_class_name": "UNet2DModel", "_diffusers_version": "0.30.0", "attention_head_dim": 8,
        "attn_norm_num_groups": 2, "block_out_channels": [8, 16], "center_input_sample": True,
        "down_block_types": ["AttnDownBlock2D", "DownBlock2D"], "downsample_padding": 1,
        "layers_per_block": 1, "mid_block_scale_factor": 2.0, "norm_num_groups": 4,
        "sample_size": 8,
        "time_embedding_dim": 24, "up_block_types": ["UpBlock2D", "AttnUpBlock2D"]},
        legacy=False, seed=2, t=[10, 500]),
}


def randomize(model, seed):
    """PyTorch's init for convs and linears; random biases and norm scales/shifts."""
    torch.manual_seed(seed)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.reset_parameters()
            nn.init.uniform_(m.bias, -0.2, 0.2)
        elif isinstance(m, nn.GroupNorm):
            nn.init.uniform_(m.weight, 0.7, 1.3)
            nn.init.uniform_(m.bias, -0.2, 0.2)


def write_fixture(out_dir, name, spec):
    model = UNet2DModel(spec["config"]).eval()
    randomize(model, spec["seed"])
    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(spec["config"], f, indent=2)
        f.write("\n")
    state = {k: v.numpy() for k, v in state_names(model, spec["legacy"]).items()}
    weights = os.path.join(folder, "diffusion_pytorch_model.safetensors")
    write_safetensors(weights, state, {"format": "pt"})
    g = torch.Generator().manual_seed(spec["seed"] + 100)
    s, cin = spec["config"]["sample_size"], spec["config"].get("in_channels", 3)
    x = torch.rand(2, cin, s, s, generator=g) * 2 - 1
    t = torch.tensor(spec["t"], dtype=torch.int64)
    with torch.no_grad():
        y = model(x, t)
    write_safetensors(os.path.join(folder, "reference.safetensors"), {
        "x": x.permute(0, 2, 3, 1).numpy(), "t": t.numpy().astype(np.int32),
        "eps": y.permute(0, 2, 3, 1).numpy(),
    }, {"command": "python3 bench/torch_archs/unet2d.py fixtures", "torch": torch.__version__})
    count = sum(p.numel() for p in model.parameters())
    print(f"{name}: {count} parameters, eps mean {y.mean():.6f} std {y.std():.6f}")


def list_params(config_path, out_path, legacy=True):
    with open(config_path) as f:
        config = json.load(f)
    model = UNet2DModel(config)
    params = [{"name": k, "shape": list(v.shape)} for k, v in state_names(model, legacy).items()]
    total = sum(int(np.prod(p["shape"])) for p in params)
    with open(out_path, "w") as f:
        command = f"python3 bench/torch_archs/unet2d.py params {config_path} {out_path}"
        naming = "legacy" if legacy else "current"
        json.dump({"config": os.path.basename(config_path), "naming": naming, "command": command,
                   "parameters": total, "tensors": params}, f, indent=1)
        f.write("\n")
    print(f"{len(params)} tensors, {total} parameters")


if __name__ == "__main__":
    torch.set_num_threads(1)
    if len(sys.argv) == 3 and sys.argv[1] == "fixtures":
        for key, value in SMALL.items():
            write_fixture(sys.argv[2], key, value)
    elif len(sys.argv) == 4 and sys.argv[1] == "params":
        list_params(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
