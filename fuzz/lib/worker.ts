// A fuzz worker process: builds every target's seeds on demand, then runs the batches of input
// indices the parent sends, one result message per input.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TARGETS } from '../targets';
import { execute, generateInput, scratch } from './execute';
import type { FuzzInput, TargetContext } from './target';

/** A batch of inputs to run. */
export interface BatchMessage {
  readonly parser: string;
  readonly seed: number;
  readonly start: number;
  readonly end: number;
}

const send = (m: unknown): Promise<void> =>
  new Promise((resolve) => process.send?.(m, undefined, {}, () => resolve()));

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  tf.enableProdMode();
  // The parent makes (and removes, even after a SIGKILL) FUZZ_TMP; alone, the worker makes its own.
  const own = process.env.FUZZ_TMP === undefined;
  const ctx: TargetContext = {
    tmp: process.env.FUZZ_TMP ?? mkdtempSync(join(scratch(), 'robustjs-fuzz-')),
  };
  if (own) process.on('exit', () => rmSync(ctx.tmp, { recursive: true, force: true }));
  const seeds = new Map<string, FuzzInput[]>();
  process.on('message', async (m: BatchMessage | 'exit') => {
    if (m === 'exit') process.exit(0);
    const target = TARGETS[m.parser];
    if (target === undefined) throw new Error(`unknown parser ${m.parser}`);
    if (!seeds.has(m.parser)) seeds.set(m.parser, await target.seeds(ctx));
    const s = seeds.get(m.parser) as FuzzInput[];
    for (let i = m.start; i < m.end; i++) {
      let input: FuzzInput;
      try {
        input = await generateInput(target, s, m.seed, i, ctx);
      } catch (e) {
        const code = `harness: generating the input failed: ${
          e instanceof Error ? e.message : String(e)
        }`;
        process.send?.({
          type: 'result',
          outcome: { index: i, kind: 'failure', code, ms: 0, rssDelta: -1, size: 0 },
        });
        continue;
      }
      const { error: _error, ...o } = await execute(target, input, i, ctx);
      process.send?.({ type: 'result', outcome: o });
    }
    await send({ type: 'done' });
  });
  await send({ type: 'ready' });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(70);
});
