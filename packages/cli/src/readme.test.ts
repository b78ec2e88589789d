import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@robustjs/test-utils';
import { expect, it } from 'vitest';

it('the README example (≤ 15 lines) evaluates the undefended classifier from an inline protocol', async () => {
  const write = process.stdout.write.bind(process.stdout);
  let printed = '';
  process.stdout.write = ((s: string) => { printed += s; return true; }) as typeof process.stdout.write;
  try {
    const code = await runReadmeExample(fileURLToPath(new URL('../README.md', import.meta.url)));
    expect(code.trim().split('\n').length).toBeLessThanOrEqual(15);
  } finally {
    process.stdout.write = write;
  }
  expect(printed).toMatch(/^method +clean %/);
  expect(printed).toContain('Undefended');
  expect(printed).toContain('Threat model: l_inf eps 0.1; budget 2 steps');
}, 60_000);
