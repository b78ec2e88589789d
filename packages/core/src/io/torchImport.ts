// Maps a PyTorch state dict (already decoded, e.g. from safetensors) onto an architecture's
// expected parameters: every name, shape and dtype checked at once, then transposed to tfjs layout.
import * as tf from '@tensorflow/tfjs';
import { RobustError, assert, describeValue } from '../errors';
import { nullProtoFromEntries } from './safetensorsHeader';

/**
 * How a PyTorch tensor maps onto tfjs:
 * - `'oihw'`: a conv weight `[out,in,kh,kw]` becomes HWIO `[kh,kw,in,out]` (`tf.conv2d`'s filter);
 * - `'linear'`: an `nn.Linear` weight `[out,in]` becomes `[in,out]` (`tf.matMul(x, w)`);
 * - `'plain'`: kept as is (biases, norm scales and running statistics, embeddings).
 */
export type TorchLayout = 'oihw' | 'linear' | 'plain';

/** One tensor an architecture expects in a PyTorch state dict. */
export interface TorchParam {
  /** The state-dict key as PyTorch writes it, e.g. `'block1.layer.0.conv1.weight'`. */
  readonly name: string;
  /** The shape in PyTorch's layout, e.g. `[16,3,3,3]` for a 3×3 conv from 3 to 16 channels. */
  readonly shape: readonly number[];
  /** How to transpose it for tfjs, see {@link TorchLayout}. */
  readonly layout: TorchLayout;
}

/** Options of {@link importTorchTensors}. */
export interface TorchImportOptions {
  /** The checkpoint file, named in every error message. */
  readonly file: string;
  /** The architecture the checkpoint should be, e.g. `'wrn-28-10'`, named in every message. */
  readonly architecture: string;
  /** A prefix every checkpoint key has before the torch name, e.g. `'module.'`; default `''`. */
  readonly prefix?: string;
  /** Keys (as in the file, prefix included) to skip, e.g. `num_batches_tracked`; default none. */
  readonly ignore?: (name: string) => boolean;
}

/** At most this many names are listed per kind of problem. */
const MAX_LISTED = 12;
const PERMUTATION: Readonly<Record<TorchLayout, readonly number[] | null>> = {
  oihw: [2, 3, 1, 0], // [O,I,H,W] -> [H,W,I,O]
  linear: [1, 0], // [out,in] -> [in,out]
  plain: null,
};
const RANK: Readonly<Record<TorchLayout, number | null>> = { oihw: 4, linear: 2, plain: null };

/**
 * Checks a PyTorch state dict against the tensors an architecture expects and returns them in
 * tfjs layout, keyed by torch name. Every missing, unexpected, mis-shaped or non-float tensor is
 * found before anything is created and reported together (up to 12 of each kind) in one error
 * naming the file and the architecture. The input tensors are not disposed; the caller owns,
 * and must dispose, the returned ones.
 *
 * @param tensors - the checkpoint's tensors by key (e.g. from `readTorchCheckpoint`); float
 *   dtypes only for expected keys (F16/BF16/F64 files decode to float32).
 * @param expected - every tensor the architecture needs, `{name, shape, layout}` in torch terms.
 * @param options - `file`, `architecture` (for messages), `prefix` (default `''`), `ignore`
 *   (default none), see {@link TorchImportOptions}.
 * @returns a map (without a prototype) from torch name to a new tensor: conv weights HWIO,
 *   linear weights `[in,out]`, the rest as stored.
 * @throws {@link RobustError} `NOT_FOUND` when an expected tensor is missing; else
 *   `SHAPE_MISMATCH` when a shape or dtype differs; else `INVALID_ARGUMENT` when the checkpoint
 *   holds tensors the architecture does not have (a checkpoint of another architecture); each
 *   message lists every problem found. `INVALID_ARGUMENT` also for a malformed `expected`
 *   (repeated name, a layout that does not fit the rank) or options.
 * @example
 * ```ts
 * const raw = await readTorchCheckpoint('fc.safetensors');
 * const w = importTorchTensors(raw, [
 *   { name: 'fc.weight', shape: [10, 64], layout: 'linear' },
 *   { name: 'fc.bias', shape: [10], layout: 'plain' },
 * ], { file: 'fc.safetensors', architecture: 'linear-64-10' });
 * tf.dispose(raw);
 * const logits = tf.add(tf.matMul(features, w['fc.weight']!), w['fc.bias']!); // [N,10]
 * ```
 */
