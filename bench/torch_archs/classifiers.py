#!/usr/bin/env python3
"""PyTorch reference of the classifiers @robustjs/zoo imports, written for robustjs.

Mirrors, with the same state-dict names and the same forward pass:
  RobustBench robustbench/model_zoo/architectures/wide_resnet.py   WideResNet (BasicBlock, NetworkBlock;
                                                                    from TRADES; ReLU, no normalisation)
  pytorch/vision torchvision/models/resnet.py                       ResNet with Bottleneck (v1.5: stride on
                                                                    the 3x3 conv), resnet50
Neither RobustBench nor torchvision is needed; when torchvision is importable (Debian's python3-torchvision)
the `params` command also checks that its resnet50 has exactly the names and shapes listed here.

Used offline only, to write the fixtures of packages/zoo (never a runtime or test dependency):

  /usr/bin/python3 bench/torch_archs/classifiers.py fixtures packages/zoo/test/fixtures/torch
  /usr/bin/python3 bench/torch_archs/classifiers.py params      # full configs: names, shapes, counts

(or `npm run fixtures:torch -w @robustjs/zoo`). Needs Debian's python3-torch (1.13) and numpy.

`fixtures` writes, for a small config of each architecture, random weights as the PyTorch state dict
(`<name>.safetensors`, F16: the reference runs with the F16-rounded weights in float32) and
`<name>.reference.safetensors` (x NHWC in [0,1], the logits, and `grad`: the gradient with respect to x
of the summed cross-entropy against label 0), plus `params.json`: the state-dict names,
shapes and dtypes and the parameter counts of the full configs (WRN-28-10, WRN-34-10, WRN-70-16, ResNet-50).
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

IMAGENET = dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])


# --- RobustBench WideResNet -------------------------------------------------------------------------

class BasicBlock(nn.Module):
    """Pre-activation block; the shortcut of a channel change sees the activated input."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.equal = cin == cout
        self.convShortcut = None if self.equal else nn.Conv2d(cin, cout, 1, stride, 0, bias=False)

    def forward(self, x):
        act = F.relu(self.bn1(x))
        out = F.relu(self.bn2(self.conv1(act)))
        out = self.conv2(out)
        return (x if self.equal else self.convShortcut(act)) + out


class NetworkBlock(nn.Module):
    def __init__(self, n, cin, cout, stride):
        super().__init__()
        self.layer = nn.Sequential(*[BasicBlock(cin if i == 0 else cout, cout, stride if i == 0 else 1)
                                     for i in range(n)])

    def forward(self, x):
        return self.layer(x)


class WideResNet(nn.Module):
    def __init__(self, depth=28, width=10, num_classes=10, bias_last=True):
        super().__init__()
        assert (depth - 4) % 6 == 0
        n = (depth - 4) // 6
        ch = [16, 16 * width, 32 * width, 64 * width]
        self.conv1 = nn.Conv2d(3, ch[0], 3, 1, 1, bias=False)
        self.block1 = NetworkBlock(n, ch[0], ch[1], 1)
        self.block2 = NetworkBlock(n, ch[1], ch[2], 2)
        self.block3 = NetworkBlock(n, ch[2], ch[3], 2)
        self.bn1 = nn.BatchNorm2d(ch[3])
        self.fc = nn.Linear(ch[3], num_classes, bias=bias_last)
        self.channels = ch[3]

    def forward(self, x):
        out = self.block3(self.block2(self.block1(self.conv1(x))))
        out = F.relu(self.bn1(out))
        out = F.avg_pool2d(out, 8)  # RobustBench: the 8x8 map of a 32x32 input
        return self.fc(out.view(-1, self.channels))


# --- torchvision ResNet (Bottleneck) --------------------------------------------------------------

class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, planes, stride, downsample, width_per_group=64):
        super().__init__()
        width = int(planes * (width_per_group / 64.0))
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    def __init__(self, layers=(3, 4, 6, 3), widths=(64, 128, 256, 512), stem=64, width_per_group=64,
                 num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, stem, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = stem
        for s, (count, planes) in enumerate(zip(layers, widths)):
            stride = 1 if s == 0 else 2
            blocks = []
            for i in range(count):
                down = None
                if i == 0 and (stride != 1 or cin != planes * 4):
                    down = nn.Sequential(nn.Conv2d(cin, planes * 4, 1, stride, bias=False),
                                         nn.BatchNorm2d(planes * 4))
                blocks.append(Bottleneck(cin, planes, stride if i == 0 else 1, down, width_per_group))
                cin = planes * 4
            setattr(self, f'layer{s + 1}', nn.Sequential(*blocks))
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        out = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        for s in range(1, 5):
            out = getattr(self, f'layer{s}')(out)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(out, 1), 1))


# --- configs --------------------------------------------------------------------------------------

