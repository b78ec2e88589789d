// tfjs's webgpu backend in Node, through Dawn (the npm package `webgpu`): find an adapter, judge
// whether it is hardware or software, polyfill `navigator.gpu` and the WebGPU constants, load the
// tfjs backend and give it a synchronous read. Loaded by initBackend only; every package here is an
// optional dynamic import.
import * as tf from '@tensorflow/tfjs';
import { installDirectBatchMatMul } from '../kernels/webgpuBatchMatMul';
import { installDirectConv2d } from '../kernels/webgpuConv2d';
import { installWebgpuReadSync } from '../kernels/webgpuReadSync';

// Variables, so that bundlers leave these optional Node-only packages alone.
const DAWN = 'webgpu';
const TFJS_WEBGPU = '@tensorflow/tfjs-backend-webgpu';
const ROBUSTJS_NATIVE = '@robustjs/native';
const NODE_FS = 'node:fs';

/** Where Chromium (Debian, Ubuntu, Fedora) and Chrome ship SwiftShader's Vulkan driver manifest. */
export const SWIFTSHADER_ICDS: readonly string[] = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/usr/lib64/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
];

/** What WebGPU says about an adapter (`GPUAdapter.info`, plus the older `isFallbackAdapter`). */
export interface AdapterFacts {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

/** An adapter's one-line label, and whether it renders in software (SwiftShader, llvmpipe). */
export function describeAdapter(info: AdapterFacts): { label: string; software: boolean } {
  const parts = [info.vendor, info.architecture, info.device]
    .filter((s) => s !== undefined && s !== '');
  const described = info.description !== undefined && info.description !== '';
  const label = `${described ? `${info.description} ` : ''}` +
    `(${parts.join('/') || 'no adapter info'})`;
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ');
  const software = info.isFallbackAdapter === true ||
    /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|\bwarp\b/i.test(text);
  return { label, software };
}

interface GpuAdapterLike {
  readonly info?: AdapterFacts;
  readonly isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: object): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface NativeModule {
  loadEventLoop(): { ok: true; addon: { runOnce(): boolean } } | { ok: false; reason: string };
}

type Env = Record<string, string | undefined>;
const env = (): Env => (globalThis as { process?: { env?: Env } }).process?.env ?? {};

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0] ?? m;
}

/**
 * On Linux, why no GPU can be there: no render node (`/dev/dri/renderD*`) and no NVIDIA device
 * (`/dev/nvidia[0-9]*`); undefined when one exists, elsewhere, or when /dev cannot be read. Loading
 * Dawn without a GPU only finds software drivers (Mesa's lavapipe prints warnings on stderr).
 */
async function noGpuDevice(): Promise<string | undefined> {
  const p = (globalThis as { process?: { platform?: string } }).process;
  if (p?.platform !== 'linux') return undefined;
  try {
    const fs = (await import(/* @vite-ignore */ NODE_FS)) as typeof import('node:fs');
    const dri = fs.existsSync('/dev/dri') &&
      fs.readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
    const readdirSync = fs.readdirSync;
    const nvidia = readdirSync('/dev').some((f) => /^nvidia\d+$/.test(f));
    return dri || nvidia ? undefined
      : 'no GPU device node (/dev/dri/renderD*, /dev/nvidia*), so Dawn was not loaded';
  } catch {
    return undefined;
  }
}

async function swiftShaderIcd(): Promise<string | undefined> {
  try {
    const { existsSync } = (await import(/* @vite-ignore */ NODE_FS)) as typeof import('node:fs');
    return SWIFTSHADER_ICDS.find((p) => existsSync(p));
  } catch {
    return undefined;
  }
}

async function adapterOf(gpu: GpuLike): Promise<{ label: string; software: boolean } | undefined> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) return undefined;
  // Dawn's GPUAdapterInfo keeps its fields as prototype getters, which a spread would not copy.
  const info = adapter.info;
  return describeAdapter({
    vendor: info?.vendor, architecture: info?.architecture, device: info?.device,
    description: info?.description,
    isFallbackAdapter: info?.isFallbackAdapter ?? adapter.isFallbackAdapter,
  });
}

/** What {@link prepareNodeWebgpu} did: the webgpu backend is ready to activate, or why not. */
export type NodeWebgpuResult =
  | { readonly ok: true; readonly adapter: string; readonly software: boolean }
  | { readonly ok: false; readonly reason: string; readonly adapter?: string };

/** What one look for an adapter found; kept for the process (each look starts a Dawn instance). */
interface Probe {
  readonly dawn: DawnModule;
  readonly runOnce: () => boolean;
  readonly gpu: GpuLike;
  readonly adapter: string;
  readonly software: boolean;
  /** SwiftShader's manifest, when the adapter came through it (VK_ICD_FILENAMES set by us). */
  readonly icd?: string;
}

let probed: Probe | { readonly reason: string } | undefined;
let installed = false;

/**
 * Finds a WebGPU adapter through Dawn: the system's Vulkan drivers first; when they give none and
 * neither `VK_ICD_FILENAMES` nor `VK_DRIVER_FILES` is set, SwiftShader's manifest from an installed
 * Chromium (then `VK_ICD_FILENAMES` points at it while the adapter is in use, and is unset again
 * when it is not used). A software adapter is used only when `allowSoftware`. On success
 * `navigator.gpu` and the WebGPU constants (`GPUBufferUsage`, …) are defined where missing, and
 * `@tensorflow/tfjs-backend-webgpu` is loaded, given a synchronous read (and, on a software
 * adapter, a direct Conv2D and BatchMatMul). The search runs once per process. Unless
 * `allowSoftware`, Dawn is not loaded at all on a Linux machine without a GPU device node.
 * Never throws.
 */
