import { expect, it } from 'vitest';
import { progressBar } from './progress';

it('prints plain lines with elapsed time and rate when not a terminal, and redraws one line on a terminal', () => {
  let plain = '';
  const bar = progressBar({ write: (s: string) => (plain += s), isTTY: false }, 'attack', 4);
  for (let i = 1; i <= 4; i++) bar.update(i);
  bar.done();
  const lines = plain.trim().split('\n');
  expect(lines.length).toBe(5);
  expect(lines[0]).toMatch(/^attack \[\.{24}\] 0\/4 /);
  expect(lines.at(-1)).toMatch(/^attack \[#{24}\] 4\/4 \d+\.\ds \d+\.\d\d img\/s$/);
  let tty = '';
  const live = progressBar({ write: (s: string) => (tty += s), isTTY: true }, 'x', 2, 'batch');
  live.update(1);
  live.done();
  expect(tty.startsWith('\rx [')).toBe(true);
  expect(tty.endsWith('\n')).toBe(true);
  expect(tty).toContain('batch/s');
});
