import { describe, expect, it } from 'vitest';
import { loadEventLoop } from './loadEventLoop';

const required = process.env.ROBUSTJS_NATIVE_REQUIRED === '1';

describe('loadEventLoop', () => {
  it('loads the addon (or says how to build it); runOnce runs a due setImmediate', () => {
    const loop = loadEventLoop();
    if (!loop.ok) {
      expect(required).toBe(false);
      expect(loop.reason).toMatch(/npm run build:addon -w @robustjs\/native/);
      return;
    }
    expect(loop.path).toMatch(/robustjs_eventloop\.node$/);
    let ran = false;
    setImmediate(() => { ran = true; });
    let calls = 0;
    while (!ran && calls < 100) { loop.addon.runOnce(); calls++; }
    expect(ran).toBe(true);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(loadEventLoop()).toEqual(loop);
  });
});