export async function prepareNodeWebgpu(allowSoftware: boolean): Promise<NodeWebgpuResult> {
  if (probed === undefined && !allowSoftware) {
    // not cached: a forced call later still looks for a software adapter
    const none = await noGpuDevice();
    if (none !== undefined) {
      return { ok: false, reason: `${none}; ROBUSTJS_BACKEND=webgpu forces it` };
    }
  }
  probed ??= await probe();
  if (!('gpu' in probed)) return { ok: false, reason: probed.reason };
  const p = probed;
  if (p.software && !allowSoftware) {
    const through = p.icd !== undefined ? ` through ${p.icd}` : '';
    return { ok: false, adapter: p.adapter,
      reason: `only a software adapter was found, ${p.adapter}${through}: slower than wasm, so ` +
      'it is used only when forced ' +
      "(ROBUSTJS_BACKEND=webgpu or initBackend('webgpu'))" };
  }
  if (!installed) {
    const vars = env();
    const unset = vars.VK_ICD_FILENAMES === undefined && vars.VK_DRIVER_FILES === undefined;
    if (p.icd !== undefined && unset) vars.VK_ICD_FILENAMES = p.icd;
    const reason = await install(p);
    if (reason !== undefined) return { ok: false, adapter: p.adapter, reason };
    installed = true;
  }
  return { ok: true, adapter: p.adapter, software: p.software };
}

async function probe(): Promise<Probe | { reason: string }> {
  let dawn: DawnModule;
  try {
    dawn = (await import(/* @vite-ignore */ DAWN)) as DawnModule;
  } catch (e) {
    return { reason: `${DAWN} could not be loaded (${message(e)}); install it with ` +
      "`npm install webgpu` (Dawn's WebGPU for Node; Linux also needs libvulkan1 and a Vulkan " +
      'driver)' };
  }
  let runOnce: () => boolean;
  try {
    const native = (await import(/* @vite-ignore */ ROBUSTJS_NATIVE)) as NativeModule;
    const loop = native.loadEventLoop();
    if (!loop.ok) {
      return { reason: "WebGPU in Node needs @robustjs/native's event-loop addon for synchronous " +
        `reads (dataSync): ${loop.reason}` };
    }
    runOnce = () => loop.addon.runOnce();
  } catch (e) {
    return { reason: `WebGPU in Node needs ${ROBUSTJS_NATIVE} for synchronous reads (dataSync), ` +
      `and it could not be loaded (${message(e)}); install it (needs g++ and libdnnl-dev)` };
  }
  let gpu = dawn.create([]);
  let found = await adapterOf(gpu);
  let icd: string | undefined;
  const vars = env();
  const userDrivers = vars.VK_ICD_FILENAMES ?? vars.VK_DRIVER_FILES;
  if (found === undefined && userDrivers === undefined) {
    icd = await swiftShaderIcd();
    if (icd !== undefined) {
      vars.VK_ICD_FILENAMES = icd;
      try {
        gpu = dawn.create([]);
        found = await adapterOf(gpu);
      } finally {
        // Set again by prepareNodeWebgpu when this adapter is used.
        delete vars.VK_ICD_FILENAMES;
      }
    }
  }
  if (found === undefined) {
    const why = userDrivers !== undefined
      ? `; only the driver that VK_ICD_FILENAMES / VK_DRIVER_FILES names was tried (${userDrivers})`
      : icd === undefined ? ' (or Chromium: its SwiftShader is a slow software adapter)'
        : `; ${icd} gave none either`;
    const fix = `install libvulkan1 and the GPU's Vulkan driver${why}`;
    return { reason: `Dawn found no WebGPU adapter: ${fix}` };
  }
  const via = icd !== undefined ? { icd } : {};
  return { dawn, runOnce, gpu, adapter: found.label, software: found.software, ...via };
}

/** Polyfills the globals tfjs's webgpu backend reads, loads and patches it; returns why not. */
async function install(p: Probe): Promise<string | undefined> {
  const g = globalThis as Record<string, unknown> & { navigator?: { gpu?: unknown } };
  for (const [name, value] of Object.entries(p.dawn.globals)) if (!(name in g)) g[name] = value;
  if (g.navigator === undefined) g.navigator = { gpu: p.gpu };
  else if (g.navigator.gpu === undefined) {
    Object.defineProperty(g.navigator, 'gpu', { value: p.gpu, configurable: true });
  }
  if (tf.findBackendFactory('webgpu') === null) {
    try {
      await import(/* @vite-ignore */ TFJS_WEBGPU);
    } catch (e) {
      return `${TFJS_WEBGPU} could not be loaded (${message(e)}); install it with ` +
        `\`npm install ${TFJS_WEBGPU}@${tf.version_core}\``;
    }
    if (tf.findBackendFactory('webgpu') === null) {
      return `${TFJS_WEBGPU} loaded but registered no 'webgpu' backend (imported before ` +
        `navigator.gpu existed, or two copies of tfjs-core? pin both to ${tf.version_core})`;
    }
  }
  // On a software adapter tfjs's tiled convolution (shared-memory tiles, a barrier each) is ~1000×
  // slower than a direct loop: see kernels/webgpuConv2d.ts. GPUs keep tfjs's kernel.
  if (p.software) {
    installDirectConv2d();
    installDirectBatchMatMul();
  }
  // The backend instance is created on first use: create it now, so that its read can be made
  // synchronous.
  if (!(await tf.setBackend('webgpu'))) return "tf.setBackend('webgpu') returned false";
  installWebgpuReadSync(tf.findBackend('webgpu') as tf.KernelBackend, p.runOnce);
  return undefined;
}
