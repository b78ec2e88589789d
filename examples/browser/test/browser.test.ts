import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pngjs from 'pngjs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchChromium } from './chromium';
import { nodeWasmReference } from './nodeReference';
import { serveStatic } from './serve';

// The page (examples/browser) built with Vite, served on 127.0.0.1 with COOP/COEP, driven in Debian's headless
// Chromium on each browser backend; its numbers are compared with the same computation in Node on wasm.
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const ARTIFACTS = join(here, 'artifacts');
const IN_CI = process.env.CI === 'true';
const HAVE_CHROMIUM = existsSync(CHROMIUM);

/**
 * Relative float32 tolerance: max |page − node| / max |node| over the logits, and |page − node| / |node| for
 * the statistic. wasm and WebGPU compute in float32 throughout: 1e-4. WebGL: also 1e-4 here, because
 * Chromium's WebGL 2 (SwiftShader or a GPU) renders to 32-bit float textures, which tfjs uses when
 * available; on a device limited to 16-bit textures (WEBGL_RENDER_FLOAT32_CAPABLE false) expect ~1e-3.
 */
const TOLERANCE = { wasm: 1e-4, webgl: 1e-4, webgpu: 1e-4 } as const;

/**
 * Calls of classify + DAD score in the leak check: 100 on wasm; on WebGL and WebGPU 3 by default, since
 * Chromium renders them in software (SwiftShader) here, at seconds per call; ROBUSTJS_BROWSER_LEAK_CALLS
 * raises it (e.g. 100 on a machine with a GPU).
 */
const GPU_CALLS = Number(process.env.ROBUSTJS_BROWSER_LEAK_CALLS ?? 3);
const LEAK_CALLS = { wasm: 100, webgl: GPU_CALLS, webgpu: GPU_CALLS } as const;
type Backend = keyof typeof TOLERANCE;

interface Demo {
  ready: Promise<{ name: string }>;
  lastBatch(): Promise<{
    logits: number[];
    statistic: number;
    threshold: number;
    flagged: boolean;
  }>;
  leakCheck(calls: number, n: number): Promise<{ before: number; after: number }>;
  runPgd(
    steps: number,
    eps: number,
  ): Promise<{ step: number; statistic: number; accuracy: number }[]>;
}

let served: { url: string; close: () => Promise<void> } | undefined;
let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;
let reference: { logits: Float32Array; statistic: number };
let outDir = '';

