import * as tf from '@tensorflow/tfjs';
import { RobustError } from '../errors';
import { registerWasmKernels } from '../kernels/registerWasmKernels';
import { prepareNodeWebgpu } from './nodeWebgpu';

/**
 * Backends robustjs can bind to. `tensorflow` is the native TensorFlow backend of
 * `@tensorflow/tfjs-node-gpu` (tried first) or `@tensorflow/tfjs-node`; the other names are tfjs's.
 */
export type BackendName = 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** The candidates, labelled by what gets loaded: `tfjs-node-gpu` and `tfjs-node` both give `tensorflow`. */
export type BackendCandidate = 'tfjs-node-gpu' | 'tfjs-node' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** One attempt made by {@link initBackend}. */
export interface BackendAttempt {
  /** What was tried: a backend candidate, or `native` for the optional oneDNN kernels of `@robustjs/native`. */
  readonly name: BackendCandidate | 'native';
  /** Whether it loaded and initialised. */
  readonly ok: boolean;
  /** Why it was skipped or failed (absent when `ok`). */
  readonly reason?: string;
  /**
   * For `webgpu` in Node: the adapter Dawn found, e.g. `SwiftShader driver 5.0.0 (google/swiftshader/…)`, with
   * `software: true` for a software renderer (used only when forced).
   */
  readonly adapter?: string;
  /** For `webgpu` in Node: whether the adapter renders in software (SwiftShader, llvmpipe). */
  readonly software?: boolean;
}

/** What {@link initBackend} chose and why. */
export interface BackendInfo {
  /** The active tfjs backend, as `tf.getBackend()` names it. */
  readonly name: BackendName;
  /**
   * Every candidate tried, in order, up to and including the chosen one; in Node on `wasm` or `cpu`, a last
   * `native` entry says whether the oneDNN kernels of `@robustjs/native` were registered, or why not.
   */
  readonly tried: readonly BackendAttempt[];
}

const NODE_ORDER: readonly BackendCandidate[] = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'];
const BROWSER_ORDER: readonly BackendCandidate[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
const VALID: readonly BackendName[] = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** How to install an optional backend package at the version of the @tensorflow/tfjs in use (they must match). */
function installHint(candidate: 'tfjs-node-gpu' | 'tfjs-node' | 'wasm'): string {
  const spec = `${candidate === 'wasm' ? TFJS_WASM : `@tensorflow/${candidate}`}@${tf.version_core}`;
  const why = {
    'tfjs-node-gpu': ' (needs CUDA and network access to download libtensorflow at install time)',
    'tfjs-node': ' (downloads libtensorflow at install time, so it needs network access)',
    wasm: ' (the version of @tensorflow/tfjs)',
  }[candidate];
  return `install it with \`npm install ${spec}\`${why}`;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';
}

function envBackend(): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = p?.env?.ROBUSTJS_BACKEND;
  return v === undefined || v === '' ? undefined : v;
}

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0] ?? m;
}

// The specifiers are variables so bundlers leave these optional peers alone (the wasm backend's is written
// out in loadWasm, so that bundlers do include it).
const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';
const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS_WEBGPU = '@tensorflow/tfjs-backend-webgpu';
const ROBUSTJS_NATIVE = '@robustjs/native';

interface NativeModule {
  registerNativeKernels(backendName: 'wasm' | 'cpu'): { ok: boolean; reason?: string; kernels: readonly string[] };
}

/** Registers the optional oneDNN kernels of `@robustjs/native` into `backend` (wasm or cpu). Never throws. */
async function tryNative(backend: 'wasm' | 'cpu'): Promise<BackendAttempt> {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  if (p?.env?.ROBUSTJS_NATIVE === '0') return { name: 'native', ok: false, reason: 'turned off by ROBUSTJS_NATIVE=0' };
  let mod: NativeModule;
  try {
    mod = (await import(/* @vite-ignore */ ROBUSTJS_NATIVE)) as NativeModule;
  } catch (e) {
    return { name: 'native', ok: false, reason: `${ROBUSTJS_NATIVE} could not be loaded (${message(e)}); install it (needs a C++ compiler and libdnnl-dev) for oneDNN kernels, the ${backend === 'wasm' ? 'wasm kernel additions' : 'cpu kernels'} are used meanwhile` };
  }
  try {
    const r = mod.registerNativeKernels(backend);
    return r.ok ? { name: 'native', ok: true } : { name: 'native', ok: false, reason: `${r.reason ?? 'registration failed'}; the ${backend === 'wasm' ? 'wasm kernel additions' : 'cpu kernels'} are used` };
  } catch (e) {
    return { name: 'native', ok: false, reason: `registering the native kernels failed (${message(e)})` };
  }
}