export function importTorchTensors(
  tensors: tf.NamedTensorMap,
  expected: readonly TorchParam[],
  options: TorchImportOptions,
): tf.NamedTensorMap {
  const fn = 'importTorchTensors';
  checkArguments(tensors, expected, options, fn);
  const { file, architecture, prefix = '', ignore = () => false } = options;
  const missing: string[] = [];
  const misShaped: string[] = [];
  const notFloat: string[] = [];
  const wanted = new Set<string>();
  for (const p of expected) {
    const key = prefix + p.name;
    wanted.add(key);
    const t = Object.prototype.hasOwnProperty.call(tensors, key) ? tensors[key] : undefined;
    if (t === undefined) {
      missing.push(`'${key}' ${describeValue(p.shape)}`);
    } else if (!sameShape(t.shape, p.shape)) {
      const hint = layoutHint(t.shape, p);
      misShaped.push(`'${key}' is ${describeValue(t.shape)}, ` +
        `expected ${describeValue(p.shape)}${hint}`);
    } else if (t.dtype !== 'float32') {
      notFloat.push(`'${key}' is ${t.dtype}, expected float32`);
    }
  }
  const unexpected = Object.keys(tensors).filter((k) => !wanted.has(k) && !ignore(k));
  const problems = missing.length + misShaped.length + notFloat.length + unexpected.length;
  if (problems > 0) {
    const wrong = misShaped.length + notFloat.length > 0;
    const code = missing.length > 0 ? 'NOT_FOUND' : wrong ? 'SHAPE_MISMATCH' : 'INVALID_ARGUMENT';
    const parts = [
      listed(`${missing.length} missing`, missing),
      listed(`${misShaped.length} with another shape`, misShaped),
      listed(`${notFloat.length} not float`, notFloat),
      listed(`${unexpected.length} unexpected`,
        unexpected.map((k) => `'${k}' ${describeValue(tensors[k]?.shape)}`)),
    ].filter((s) => s !== '');
    throw new RobustError(code,
      `'${fn}' cannot load '${file}' as ${architecture} (${expected.length} tensors expected, ` +
        `${Object.keys(tensors).length} in the file): ${parts.join('; ')}. ` +
        fix(missing.length, unexpected, expected, architecture));
  }
  return tf.tidy(() => nullProtoFromEntries(expected.map((p): [string, tf.Tensor] => {
    const t = tensors[prefix + p.name] as tf.Tensor;
    const perm = PERMUTATION[p.layout];
    return [p.name, perm === null ? tf.clone(t) : tf.transpose(t, [...perm])];
  })));
}

function checkArguments(tensors: unknown, expected: unknown, options: unknown, fn: string): void {
  const map = typeof tensors === 'object' && tensors !== null && !Array.isArray(tensors) &&
    Object.values(tensors).every((t) => t instanceof tf.Tensor && !t.isDisposed);
  assert(map, 'INVALID_ARGUMENT', () =>
    `Argument 'tensors' passed to '${fn}' must map names to live tf tensors ` +
      `(e.g. from readTorchCheckpoint), got ${describeValue(tensors)}.`);
  const o = options as Partial<TorchImportOptions> | null;
  const okOptions = typeof o === 'object' && o !== null && typeof o.file === 'string' &&
    typeof o.architecture === 'string' &&
    (o.prefix === undefined || typeof o.prefix === 'string') &&
    (o.ignore === undefined || typeof o.ignore === 'function');
  assert(okOptions, 'INVALID_ARGUMENT', () =>
    `Argument 'options' passed to '${fn}' must be {file: string, architecture: string, ` +
      `prefix?: string, ignore?: (name) => boolean}, got ${describeValue(options)}.`);
  assert(Array.isArray(expected), 'INVALID_ARGUMENT', () =>
    `Argument 'expected' passed to '${fn}' must be an array of {name, shape, layout}, ` +
      `got ${describeValue(expected)}.`);
  const seen = new Set<string>();
  for (const [i, p] of (expected as unknown[]).entries()) {
    const q = p as Partial<TorchParam> | null;
    const ok = typeof q === 'object' && q !== null && typeof q.name === 'string' &&
      Array.isArray(q.shape) && q.shape.every((d) => Number.isSafeInteger(d) && d >= 0) &&
      typeof q.layout === 'string' && Object.prototype.hasOwnProperty.call(RANK, q.layout);
    assert(ok, 'INVALID_ARGUMENT', () =>
      `Argument 'expected' passed to '${fn}' must hold ` +
        "{name, shape, layout: 'oihw'|'linear'|'plain'}, " +
        `got ${describeValue(p)} at index ${i}.`);
    const { name, shape, layout } = q as TorchParam;
    const rank = RANK[layout];
    assert(rank === null || shape.length === rank, 'INVALID_ARGUMENT', () =>
      `Argument 'expected' passed to '${fn}' gives '${name}' layout '${layout}' (rank ${rank}) ` +
        `but shape ${describeValue(shape)}; use 'plain' or fix the shape.`);
    assert(!seen.has(name), 'INVALID_ARGUMENT', () =>
      `Argument 'expected' passed to '${fn}' names '${name}' twice; list each tensor once.`);
    seen.add(name);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Says so when a tensor looks already converted to tfjs layout. */
function layoutHint(got: readonly number[], p: TorchParam): string {
  const perm = PERMUTATION[p.layout];
  if (perm === null || !sameShape(got, perm.map((i) => p.shape[i] as number))) return '';
  return ' (already in tfjs layout? the file must keep PyTorch\'s layout)';
}

function listed(title: string, items: readonly string[]): string {
  if (items.length === 0) return '';
  const more = items.length > MAX_LISTED ? `, … and ${items.length - MAX_LISTED} more` : '';
  return `${title}: ${items.slice(0, MAX_LISTED).join(', ')}${more}`;
}

/** The fix: a prefix when the unexpected keys are the expected ones with one, else the config. */
function fix(
  missing: number,
  unexpected: readonly string[],
  expected: readonly TorchParam[],
  architecture: string,
): string {
  const first = expected[0]?.name;
  const candidate = first === undefined ? undefined
    : unexpected.find((k) => k.endsWith(first) && k !== first);
  if (missing > 0 && candidate !== undefined) {
    const guess = candidate.slice(0, candidate.length - (first as string).length);
    const keys = new Set(unexpected);
    const hits = expected.filter((p) => keys.has(guess + p.name)).length;
    if (hits * 2 >= expected.length) return `The keys look prefixed: pass prefix: '${guess}'.`;
  }
  return `Check that the checkpoint is a ${architecture} with this config, ` +
    'or pick the architecture it was trained as.';
}
