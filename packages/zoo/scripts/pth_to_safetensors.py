#!/usr/bin/env python3
"""Convert a PyTorch checkpoint (.pth/.pt/.ckpt) into a safetensors state dict for robustjs.

Usage (with your own PyTorch, e.g. Debian's python3-torch or `pip install torch`):

    python3 packages/zoo/scripts/pth_to_safetensors.py in.pth out.safetensors [--key ema]

robustjs never unpickles files (unpickling can run code); this script does, once, on your machine,
with `torch.load(..., map_location='cpu', weights_only=True)`, which refuses pickles that hold
anything but tensors and plain containers. It then:

1. picks the state dict: the sub-dict named by --key, else the first of 'ema', 'model',
   'state_dict', 'net' that holds tensors, else the top level (RobustBench's checkpoints keep
   the weights under 'state_dict' or at the top);
   Score-SDE / DiffPure checkpoints ({'model', 'ema': {'shadow_params': [...]}, ...}) keep the
   EMA weights as an unnamed list in model.parameters() order, which DiffPure copies into the
   model (ema.copy_to). The script does the same: it pairs the list with the 'model' entries that
   are parameters (every entry but BatchNorm statistics and Score-SDE's 'sigmas' buffer) and
   refuses unless the counts and every shape agree; --no-ema keeps the raw 'model' weights;
2. strips a leading 'module.' (nn.DataParallel) from every key;
3. writes every tensor as a contiguous little-endian array in its own dtype (F32, F16, BF16, F64,
   I64, I32, I16, I8, U8, BOOL) to the safetensors layout: u64 header length, JSON header
   {name: {dtype, shape, data_offsets}} padded with spaces to 8 bytes, then the data.
   Written in plain Python (struct + json): the `safetensors` package is not needed.

Non-tensor entries (step counters, optimizer states, configs) are skipped and listed on stderr.
"""
import argparse
import json
import pickle
import struct
import sys

import torch

DTYPES = {
    torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64',
    torch.int64: 'I64', torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8',
    torch.uint8: 'U8', torch.bool: 'BOOL',
}
CANDIDATE_KEYS = ('ema', 'model', 'state_dict', 'net')


def holds_tensors(d):
    return isinstance(d, dict) and any(torch.is_tensor(v) for v in d.values())


BUFFER_SUFFIXES = ('running_mean', 'running_var', 'num_batches_tracked', 'sigmas')


def with_ema_shadow(model, shadow):
    """Score-SDE's EMA: `shadow` lists model.parameters() in order; buffers are not in it."""
    names = [k for k, v in model.items() if torch.is_tensor(v) and not k.endswith(BUFFER_SUFFIXES)]
    if len(names) != len(shadow):
        sys.exit(f'pth_to_safetensors: ema.shadow_params has {len(shadow)} tensors but the model has '
                 f'{len(names)} parameters; pass --no-ema to keep the raw model weights')
    out = dict(model)
    for name, p in zip(names, shadow):
        if tuple(model[name].shape) != tuple(p.shape):
            sys.exit(f'pth_to_safetensors: ema.shadow_params does not line up with the model at {name!r} '
                     f'({tuple(p.shape)} vs {tuple(model[name].shape)}); pass --no-ema')
        out[name] = p
    return out


def pick_state_dict(obj, key, use_ema=True):
    """Step 1: the named sub-dict, else the first known one holding tensors, else the top level."""
    if key is not None:
        if not isinstance(obj, dict) or key not in obj:
            keys = list(obj.keys()) if isinstance(obj, dict) else type(obj).__name__
            sys.exit(f'pth_to_safetensors: no key {key!r} in the checkpoint; top-level keys: {keys}')
        return obj[key], key
    ema = obj.get('ema') if isinstance(obj, dict) else None
    shadow = ema.get('shadow_params') if isinstance(ema, dict) else None
    if isinstance(shadow, list) and holds_tensors(obj.get('model')):
        if not use_ema:
            return obj['model'], 'model'
        return with_ema_shadow(obj['model'], shadow), 'model+ema.shadow_params'
    if isinstance(obj, dict):
        for k in CANDIDATE_KEYS:
            if holds_tensors(obj.get(k)):
                return obj[k], k
    if not isinstance(obj, dict):
        sys.exit(f'pth_to_safetensors: the checkpoint is a {type(obj).__name__}, not a state dict; '
                 'save model.state_dict() instead of the model.')
    return obj, None


def to_bytes(t):
    """Step 3: the tensor's bytes, row-major little-endian (BF16 via its int16 bit pattern)."""
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    arr = t.numpy()
    if arr.dtype.byteorder == '>':
        arr = arr.byteswap()
    return arr.tobytes()


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} as a safetensors file, names sorted, offsets contiguous."""
    header = {}
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if t.dtype not in DTYPES:
            sys.exit(f'pth_to_safetensors: tensor {name!r} has dtype {t.dtype}, which safetensors cannot hold')
        data = to_bytes(t)
        header[name] = {'dtype': DTYPES[t.dtype], 'shape': list(t.shape),
                        'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for data in chunks:
            f.write(data)


def load(path, trust):
    """torch.load restricted to tensors and containers, unless the user trusts the file."""
    if trust:
        return torch.load(path, map_location='cpu', weights_only=False)
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as e:
        why = str(e).split('error:')[-1].strip()[:200]
        sys.exit(f'pth_to_safetensors: the weights-only loader of PyTorch {torch.__version__} refuses '
                 f'{path}: {why}\n(PyTorch < 2.0 cannot read floats such as an EMA decay this way.) '
                 'Use a newer PyTorch, or, only if you trust the file, add --trust-pickle.')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('input', help='the .pth / .pt / .ckpt file')
    parser.add_argument('output', help='the .safetensors file to write')
    parser.add_argument('--key', help="the sub-dict holding the weights (default: first of 'ema', 'model', "
                                      "'state_dict', 'net' holding tensors, else the top level)")
    parser.add_argument('--no-ema', action='store_true',
                        help="Score-SDE checkpoints: keep 'model' instead of applying ema.shadow_params")
    parser.add_argument('--trust-pickle', action='store_true',
                        help='load with weights_only=False (runs the pickle\'s code): only for files you trust, '
                             'when your PyTorch\'s weights_only loader refuses the file')
    args = parser.parse_args()
    obj = load(args.input, args.trust_pickle)
    state, picked = pick_state_dict(obj, args.key, not args.no_ema)
    tensors, skipped = {}, []
    for k, v in state.items():
        name = k[len('module.'):] if k.startswith('module.') else k  # step 2
        if torch.is_tensor(v):
            tensors[name] = v
        else:
            skipped.append(k)
    if not tensors:
        sys.exit('pth_to_safetensors: the state dict holds no tensors')
    if skipped:
        print(f'pth_to_safetensors: skipped {len(skipped)} non-tensor entries: {skipped[:10]}', file=sys.stderr)
    write_safetensors(args.output, tensors, {'source': args.input, 'key': picked or ''})
    print(f'wrote {len(tensors)} tensors from {args.input}'
          f"{f' [{picked!r}]' if picked else ''} to {args.output}")


if __name__ == '__main__':
    main()