async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

/**
 * Loads `@tensorflow/tfjs-backend-wasm` on first use (a dynamic import, so that importing `@robustjs/core` has no
 * side effect) and installs robustjs's kernel additions. Returns why it cannot be used, or `undefined`.
 */
async function loadWasm(): Promise<string | undefined> {
  if (tf.findBackendFactory('wasm') === null) {
    let version: string | undefined;
    try {
      ({ version_wasm: version } = await import('@tensorflow/tfjs-backend-wasm'));
    } catch (e) {
      return `${TFJS_WASM} could not be loaded (${message(e)}); ${installHint('wasm')}`;
    }
    if (tf.findBackendFactory('wasm') === null) {
      return `${TFJS_WASM} ${version ?? ''} loaded but registered no 'wasm' backend with @tensorflow/tfjs ` +
        `${tf.version_core} (two copies of tfjs-core?); ${installHint('wasm')}`;
    }
  }
  registerWasmKernels();
  return undefined;
}

/** One attempt; `node` selects Dawn for webgpu, `forced` lets a software WebGPU adapter be used. */
async function tryCandidate(candidate: BackendCandidate, node: boolean, forced: boolean): Promise<BackendAttempt> {
  try {
    switch (candidate) {
      case 'tfjs-node-gpu':
      case 'tfjs-node': {
        const spec = candidate === 'tfjs-node-gpu' ? TFJS_NODE_GPU : TFJS_NODE;
        try {
          await import(/* @vite-ignore */ spec);
        } catch (e) {
          return { name: candidate, ok: false, reason: `${spec} could not be loaded (${message(e)}); ${installHint(candidate)}` };
        }
        if (tf.findBackendFactory('tensorflow') === null) {
          return { name: candidate, ok: false, reason: `${spec} loaded but registered no 'tensorflow' backend (two copies of tfjs-core? pin both to ${tf.version_core})` };
        }
        await activate('tensorflow');
        return { name: candidate, ok: true };
      }
      case 'webgpu': {
        if (node) {
          const r = await prepareNodeWebgpu(forced);
          const adapter = r.adapter !== undefined ? { adapter: r.adapter, software: r.ok ? r.software : true } : {};
          if (!r.ok) return { name: candidate, ok: false, reason: r.reason, ...adapter };
          await activate('webgpu');
          return { name: candidate, ok: true, ...adapter };
        }
        if (typeof (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu === 'undefined') {
          return { name: candidate, ok: false, reason: 'navigator.gpu is not available in this environment' };
        }
        // A bundled page may have imported the backend itself; a bare specifier cannot be resolved there.
        if (tf.findBackendFactory('webgpu') === null) {
          try {
            await import(/* @vite-ignore */ TFJS_WEBGPU);
          } catch (e) {
            return { name: candidate, ok: false, reason: `${TFJS_WEBGPU} could not be loaded (${message(e)}); install it to use WebGPU` };
          }
        }
        await activate('webgpu');
        return { name: candidate, ok: true };
      }
      case 'wasm': {
        const reason = await loadWasm();
        if (reason !== undefined) return { name: candidate, ok: false, reason };
        await activate('wasm');
        return { name: candidate, ok: true };
      }
      case 'webgl':
      case 'cpu':
        await activate(candidate);
        return { name: candidate, ok: true };
    }
  } catch (e) {
    return { name: candidate, ok: false, reason: message(e) };
  }
}

function candidatesFor(name: BackendName): BackendCandidate[] {
  return name === 'tensorflow' ? ['tfjs-node-gpu', 'tfjs-node'] : [name];
}

/**
 * Chooses and initialises the tfjs backend for this process.
 *
 * Order in Node: `@tensorflow/tfjs-node-gpu` → `@tensorflow/tfjs-node` (optional peers, loaded by dynamic
 * import; an absent package is skipped with the reason kept) → `webgpu` through Dawn (the optional packages
 * `webgpu` and `@tensorflow/tfjs-backend-webgpu`, plus `@robustjs/native` for synchronous reads), only when a
 * hardware adapter is found: a software one (SwiftShader, llvmpipe) is reported with its `adapter` and used only
 * when webgpu is forced; when the system's Vulkan drivers give no adapter and `VK_ICD_FILENAMES` is unset, the
 * SwiftShader of an installed Chromium is tried → `wasm` (`@tensorflow/tfjs-backend-wasm`, loaded by dynamic
 * import only when reached, with robustjs's kernel additions registered) → `cpu`. On `wasm` or `cpu` in Node, the
 * oneDNN kernels of the optional `@robustjs/native` are then registered when present (`ROBUSTJS_NATIVE=0` turns
 * them off), recorded as a `native` attempt.
 * In a browser: `webgpu` → `webgl` → `wasm` → `cpu`.
 * A `preference` argument, else the `ROBUSTJS_BACKEND` environment variable, forces one backend:
 * then nothing else is tried, and failure throws.
 *
 * @param preference - a backend to force (`'tensorflow'`, `'webgpu'`, `'webgl'`, `'wasm'`, `'cpu'`); default: the order above.
 * @returns `{ name, tried }`: the active backend and every attempt with its reason.
 * @throws {@link RobustError} `INVALID_ARGUMENT` for an unknown name; `BACKEND_UNAVAILABLE` when a forced
 *   backend cannot be had (the message says how to install it) or no backend at all initialises.
 * @example
 * ```ts
 * const { name, tried } = await initBackend();
 * console.log(`backend: ${name}`, tried);
 * ```
 */
export async function initBackend(preference?: BackendName): Promise<BackendInfo> {
  const node = isNode();
  const forcedFrom = preference !== undefined ? 'argument' : envBackend() !== undefined ? 'ROBUSTJS_BACKEND' : undefined;
  const forced = preference ?? envBackend();
  if (forced !== undefined && !VALID.includes(forced as BackendName)) {
    throw new RobustError('INVALID_ARGUMENT',
      `${forcedFrom === 'argument' ? "Argument 'preference' passed to 'initBackend'" : 'Environment variable ROBUSTJS_BACKEND'} ` +
        `must be one of ${VALID.join(', ')}, got ${JSON.stringify(forced)}.`);
  }
  const order = forced !== undefined ? candidatesFor(forced as BackendName) : node ? NODE_ORDER : BROWSER_ORDER;
  const tried: BackendAttempt[] = [];
  for (const candidate of order) {
    const attempt = await tryCandidate(candidate, node, forced !== undefined);
    tried.push(attempt);
    if (attempt.ok) {
      const name = tf.getBackend() as BackendName;
      if (node && (name === 'wasm' || name === 'cpu')) tried.push(await tryNative(name));
      return { name, tried };
    }
  }
  const reasons = tried.map((t) => `  - ${t.name}: ${t.reason ?? 'failed'}`).join('\n');
  if (forced !== undefined) {
    throw new RobustError('BACKEND_UNAVAILABLE',
      `Backend '${forced}' requested by ${forcedFrom === 'argument' ? "'initBackend(preference)'" : 'ROBUSTJS_BACKEND'} cannot be used here:\n${reasons}\n` +
        `Install what is named above, or unset ${forcedFrom === 'argument' ? 'the preference' : 'ROBUSTJS_BACKEND'} to fall back to ${node ? 'wasm or cpu' : 'webgl, wasm or cpu'}.`);
  }
  throw new RobustError('BACKEND_UNAVAILABLE', `No tfjs backend could be initialised:\n${reasons}`);
}
