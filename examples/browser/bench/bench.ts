/**
 * Browser bench: times the detector score of a batch of 100, one UNet forward of 64 images and SSNI's EPS norm
 * per image on webgpu, webgl and wasm in headless Chromium (the example page, built with Vite, served with
 * COOP/COEP), and the size of the detector-only bundle; writes examples/browser/bench/results.json.
 *
 *   node --conditions=@robustjs/source --import tsx examples/browser/bench/bench.ts [--backends wasm,webgl]
 *     [--repeats 3] [--out file.json]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { CHROMIUM, launchChromium } from '../test/chromium';
import { detectorBundleSize } from '../test/bundles';
import { serveStatic } from '../test/serve';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'webgpu,webgl,wasm' },
    repeats: { type: 'string', default: '3' },
    out: { type: 'string', default: join(here, 'results.json') },
  },
});
const backends = (values.backends as string).split(',');
const repeats = Number(values.repeats);

const bundle = await detectorBundleSize(root);
console.log(`detector-only bundle: ${bundle.bytes} B, ${bundle.gzipBytes} B gzipped`);

const outDir = mkdtempSync(join(tmpdir(), 'robustjs-browser-bench-'));
await build({
  configFile: join(here, '../vite.config.ts'),
  build: { outDir, emptyOutDir: true },
  logLevel: 'error',
});
const served = await serveStatic(outDir);
const browser = await launchChromium();
const results: Record<string, unknown> = {};
try {
  for (const backend of backends) {
    const page = await browser.context.newPage();
    await page.goto(`${served.url}?backend=${backend}&ssni=0`);
    await page.waitForFunction(
      () => ['ready', 'failed'].includes(document.getElementById('status')?.textContent ?? ''),
      null,
      { timeout: 600_000 },
    );
    const ready = await page.textContent('#status');
    if (ready !== 'ready') {
      results[backend] = { error: await page.textContent('#error') };
      console.log(backend, 'failed:', results[backend]);
    } else {
      // software GPU backends: fewer repeats and one image for the EPS norm (20 UNet forwards each)
      const soft = backend !== 'wasm';
      const r = await page.evaluate(
        ([n, e]) =>
          (
            window as unknown as {
              robustjsDemo: {
                bench(r: number, e: number): Promise<Record<string, number | string>>;
              };
            }
          ).robustjsDemo.bench(n, e),
        [soft ? 1 : repeats, soft ? 1 : 4] as const,
      );
      results[backend] = { ...r, tried: await page.textContent('#tried') };
      console.log(backend, results[backend]);
    }
    await page.close();
  }
} finally {
  await browser.close();
  await served.close();
  rmSync(outDir, { recursive: true, force: true });
}

let chromium = 'unknown';
try {
  chromium = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim();
} catch {
  /* recorded as unknown */
}
const report = {
  format: 'robustjs-browser-bench',
  version: 1,
  command: 'node --conditions=@robustjs/source --import tsx examples/browser/bench/bench.ts',
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, loadAverage1m: loadavg()[0] },
  chromium,
  flags:
    '--enable-unsafe-webgpu --enable-features=Vulkan --use-webgpu-adapter=swiftshader (headless)',
  note:
    'webgpu and webgl run on SwiftShader (software) on this machine; wasm uses SIMD and threads ' +
    '(cross-origin isolated). Medians in ms; one warm-up run each.',
  workloads: {
    detectorScore100:
      "DAD's MMD² statistic of a batch of 100 images (φ on R and B, deep kernel), data read back",
    unetForward64: 'one forward of the zoo UNet on 64 images [64,28,28,1], t = 100, data read back',
    epsNormPerImage:
      "SSNI's EPS norm (T_S = 20 UNet forwards) of epsImages images, divided by epsImages",
  },
  bundle: {
    detectorOnly: {
      ...bundle,
      contents: 'mmd + core + @tensorflow/tfjs (webgl, cpu), esbuild, minified',
    },
  },
  backends: results,
  tfjs: JSON.parse(readFileSync(join(root, 'node_modules/@tensorflow/tfjs/package.json'), 'utf8'))
    .version,
};
writeFileSync(values.out as string, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${values.out}`);
