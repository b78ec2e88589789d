import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { initBackend, isRobustError, type BackendInfo, type BackendName } from '@robustjs/core';
import { fetchIdx } from '@robustjs/datasets';
import {
  analyzeBatch,
  checkBatchSize,
  pgdTrace,
  ssniPerImage,
  type BatchResult,
  type PgdPoint,
} from './analyze';
import { decodeFiles, type DecodedImages } from './decode';
import { loadModels, type Models } from './models';
import { el, renderGrid, renderPgdChart, row, showError, thumbnail } from './ui';

/** How many images get SSNI's EPS norm (`?ssni=N`, default 8; 20 UNet forwards each, slow on software GPUs). */
const SSNI_IMAGES = Number(new URLSearchParams(location.search).get('ssni') ?? 8);
const fmt = (v: number, d = 4): string => v.toFixed(d);
const ms = (v: number): string => `${v.toFixed(0)} ms`;

let models: Models | undefined;
let current: DecodedImages | undefined;
let lastResults: BatchResult[] = [];

/** The images `[n,28,28,1]` from `from` of the current set, as a tensor (the caller disposes it). */
function tensorOf(d: DecodedImages, from: number, n: number): tf.Tensor4D {
  return tf.tensor4d(d.pixels.subarray(from * 784, (from + n) * 784), [n, 28, 28, 1]);
}

function timing(name: string, value: string): void {
  const tbody = el('timings').querySelector('tbody') as HTMLElement;
  const existing = [...tbody.querySelectorAll('tr')].find(
    (r) => r.firstElementChild?.textContent === name,
  );
  if (existing !== undefined) (existing.lastElementChild as HTMLElement).textContent = value;
  else row(tbody, [name, value]);
}

function report(e: unknown): void {
  const m = e instanceof Error ? e.message : String(e);
  showError(isRobustError(e) ? m : `Unexpected error: ${m}`);
}

/** Classifies every batch, scores each full batch with DAD, and SSNI's e(x), t(x) for the first images. */
async function analyze(d: DecodedImages): Promise<BatchResult[]> {
  const m = models as Models;
  const size = m.threshold.batchSize;
  current = d;
  showError(undefined);
  el('batches').querySelector('tbody')?.replaceChildren();
  el('ssni').querySelector('tbody')?.replaceChildren();
  el('pgd-chart').replaceChildren();
  el('summary').textContent = `${d.count} image${d.count === 1 ? '' : 's'}${
    d.labels ? ' with labels' : ''
  }`;
  const results: BatchResult[] = [];
  const predictions = new Int32Array(d.count);
  const full = Math.floor(d.count / size) * size;
  if (full < d.count) {
    // the images outside full batches: classified only
    const rest = tensorOf(d, full, d.count - full);
    const pred = tf.tidy(() => tf.argMax(m.classifier(rest), 1));
    predictions.set((await pred.data()) as Int32Array, full);
    tf.dispose([rest, pred]);
  }
  const tbody = el('batches').querySelector('tbody') as HTMLElement;
  try {
    checkBatchSize(d.count, size);
    for (let b = 0; (b + 1) * size <= d.count; b++) {
      const x = tensorOf(d, b * size, size);
      try {
        const r = await analyzeBatch(m, x);
        results.push(r);
        predictions.set(r.predictions, b * size);
        const acc =
          d.labels === undefined
            ? '–'
            : `${(
                (100 *
                  r.predictions.reduce(
                    (n, p, k) => n + (p === d.labels?.[b * size + k] ? 1 : 0),
                    0,
                  )) /
                size
              ).toFixed(0)} %`;
        const badge = document.createElement('span');
        badge.className = r.flagged ? 'badge flagged' : 'badge clean';
        badge.textContent = r.flagged
          ? 'ADVERSARIAL: flagged, denoise'
          : 'CLEAN: pass to classifier';
        row(tbody, [
          `${b + 1}`,
          `${size}`,
          acc,
          fmt(r.statistic),
          fmt(r.threshold),
          badge,
        ]).dataset.decision = r.flagged ? 'flagged' : 'clean';
        timing(`classify batch of ${size}`, ms(r.ms.classify));
        timing(`DAD statistic, batch of ${size}`, ms(r.ms.detect));
      } finally {
        x.dispose();
      }
    }
    lastResults = results;
    const left = d.count % size;
    if (left > 0)
      el(
        'summary',
      ).textContent += `; the last ${left} are classified but not tested (batches of ${size})`;
  } catch (e) {
    report(e);
  }
  renderGrid(d.pixels, predictions, d.labels);
  const n = Math.min(SSNI_IMAGES, d.count);
  if (n === 0) {
    row(el('ssni').querySelector('tbody') as HTMLElement, ['–', 'not computed', '(?ssni=0)']);
    return results;
  }
  const xs = tensorOf(d, 0, n);
  try {
    const s = ssniPerImage(m, xs);
    const sb = el('ssni').querySelector('tbody') as HTMLElement;
    for (let k = 0; k < n; k++) {
      row(sb, [
        thumbnail(d.pixels.subarray(k * 784, (k + 1) * 784)),
        fmt(s.norms[k] as number, 1),
        String(s.timesteps[k]),
      ]);
    }
    timing(`SSNI EPS norm (T_S = 20), per image`, ms(s.ms / n));
  } finally {
    xs.dispose();
  }
  return results;
}