FULL = {
    'wrn-28-10': lambda: WideResNet(28, 10),
    'wrn-34-10': lambda: WideResNet(34, 10),
    'wrn-70-16': lambda: WideResNet(70, 16),
    'resnet-50': lambda: ResNet(),
}
# name -> (model, input [N,H,W,C], normalisation inside the robustjs wrapper, the robustjs config)
SMALL = {
    'wrn-10-1': (lambda: WideResNet(10, 1), (3, 32, 32, 3), None, dict(depth=10, width=1)),
    'resnet-small': (lambda: ResNet((2, 1, 1, 1), (4, 8, 8, 16), 8, 64, 10), (2, 40, 40, 3), IMAGENET,
                     dict(layers=[2, 1, 1, 1], widths=[4, 8, 8, 16], stemWidth=8, numClasses=10)),
}
DTYPES = {torch.float32: 'F32', torch.float16: 'F16', torch.int64: 'I64'}


def write_safetensors(path, tensors, metadata=None):
    """The safetensors format: u64 header length, JSON header (8-byte aligned), raw little-endian data."""
    header = {'__metadata__': metadata} if metadata else {}
    chunks, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': DTYPES[t.dtype], 'shape': list(t.shape),
                        'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))


def randomize(model, seed):
    """Random weights rounded to F16, BatchNorm with random affine and running statistics."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            fan = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            m.weight.data = torch.randn(m.weight.shape, generator=g) * math.sqrt(2.0 / fan)
        elif isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = 0.5 + torch.rand(c, generator=g)
            m.bias.data = 0.2 * torch.randn(c, generator=g)
            m.running_mean.data = 0.2 * torch.randn(c, generator=g)
            m.running_var.data = 0.5 + 1.5 * torch.rand(c, generator=g)
            m.num_batches_tracked.fill_(7)
        elif isinstance(m, nn.Linear):
            m.weight.data = torch.randn(m.weight.shape, generator=g) / math.sqrt(m.in_features)
            if m.bias is not None:
                m.bias.data = 0.1 * torch.randn(m.bias.shape, generator=g)
    for t in model.state_dict().values():
        if t.is_floating_point():
            t.copy_(t.half().float())
    return model.eval()


def write_fixtures(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    for seed, (name, (make, shape, norm, config)) in enumerate(SMALL.items()):
        model = randomize(make(), seed + 1)
        state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
        meta = {'command': f'/usr/bin/python3 bench/torch_archs/classifiers.py fixtures {out_dir}',
                'config': json.dumps(config), 'normalize': json.dumps(norm)}
        write_safetensors(os.path.join(out_dir, f'{name}.safetensors'), state, meta)
        x = torch.rand(shape, generator=torch.Generator().manual_seed(100 + seed))  # NHWC in [0,1]
        x.requires_grad_(True)
        inp = x.permute(0, 3, 1, 2)
        if norm is not None:
            mean, std = (torch.tensor(norm[k])[:, None, None] for k in ('mean', 'std'))
            inp = (inp - mean) / std
        logits = model(inp)
        # the input gradient of the summed cross-entropy against label 0, as a PGD step takes it
        loss = F.cross_entropy(logits, torch.zeros(shape[0], dtype=torch.long), reduction='sum')
        (grad,) = torch.autograd.grad(loss, x)
        write_safetensors(os.path.join(out_dir, f'{name}.reference.safetensors'),
                          {'x': x.detach(), 'logits': logits.detach(), 'grad': grad}, meta)
        print(f'{name}: {sum(v.numel() for v in state.values())} numbers, logits {tuple(logits.shape)}, '
              f'|logits|max {logits.abs().max():.3f}')
    with open(os.path.join(out_dir, 'params.json'), 'w') as f:
        json.dump(full_params(), f, indent=None, separators=(',', ':'))
        f.write('\n')


def full_params():
    """State-dict names, shapes and dtypes of the full configs, and their parameter counts."""
    out = {'source': 'bench/torch_archs/classifiers.py (RobustBench wide_resnet.py and torchvision '
                     'resnet.py layouts), written by its `fixtures` command', 'architectures': {}}
    for name, make in FULL.items():
        model = make()  # WRN-70-16 takes about 1 GB while it lives
        out['architectures'][name] = {
            'parameters': sum(p.numel() for p in model.parameters()),
            'tensors': [[k, list(v.shape), DTYPES[v.dtype]] for k, v in model.state_dict().items()],
        }
    return out


def print_params():
    full = full_params()
    for name, a in full['architectures'].items():
        print(f"{name}: {a['parameters']:,} parameters, {len(a['tensors'])} tensors")
    try:
        import torchvision
    except ImportError:
        print('torchvision not installed: resnet-50 not cross-checked')
        return
    tv = torchvision.models.resnet50()
    ours = full['architectures']['resnet-50']['tensors']
    theirs = [[k, list(v.shape), DTYPES[v.dtype]] for k, v in tv.state_dict().items()]
    print(f'torchvision {torchvision.__version__} resnet50 names/shapes/order equal: {ours == theirs}, '
          f'parameters {sum(p.numel() for p in tv.parameters()):,}')


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'fixtures':
        write_fixtures(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] == 'params':
        print_params()
    else:
        sys.exit(__doc__)
