#!/usr/bin/env python3
"""PyTorch reference of Score-SDE's NCSN++ / DDPM++ (VP continuous), for robustjs's tfjs port
(packages/diffusion/src/torch/ddpmpp*.ts). Bench-side only: never a runtime or test dependency.

Written for robustjs from models/ncsnpp.py, layerspp.py, layers.py, up_or_down_sampling.py of
yang-song/score_sde_pytorch, in the subset of configs/vp/cifar10_ddpmpp_deep_continuous.py
(resblock_type 'biggan', fir False, progressive 'none', progressive_input 'none', positional
embedding, conditional, scale_by_sigma False, GroupNorm(min(C // 4, 32), eps 1e-6), swish), with
the same module names, so its state dict has the checkpoint's names.

Commands (Debian's python3-torch; no other package):

  /usr/bin/python3 bench/torch_archs/ddpmpp.py fixtures packages/diffusion/test/fixtures/ddpmpp
      random-weight small config (16x16x3, nf 8, ch_mult (1,2), 1 res block, attention at 8x8):
      ddpmpp-small.safetensors (the state dict as a Score-SDE checkpoint's 'model' holds it:
      'module.' prefix and the 'sigmas' buffer) and ddpmpp-small-io.safetensors (inputs, labels,
      network outputs, and DiffPure's VP-continuous score for discrete indices), in float64.
  /usr/bin/python3 bench/torch_archs/ddpmpp.py params packages/diffusion/test/fixtures/ddpmpp
      ddpmpp-cifar10-deep-params.json: every parameter name and shape of the full config, in
      state-dict order, and the parameter count.
  /usr/bin/python3 bench/torch_archs/ddpmpp.py convert checkpoint_8.pth ddpmpp-cifar10.safetensors
      DiffPure's CIFAR-10 checkpoint (Score-SDE's checkpoint_8.pth) to safetensors with the EMA
      weights, as DiffPure loads them: ema.shadow_params are unnamed, in model.parameters() order;
      they are named by the parameters of this reference (strict check of count and shapes).
  add --upstream DIR to 'fixtures' or 'params' to also run the original models/ncsnpp.py from a
      checkout of score_sde_pytorch (same weights, or the parameter list; CUDA ops stubbed).
"""
import argparse
import json
import math
import os
import struct
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SMALL = dict(image_size=16, num_channels=3, nf=8, ch_mult=(1, 2), num_res_blocks=1,
             attn_resolutions=(8,), skip_rescale=True, conditional=True)
DEEP = dict(image_size=32, num_channels=3, nf=128, ch_mult=(1, 2, 2, 2), num_res_blocks=8,
            attn_resolutions=(16,), skip_rescale=True, conditional=True)
BETA_MIN, BETA_MAX = 0.1, 20.0