/** Runs PGD on the first batch and plots DAD's statistic after each step. */
async function runPgd(steps: number, epsOver255: number): Promise<PgdPoint[]> {
  const m = models as Models;
  const d = current as DecodedImages;
  showError(undefined);
  const size = m.threshold.batchSize;
  checkBatchSize(d.count, size);
  const x = tensorOf(d, 0, size);
  const y =
    d.labels !== undefined
      ? tf.tensor1d(d.labels.subarray(0, size), 'int32')
      : tf.tidy(() => tf.argMax(m.classifier(x), 1).toInt() as tf.Tensor1D);
  const points: PgdPoint[] = [];
  const tbody = el('pgd-table').querySelector('tbody') as HTMLElement;
  tbody.replaceChildren();
  try {
    const last = await pgdTrace(
      m,
      x,
      y,
      { eps: epsOver255 / 255, stepSize: Math.max(epsOver255 / 4, 0.5) / 255, steps },
      (p) => {
        points.push(p);
        row(tbody, [
          String(p.step),
          fmt(p.statistic),
          p.statistic > m.threshold.value ? 'flagged' : 'clean',
          `${(100 * p.accuracy).toFixed(0)} %`,
          p.step === 0 ? '–' : ms(p.ms),
        ]);
        renderPgdChart(points, m.threshold.value);
      },
    );
    last.dispose();
  } finally {
    tf.dispose([x, y]);
  }
  return points;
}

async function defaultImages(): Promise<DecodedImages> {
  const ds = await fetchIdx({
    images: new URL('data/t10k-images-idx3-ubyte.gz', location.href),
    labels: new URL('data/t10k-labels-idx1-ubyte.gz', location.href),
  });
  const n = 100;
  return {
    pixels: Float32Array.from(ds.images.subarray(0, n * 784), (v) => v / 255),
    count: n,
    labels: Int32Array.from(ds.labels.subarray(0, n)),
  };
}

async function start(): Promise<BackendInfo> {
  setWasmPaths(new URL('wasm/', location.href).href);
  const forced = new URLSearchParams(location.search).get('backend') ?? undefined;
  const info = await initBackend(forced as BackendName | undefined);
  el('backend').textContent = info.name;
  el('tried').textContent = info.tried
    .map((t) => `${t.name} ${t.ok ? '✓' : `✗ (${t.reason ?? ''})`}`)
    .join(' → ');
  const t0 = performance.now();
  models = await loadModels(new URL('models/', location.href).href);
  timing('load models (fetch + SHA-256 + build)', ms(performance.now() - t0));
  await analyze(await defaultImages());
  el('status').textContent = 'ready';
  return info;
}