async function openPage(backend: Backend, ssni: number): Promise<Page> {
  const page = await (browser as { context: BrowserContext }).context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${(served as { url: string }).url}?backend=${backend}&ssni=${ssni}`);
  await page.waitForFunction(
    () => ['ready', 'failed'].includes(document.getElementById('status')?.textContent ?? ''),
    null,
    { timeout: 360_000 },
  );
  expect(errors).toEqual([]);
  expect(await page.textContent('#status')).toBe('ready');
  return page;
}

function png(width: number, height: number, rgb: (i: number) => [number, number, number]): Buffer {
  const p = new pngjs.PNG({ width, height });
  for (let i = 0; i < width * height; i++) p.data.set([...rgb(i), 255], 4 * i);
  return pngjs.PNG.sync.write(p);
}

const demo = (page: Page) => ({
  lastBatch: () =>
    page.evaluate(() => (window as unknown as { robustjsDemo: Demo }).robustjsDemo.lastBatch()),
  leakCheck: (calls: number) =>
    page.evaluate(
      (c) => (window as unknown as { robustjsDemo: Demo }).robustjsDemo.leakCheck(c, 1),
      calls,
    ),
  runPgd: (steps: number) =>
    page.evaluate(
      (s) => (window as unknown as { robustjsDemo: Demo }).robustjsDemo.runPgd(s, 8),
      steps,
    ),
});

/** On wasm: SSNI's norm and t(x) shown; PGD in the page moves the statistic; bad input shows an error. */
async function wasmOnly(page: Page): Promise<void> {
  const ssni = await page.$$eval('#ssni tbody tr', (rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => Number(td.textContent))),
  );
  expect(ssni.length).toBe(1);
  const [norm, t] = ssni[0] as [number, number];
  expect(norm).toBeGreaterThan(100); // clean Fashion-MNIST norms lie around 250 (T_S = 20)
  expect(Number.isInteger(t) && t >= 0 && t <= 104).toBe(true);

  const trace = await demo(page).runPgd(2);
  expect(trace.map((p) => p.step)).toEqual([0, 1, 2]);
  const [first, , last] = trace as [(typeof trace)[0], unknown, (typeof trace)[0]];
  expect(last.statistic).toBeGreaterThan(first.statistic);
  expect(last.accuracy).toBeLessThan(first.accuracy);
  expect(await page.$$eval('#pgd-chart circle', (c) => c.length)).toBe(3);
  await page.screenshot({ path: join(ARTIFACTS, 'page-wasm-pgd.png'), fullPage: true });

  const gray =
    (k: number) =>
    (i: number): [number, number, number] => {
      const v = (i * 7 + k) % 256;
      return [v, v, v];
    };
  const cases: [{ name: string; mimeType: string; buffer: Buffer }[], RegExp][] = [
    [
      [{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') }],
      /'notes\.txt' is neither a PNG\/JPEG image nor an IDX file/,
    ],
    [
      [{ name: 'big.png', mimeType: 'image/png', buffer: png(32, 32, gray(0)) }],
      /'big\.png' is 32×32 pixels; the models take 28×28/,
    ],
    [
      [{ name: 'red.png', mimeType: 'image/png', buffer: png(28, 28, () => [200, 0, 0]) }],
      /'red\.png' has colour/,
    ],
    [
      Array.from({ length: 10 }, (_, k) => ({
        name: `im${k}.png`,
        mimeType: 'image/png',
        buffer: png(28, 28, gray(k)),
      })),
      /batches of 100 images .*got 10 images\. Add 90 more/,
    ],
  ];
  for (const [files, message] of cases) {
    await page.setInputFiles('#files', files);
    await page.waitForFunction(() => !(document.getElementById('error') as HTMLElement).hidden);
    expect(await page.textContent('#error')).toMatch(message);
    expect(await page.isVisible('#error')).toBe(true);
    await page.setInputFiles('#files', []);
    await page.evaluate(() => {
      (document.getElementById('error') as HTMLElement).hidden = true;
    });
  }
  // the 10 valid images were still classified (10 cells), and the page recovers with the embedded examples
  expect(await page.$$eval('#grid figure', (f) => f.length)).toBe(10);
  await page.click('#use-default');
  await page.waitForFunction(() => document.querySelectorAll('#grid figure').length === 100);
  await page.waitForFunction(() =>
    document.querySelector('#batches tbody')?.textContent?.includes('CLEAN'),
  );
  expect(await page.isHidden('#error')).toBe(true);
}

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('the browser example in Chromium', () => {
  beforeAll(async () => {
    expect(
      HAVE_CHROMIUM,
      `Chromium is missing at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`,
    ).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    outDir = mkdtempSync(join(tmpdir(), 'robustjs-browser-'));
    const { build } = await import('vite');
    await build({
      configFile: join(here, '../vite.config.ts'),
      build: { outDir, emptyOutDir: true },
      logLevel: 'error',
    });
    served = await serveStatic(outDir);
    browser = await launchChromium();
    reference = await nodeWasmReference(root);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    if (outDir !== '') rmSync(outDir, { recursive: true, force: true });
  });

  for (const backend of ['wasm', 'webgl', 'webgpu'] as const) {
    it(`on ${backend}: logits and DAD's statistic equal Node wasm within ${TOLERANCE[backend]}, no leaks`, async () => {
      const page = await openPage(backend, backend === 'wasm' ? 1 : 0);
      try {
        expect(await page.textContent('#backend')).toBe(backend);
        const r = await demo(page).lastBatch();
        expect(r).toBeDefined();
        const { logits, statistic, flagged } = r as NonNullable<typeof r>;
        const scale = Math.max(...reference.logits.map(Math.abs));
        const logitErr =
          Math.max(...logits.map((v, i) => Math.abs(v - (reference.logits[i] as number)))) / scale;
        const statErr = Math.abs(statistic - reference.statistic) / Math.abs(reference.statistic);
        console.log(
          `${backend}: logits rel. err ${logitErr.toExponential(2)}, statistic ${statistic} ` +
            `(node ${reference.statistic}, rel. err ${statErr.toExponential(2)})`,
        );
        expect(logits.length).toBe(1000);
        expect(logitErr).toBeLessThanOrEqual(TOLERANCE[backend]);
        expect(statErr).toBeLessThanOrEqual(TOLERANCE[backend]);
        // the page shows the decision of the embedded clean batch: below θ, passed to the classifier
        expect(flagged).toBe(false);
        expect(await page.textContent('#batches tbody')).toContain('CLEAN: pass to classifier');
        await page.screenshot({ path: join(ARTIFACTS, `page-${backend}.png`), fullPage: true });
        const leak = await demo(page).leakCheck(LEAK_CALLS[backend]);
        expect(leak.after, `tensors after ${LEAK_CALLS[backend]} calls on ${backend}`).toBe(
          leak.before,
        );
        if (backend === 'wasm') await wasmOnly(page);
      } finally {
        await page.close();
      }
    }, 600_000);
  }
});
