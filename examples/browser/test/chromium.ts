import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

/** Debian's chromium, or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches headless Chromium with a fresh profile, no network chatter, and WebGPU enabled (SwiftShader where
 * the machine has no GPU). ROBUSTJS_CHROMIUM_ARGS adds flags (space-separated). Returns the context and a `close` that also removes the profile.
 */
export async function launchChromium(): Promise<{
  context: BrowserContext;
  close: () => Promise<void>;
}> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'robustjs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--enable-unsafe-webgpu',
      // WebGPU and WebGL through ANGLE on Vulkan, SwiftShader where the machine has no GPU: with the default
      // ANGLE, tfjs's synchronous WebGPU read (dataSync, through a canvas) returns zeros and loses the device.
      '--enable-features=Vulkan',
      '--use-angle=vulkan',
      '--use-vulkan=swiftshader',
      '--enable-unsafe-swiftshader',
      '--use-webgpu-adapter=swiftshader',
      '--disable-gpu-watchdog',
      ...(process.env.ROBUSTJS_CHROMIUM_ARGS ?? '').split(' ').filter((a) => a !== ''),
    ],
    viewport: { width: 1150, height: 1300 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
