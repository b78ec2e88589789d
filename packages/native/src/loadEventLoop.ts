import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The `robustjs_eventloop` addon: runs Node's event loop once from inside synchronous JavaScript.
 * It exists for one caller: `@robustjs/core`'s synchronous read (`dataSync()`) of a webgpu tensor
 * in Node, where Dawn completes `GPUBuffer.mapAsync` only from a `setImmediate` callback. Running
 * the loop re-enters any pending timer, I/O or immediate callback, so call it only to wait for a
 * result that needs the loop, and never from code that such callbacks could re-enter.
 *
 * @example
 * ```ts
 * const loop = loadEventLoop();
 * if (loop.ok) while (buffer.mapState !== 'mapped') loop.addon.runOnce();
 * ```
 */
export interface EventLoopAddon {
  /** Runs due timers, I/O and immediates once (waits for I/O only when none is due); loop alive? */
  runOnce(): boolean;
}

/**
 * The result of {@link loadEventLoop}: the addon and its file, or why it is not available.
 *
 * @example
 * ```ts
 * const r: LoadEventLoopResult = loadEventLoop();
 * console.log(r.ok ? r.path : r.reason);
 * ```
 */
export type LoadEventLoopResult =
  | { readonly ok: true; readonly addon: EventLoopAddon; readonly path: string }
  | { readonly ok: false; readonly reason: string };

const BUILD_HINT =
  'it is built with the oneDNN addon: install g++, make, python3 and libdnnl-dev, then ' +
  '`npm rebuild @robustjs/native --foreground-scripts` ' +
  '(in a robustjs checkout: `npm run build:addon -w @robustjs/native`)';

let cached: { addon: EventLoopAddon; path: string } | undefined;

/** The addon, from src/ and dist/ alike (both one level below the package root). */
const ADDON = '../build/Release/robustjs_eventloop.node';

/**
 * Loads the `robustjs_eventloop` addon (`build/Release/robustjs_eventloop.node` of this package,
 * built beside the oneDNN addon). Never throws; `ROBUSTJS_NATIVE=0` does not turn it off (it holds
 * no kernels). Kept for the life of the process once loaded.
 *
 * @returns `{ ok: true, addon, path }`, or `{ ok: false, reason }` with a reason naming the fix.
 * @throws never.
 * @example
 * ```ts
 * const loop = loadEventLoop();
 * if (!loop.ok) console.warn(loop.reason);
 * ```
 */
export function loadEventLoop(): LoadEventLoopResult {
  if (cached !== undefined) return { ok: true, ...cached };
  try {
    const path = fileURLToPath(new URL(ADDON, import.meta.url));
    if (!existsSync(path)) {
      return { ok: false, reason: `the addon ${path} was not built; ${BUILD_HINT}` };
    }
    const addon = createRequire(import.meta.url)(path) as EventLoopAddon;
    if (typeof addon.runOnce !== 'function') {
      return { ok: false, reason: `${path} has no runOnce(); rebuild it: ${BUILD_HINT}` };
    }
    cached = { addon, path };
    return { ok: true, addon, path };
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    const first = m.split('\n')[0] ?? m;
    return { ok: false, reason: `the event-loop addon failed to load (${first}); ${BUILD_HINT}` };
  }
}