async function onFiles(files: readonly File[]): Promise<void> {
  try {
    await analyze(await decodeFiles(files));
  } catch (e) {
    report(e);
  }
}

el<HTMLInputElement>('files').addEventListener('change', (ev) => {
  void onFiles([...((ev.target as HTMLInputElement).files ?? [])]);
});
const drop = el('drop');
drop.addEventListener('dragover', (ev) => ev.preventDefault());
drop.addEventListener('drop', (ev) => {
  ev.preventDefault();
  void onFiles([...(ev.dataTransfer?.files ?? [])]);
});
el('use-default').addEventListener('click', () => void defaultImages().then(analyze).catch(report));
el('run-pgd').addEventListener('click', () => {
  const steps = Number(el<HTMLInputElement>('pgd-steps').value);
  const eps = Number(el<HTMLInputElement>('pgd-eps').value);
  void runPgd(steps, eps).catch(report);
});

const ready = start().catch((e: unknown) => {
  report(e);
  el('status').textContent = 'failed';
  throw e;
});

/** Hooks for the Chromium test and the bench (not part of the UI). */
const hooks = {
  ready,
  tf,
  /** The first batch's logits and statistic as the page computed them last (plain arrays). */
  async lastBatch() {
    await ready;
    const r = lastResults[0];
    if (r === undefined) return undefined;
    return {
      logits: Array.from(r.logits),
      statistic: r.statistic,
      threshold: r.threshold,
      flagged: r.flagged,
    };
  },
  /** Tensors before and after `calls` rounds of classify + DAD score on the first `n` default images. */
  async leakCheck(calls: number, n: number) {
    await ready;
    const m = models as Models;
    const x = tensorOf(await defaultImages(), 0, n);
    const before = tf.memory().numTensors;
    for (let i = 0; i < calls; i++) {
      const logits = m.classifier(x);
      const s = m.detector.score(x);
      await Promise.all([logits.data(), s.data()]);
      tf.dispose([logits, s]);
    }
    const after = tf.memory().numTensors;
    x.dispose();
    return { before, after };
  },
  runPgd: async (steps: number, eps: number) => {
    await ready;
    return runPgd(steps, eps);
  },
  /**
   * Median milliseconds over `repeats` runs (after one warm-up) of: DAD's statistic of a batch of 100, one UNet
   * forward of 64 images, and SSNI's EPS norm (T_S = 20) of `epsImages` images divided by their number.
   */
  async bench(repeats: number, epsImages: number) {
    await ready;
    const m = models as Models;
    const median = (v: number[]): number =>
      [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
    const time = async (fn: () => Promise<void>): Promise<number> => {
      await fn();
      const t: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t0 = performance.now();
        await fn();
        t.push(performance.now() - t0);
      }
      return median(t);
    };
    const x100 = tf.randomUniform([100, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const x64 = tf.randomUniform([64, 28, 28, 1], -1, 1, 'float32', 2) as tf.Tensor4D;
    const t64 = tf.fill([64], 100, 'int32') as tf.Tensor1D;
    const xe = x100.slice(0, epsImages);
    try {
      const detector = await time(async () => {
        const s = m.detector.score(x100);
        await s.data();
        s.dispose();
      });
      const unet = await time(async () => {
        const e = tf.tidy(() => m.unet.predict(x64, t64));
        await e.data();
        e.dispose();
      });
      const eps = await time(async () => {
        ssniPerImage(m, xe);
      });
      return {
        backend: tf.getBackend(),
        detectorScore100: detector,
        unetForward64: unet,
        epsNormPerImage: eps / epsImages,
        epsImages,
        repeats,
      };
    } finally {
      tf.dispose([x100, x64, t64, xe]);
    }
  },
};
(window as unknown as { robustjsDemo: typeof hooks }).robustjsDemo = hooks;
