#!/usr/bin/env python3
"""Convert a PyTorch checkpoint (.pth/.pt/.ckpt) into a safetensors state dict for robustjs.

Usage (with your own PyTorch, e.g. Debian's python3-torch or `pip install torch`):

    python3 packages/zoo/scripts/pth_to_safetensors.py in.pth out.safetensors [--key ema]

robustjs never unpickles files (unpickling can run code); this script does, once, on your machine,
with `torch.load(..., map_location='cpu', weights_only=True)`, which refuses pickles that hold
anything but tensors and plain containers. It then:

1. picks the state dict: the sub-dict named by --key, else the first of 'ema', 'model',
   'state_dict', 'net' that holds tensors, else the top level (DiffPure's Score-SDE checkpoints
   keep the EMA weights under 'ema', RobustBench's under 'state_dict' or at the top);
2. strips a leading 'module.' (nn.DataParallel) from every key;
3. writes every tensor as a contiguous little-endian array in its own dtype (F32, F16, BF16, F64,
   I64, I32, I16, I8, U8, BOOL) to the safetensors layout: u64 header length, JSON header
   {name: {dtype, shape, data_offsets}} padded with spaces to 8 bytes, then the data.
   Written in plain Python (struct + json): the `safetensors` package is not needed.

Non-tensor entries (step counters, optimizer states, configs) are skipped and listed on stderr.
"""
import argparse
import json
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


def pick_state_dict(obj, key):
    """Step 1: the named sub-dict, else the first known one holding tensors, else the top level."""
    if key is not None:
        if not isinstance(obj, dict) or key not in obj:
            keys = list(obj.keys()) if isinstance(obj, dict) else type(obj).__name__
            sys.exit(f'pth_to_safetensors: no key {key!r} in the checkpoint; top-level keys: {keys}')
        return obj[key], key
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('input', help='the .pth / .pt / .ckpt file')
    parser.add_argument('output', help='the .safetensors file to write')
    parser.add_argument('--key', help="the sub-dict holding the weights (default: first of 'ema', 'model', "
                                      "'state_dict', 'net' holding tensors, else the top level)")
    args = parser.parse_args()
    obj = torch.load(args.input, map_location='cpu', weights_only=True)
    state, picked = pick_state_dict(obj, args.key)
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
