/**
 * Inference time of every defense of a protocol, in one process: the seed's inference-time table (seconds per image
 * of each purifier with and without SSNI-L / SSNI-N, issue 22), on the protocol's own defenses and models.
 *
 *   npm run bench:inference -w @robustjs/cli -- [--protocol FILE] [--images 16] [--n 3] [--quick] [--only <label>]
 *
 * Default protocol: packages/ssni/results/ssni-table-512.protocol.json. Each defense is built as `robustjs eval`
 * builds it (SSNI calibration included, not timed), then `classify` runs on the first `--images` evaluation images
 * (`--quick`: 4 images, n = 1): one warm-up, then n rounds that each run every defense once (interleaved, so machine
 * load hits all alike), logits read back inside the timing. stdout: one JSON line per defense
 * `{workload, backend, images, median_s_per_image, min_s_per_image, n, ratio_to_base}` (ratio to the defense it
 * modifies, e.g. DiffPure + SSNI-N / DiffPure), then `{workload: 'table', rows}`. Progress goes to stderr.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type Defense, type Images } from '@robustjs/core';
import { toTensors } from '@robustjs/datasets';
import { emit, median, parseBenchFlags } from '@robustjs/test-utils/bench';
import { createRunContext } from '../src/context';
import { parseProtocol } from '../src/protocol';
import { createDefense } from '../src/registry/defenses';

console.log = console.error;
console.info = console.error;

const flags = parseBenchFlags(process.argv.slice(2), {
  n: 3, quickN: 1,
  values: {
    protocol: { type: 'string', default: 'packages/ssni/results/ssni-table-512.protocol.json' },
    images: { type: 'int', default: 16, min: 1 },
  },
});
const root = resolve(import.meta.dirname, '../../..');
const file = resolve(root, flags.values['protocol'] as string);
const nImages = flags.quick ? 4 : (flags.values['images'] as number);
const info = await initBackend();
const native = info.tried.some((t) => t.name === 'native' && t.ok);
const backend = `${info.name}${native ? '+native' : ''}`;
process.stderr.write(`backend: ${backend}\n`);

const protocol = parseProtocol(JSON.parse(readFileSync(file, 'utf8')), file);
const context = await createRunContext(protocol, { progress: process.stderr });
const defenses: Defense[] = [];
for (const [i, spec] of protocol.defenses.entries()) {
  const d = await createDefense(spec, context, `defenses[${i}]`);
  if (flags.only === undefined || d.label.includes(flags.only)) defenses.push(d);
}
const rows = context.evalRows.slice(0, nImages);
const { x, y } = toTensors(context.dataset, rows) as { x: Images; y: tf.Tensor1D };
y.dispose();

/** Seconds for one classify of the batch, logits read back. */
async function once(d: Defense, seed: number): Promise<number> {
  const t0 = performance.now();
  const out = d.classify(x, { seed });
  await out.logits.data();
  const s = (performance.now() - t0) / 1000;
  out.logits.dispose();
  out.images?.dispose();
  return s;
}

const seconds = new Map<string, number[]>(defenses.map((d) => [d.label, []]));
for (const d of defenses) await once(d, 1); // warm-up
for (let r = 0; r < flags.n; r++) {
  for (const d of defenses) {
    seconds.get(d.label)!.push(await once(d, r + 2));
    process.stderr.write(`round ${r + 1}/${flags.n}: ${d.label}\n`);
  }
}
const perImage = (label: string): number => median(seconds.get(label)!) / nImages;
const table = defenses.map((d) => {
  const base = d.describe().modifies;
  const s = perImage(d.label);
  return {
    workload: d.label,
    backend,
    images: nImages,
    median_s_per_image: Number(s.toFixed(4)),
    min_s_per_image: Number((Math.min(...seconds.get(d.label)!) / nImages).toFixed(4)),
    n: flags.n,
    ratio_to_base: base !== null && seconds.has(base) ? Number((s / perImage(base)).toFixed(2)) : null,
  };
});
table.forEach((row) => emit(row));
emit({ workload: 'table', protocol: file.slice(root.length + 1), backend, rows: table.length, date: new Date().toISOString() });
x.dispose();