def group_norm(ch):
    return nn.GroupNorm(num_groups=min(ch // 4, 32), num_channels=ch, eps=1e-6)


def conv3x3(cin, cout):
    return nn.Conv2d(cin, cout, kernel_size=3, stride=1, padding=1)


def conv1x1(cin, cout):
    return nn.Conv2d(cin, cout, kernel_size=1, stride=1, padding=0)


class NIN(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.W = nn.Parameter(torch.randn(cin, cout) / math.sqrt(cin))
        self.b = nn.Parameter(torch.zeros(cout))

    def forward(self, x):  # x NCHW; W [in, out] contracted over channels
        return (torch.einsum('bchw,cd->bdhw', x, self.W) + self.b[None, :, None, None])


class AttnBlockpp(nn.Module):
    def __init__(self, ch, skip_rescale):
        super().__init__()
        self.GroupNorm_0 = group_norm(ch)
        self.NIN_0, self.NIN_1, self.NIN_2, self.NIN_3 = (NIN(ch, ch) for _ in range(4))
        self.skip_rescale = skip_rescale

    def forward(self, x):
        B, C, H, W = x.shape
        h = self.GroupNorm_0(x)
        q, k, v = self.NIN_0(h), self.NIN_1(h), self.NIN_2(h)
        w = torch.einsum('bchw,bcij->bhwij', q, k) * (int(C) ** (-0.5))
        w = F.softmax(w.reshape(B, H, W, H * W), dim=-1).reshape(B, H, W, H, W)
        h = self.NIN_3(torch.einsum('bhwij,bcij->bchw', w, v))
        return (x + h) / np.sqrt(2.) if self.skip_rescale else x + h


def naive_up(x):
    B, C, H, W = x.shape
    return x.reshape(B, C, H, 1, W, 1).repeat(1, 1, 1, 2, 1, 2).reshape(B, C, 2 * H, 2 * W)


def naive_down(x):
    B, C, H, W = x.shape
    return x.reshape(B, C, H // 2, 2, W // 2, 2).mean(dim=(3, 5))


class ResnetBlockBigGANpp(nn.Module):
    def __init__(self, cin, cout=None, temb_dim=None, up=False, down=False, skip_rescale=True):
        super().__init__()
        cout = cout or cin
        self.GroupNorm_0 = group_norm(cin)
        self.up, self.down = up, down
        self.Conv_0 = conv3x3(cin, cout)
        if temb_dim is not None:
            self.Dense_0 = nn.Linear(temb_dim, cout)
        self.GroupNorm_1 = group_norm(cout)
        self.Dropout_0 = nn.Dropout(0.1)
        self.Conv_1 = conv3x3(cout, cout)
        if cin != cout or up or down:
            self.Conv_2 = conv1x1(cin, cout)
        self.skip_rescale, self.cin, self.cout = skip_rescale, cin, cout

    def forward(self, x, temb=None):
        h = F.silu(self.GroupNorm_0(x))
        if self.up:
            h, x = naive_up(h), naive_up(x)
        elif self.down:
            h, x = naive_down(h), naive_down(x)
        h = self.Conv_0(h)
        if temb is not None:
            h = h + self.Dense_0(F.silu(temb))[:, :, None, None]
        h = self.Conv_1(self.Dropout_0(F.silu(self.GroupNorm_1(h))))
        if self.cin != self.cout or self.up or self.down:
            x = self.Conv_2(x)
        return (x + h) / np.sqrt(2.) if self.skip_rescale else x + h


def timestep_embedding(t, dim, max_positions=10000):
    half = dim // 2
    emb = math.log(max_positions) / (half - 1)
    emb = torch.exp(torch.arange(half, dtype=torch.float32) * -emb).to(t.dtype)
    emb = t[:, None] * emb[None, :]
    return torch.cat([torch.sin(emb), torch.cos(emb)], dim=1)


class DDPMpp(nn.Module):
    """NCSNpp of models/ncsnpp.py for the configs above; all_modules in the reference's order."""

    def __init__(self, image_size, num_channels, nf, ch_mult, num_res_blocks, attn_resolutions,
                 skip_rescale, conditional):
        super().__init__()
        sigmas = np.exp(np.linspace(np.log(50), np.log(0.01), 1000))  # utils.get_sigmas
        self.register_buffer('sigmas', torch.tensor(sigmas))
        self.nf, self.conditional, self.num_res_blocks = nf, conditional, num_res_blocks
        self.num_resolutions = len(ch_mult)
        self.attn_resolutions = attn_resolutions
        res_of = [image_size // (2 ** i) for i in range(len(ch_mult))]
        temb = 4 * nf if conditional else None
        def block(cin, cout=None, **kw):
            return ResnetBlockBigGANpp(cin, cout, temb, skip_rescale=skip_rescale, **kw)
        attn = lambda ch: AttnBlockpp(ch, skip_rescale)
        mods = []
        if conditional:
            mods += [nn.Linear(nf, 4 * nf), nn.Linear(4 * nf, 4 * nf)]
        mods.append(conv3x3(num_channels, nf))
        hs_c, in_ch = [nf], nf
        for level in range(len(ch_mult)):
            for _ in range(num_res_blocks):
                out = nf * ch_mult[level]
                mods.append(block(in_ch, out))
                in_ch = out
                if res_of[level] in attn_resolutions:
                    mods.append(attn(in_ch))
                hs_c.append(in_ch)
            if level != len(ch_mult) - 1:
                mods.append(block(in_ch, down=True))
                hs_c.append(in_ch)
        in_ch = hs_c[-1]
        mods += [block(in_ch), attn(in_ch), block(in_ch)]
        for level in reversed(range(len(ch_mult))):
            for _ in range(num_res_blocks + 1):
                out = nf * ch_mult[level]
                mods.append(block(in_ch + hs_c.pop(), out))
                in_ch = out
            if res_of[level] in attn_resolutions:
                mods.append(attn(in_ch))
            if level != 0:
                mods.append(block(in_ch, up=True))
        mods += [group_norm(in_ch), conv3x3(in_ch, num_channels)]
        self.all_modules = nn.ModuleList(mods)

    def forward(self, x, labels):
        m = self.all_modules
        i = 0
        temb = None
        if self.conditional:
            temb = m[1](F.silu(m[0](timestep_embedding(labels, self.nf))))
            i = 2
        hs = [m[i](x)]
        i += 1
        for level in range(self.num_resolutions):
            for _ in range(self.num_res_blocks):
                h = m[i](hs[-1], temb)
                i += 1
                if h.shape[-1] in self.attn_resolutions:
                    h = m[i](h)
                    i += 1
                hs.append(h)
            if level != self.num_resolutions - 1:
                hs.append(m[i](hs[-1], temb))
                i += 1
        h = m[i + 2](m[i + 1](m[i](hs[-1], temb)), temb)
        i += 3
        for level in reversed(range(self.num_resolutions)):
            for _ in range(self.num_res_blocks + 1):
                h = m[i](torch.cat([h, hs.pop()], dim=1), temb)
                i += 1
            if h.shape[-1] in self.attn_resolutions:
                h = m[i](h)
                i += 1
            if level != 0:
                h = m[i](h, temb)
                i += 1
        h = m[i + 1](F.silu(m[i](h)))
        assert i + 2 == len(m) and not hs
        return h


def vp_std(t):
    """sde_lib.VPSDE.marginal_prob's std at continuous t."""
    log_mean = -0.25 * t ** 2 * (BETA_MAX - BETA_MIN) - 0.5 * t * BETA_MIN
    return torch.sqrt(1. - torch.exp(2. * log_mean))


def write_safetensors(path, tensors, metadata=None):
    """The safetensors layout in plain Python: u64 header size, JSON header, then the data."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, t in tensors.items():
        a = t.detach().to(torch.float32).contiguous().numpy().astype('<f4')
        b = a.tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(a.shape),
                        'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def randomize(model, seed):
    """Non-zero random weights (the reference zero-inits biases and the last convs)."""
    g = torch.Generator().manual_seed(seed)
    for name, p in model.named_parameters():
        if p.dim() == 1:
            base = 1.0 if name.endswith('.weight') else 0.0  # GroupNorm scales around 1
            p.data = base + 0.1 * torch.randn(p.shape, generator=g)
        else:
            fan_in = p[0].numel() if not name.endswith('.W') else p.shape[0]
            p.data = torch.randn(p.shape, generator=g) / math.sqrt(fan_in)


def nchw_to_nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous()


def upstream_model(upstream_dir, cfg):
    """The original NCSNpp of score_sde_pytorch (CUDA-only `op` stubbed; FIR is off)."""
    sys.modules['op'] = types.SimpleNamespace(upfirdn2d=None)
    sys.path.insert(0, upstream_dir)
    from models import ncsnpp  # noqa: F401  (registers 'ncsnpp')
    from models import utils as mutils
    model = types.SimpleNamespace(
        name='ncsnpp', scale_by_sigma=False, normalization='GroupNorm', nonlinearity='swish',
        nf=cfg['nf'], ch_mult=cfg['ch_mult'], num_res_blocks=cfg['num_res_blocks'],
        attn_resolutions=cfg['attn_resolutions'], resamp_with_conv=True, conditional=True,
        fir=False,
        fir_kernel=[1, 3, 3, 1], skip_rescale=True, resblock_type='biggan', progressive='none',
        progressive_input='none', progressive_combine='sum', attention_type='ddpm', init_scale=0.,
        embedding_type='positional', fourier_scale=16, conv_size=3, dropout=0.1,
        sigma_min=0.01, sigma_max=50, num_scales=1000, beta_min=BETA_MIN, beta_max=BETA_MAX)
    data = types.SimpleNamespace(image_size=cfg['image_size'], num_channels=cfg['num_channels'],
                                 centered=True)
    config = types.SimpleNamespace(model=model, data=data,
                                   training=types.SimpleNamespace(continuous=True))
    return mutils.get_model('ncsnpp')(config)


def cmd_fixtures(out_dir, upstream):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    model = DDPMpp(**SMALL)
    randomize(model, seed=1)
    model.eval()
    state = {'module.' + k: v for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(out_dir, 'ddpmpp-small.safetensors'), state,
                      {'config': json.dumps(SMALL),
                       'made_by': 'bench/torch_archs/ddpmpp.py fixtures'})
    g = torch.Generator().manual_seed(2)
    s = SMALL['image_size']
    x = torch.randn(4, SMALL['num_channels'], s, s, generator=g).clamp(-3, 3)
    labels = torch.tensor([0.0, 99.9, 500.25, 999.0])
    n = torch.tensor([0, 99, 499, 999])  # discrete indices; DiffPure: continuous t = (n + 1) / 1000
    t = (n + 1).double() / 1000
    m64 = model.double()
    with torch.no_grad():
        out = m64(x.double(), labels.double())
        score = -m64(x.double(), t * 999) / vp_std(t)[:, None, None, None]
    io = {'x': nchw_to_nhwc(x), 'labels': labels, 'out': nchw_to_nhwc(out),
          'indices': n.float(), 'score': nchw_to_nhwc(score)}
    write_safetensors(os.path.join(out_dir, 'ddpmpp-small-io.safetensors'), io,
                      {'made_by': 'bench/torch_archs/ddpmpp.py fixtures', 'precision': 'float64'})
    print(f'small config: {sum(p.numel() for p in model.parameters())} parameters; '
          f'out |max| {out.abs().max():.4f}, std {out.std():.4f}')
    if upstream:
        # float32 both (the upstream embedding casts to float32)
        up = upstream_model(upstream, SMALL).eval()
        mine = model.float()
        res = up.load_state_dict(mine.state_dict(), strict=True)
        same_order = list(up.state_dict().keys()) == list(mine.state_dict().keys())
        with torch.no_grad():
            ref = up(x, labels)
            o32 = mine(x, labels)
        print(f'upstream models/ncsnpp.py on the same weights (float32): max |diff| '
              f'{(ref - o32).abs().max():.3e} (max |out| {o32.abs().max():.3e}); '
              f'load_state_dict strict: {res}; same state-dict order: {same_order}')


def param_list(cfg):
    model = DDPMpp(**cfg)
    names = [[k, list(p.shape)] for k, p in model.named_parameters()]
    return model, names, sum(p.numel() for p in model.parameters())


def cmd_params(out_dir, upstream):
    os.makedirs(out_dir, exist_ok=True)
    _, names, count = param_list(DEEP)
    if upstream:
        up = upstream_model(upstream, DEEP)
        up_names = [[k, list(p.shape)] for k, p in up.named_parameters()]
        print(f'upstream models/ncsnpp.py, deep config: {sum(p.numel() for p in up.parameters())} '
              f'parameters, same names, shapes and order: {up_names == names}')
    doc = {'config': 'configs/vp/cifar10_ddpmpp_deep_continuous.py', 'parameters': count,
           'buffers': {'sigmas': [1000]}, 'made_by': 'bench/torch_archs/ddpmpp.py params',
           'tensors': names}
    path = os.path.join(out_dir, 'ddpmpp-cifar10-deep-params.json')
    with open(path, 'w') as f:
        f.write('{\n' + ',\n'.join(f'  {json.dumps(k)}: {json.dumps(v)}' for k, v in doc.items()
                                  if k != 'tensors'))
        rows = ',\n'.join('    ' + json.dumps(t) for t in names)
        f.write(',\n  "tensors": [\n' + rows + '\n  ]\n}\n')
    print(f'{path}: {len(names)} tensors, {count} parameters')


def cmd_convert(src, dst):
    ckpt = torch.load(src, map_location='cpu')
    _, names, _ = param_list(DEEP)
    shadow = ckpt['ema']['shadow_params']
    if len(shadow) != len(names):
        sys.exit(f'convert: {src} holds {len(shadow)} EMA tensors, '
                 f'the DDPM++ deep config has {len(names)}')
    out = {}
    for (name, shape), t in zip(names, shadow):
        if list(t.shape) != shape:
            sys.exit(f'convert: EMA tensor {len(out)} ({name}) is {list(t.shape)}, '
                     f'expected {shape}')
        out[name] = t
    write_safetensors(dst, out, {'source': os.path.basename(src), 'weights': 'ema'})
    print(f'{dst}: {len(out)} EMA tensors (step {ckpt.get("step")})')


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('command', choices=['fixtures', 'params', 'convert'])
    ap.add_argument('paths', nargs='+')
    ap.add_argument('--upstream', help='a checkout of yang-song/score_sde_pytorch to compare with')
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.command == 'fixtures':
        cmd_fixtures(a.paths[0], a.upstream)
    elif a.command == 'params':
        cmd_params(a.paths[0], a.upstream)
    else:
        cmd_convert(a.paths[0], a.paths[1])


if __name__ == '__main__':
    main()
