import { describe, expect, it } from 'vitest';
import { DEMO_PROTOCOL, runCli } from '../src/index';
import { captureIo } from './helpers';

/** `robustjs [command] --help` as text (exit status 0). */
async function help(...command: string[]): Promise<string> {
  const io = captureIo();
  expect(await runCli([...command, '--help'], io)).toBe(0);
  return io.out();
}

/** The entries of a help section (`Options:` or `Commands:`), wrapped lines joined. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${title}:`);
  const entries: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || !line.startsWith(' ')) break;
    if (/^ {2}\S/.test(line)) entries.push(line.trim());
    else entries[entries.length - 1] += ` ${line.trim()}`;
  }
  return entries;
}

describe('--help shows every default', () => {
  it('every option of every command shows its default (or says it is required)', async () => {
    const commands = section(await help(), 'Commands')
      .map((e) => e.split(' ')[0]!)
      .filter((c) => c !== 'help');
    expect(commands).toEqual([
      'demo',
      'eval',
      'merge',
      'submit',
      'worker',
      'status',
      'attack',
      'train',
      'completion',
    ]);
    for (const command of commands) {
      for (const entry of section(await help(command), 'Options')) {
        if (entry.startsWith('-h, --help')) continue;
        expect(entry, `robustjs ${command}: ${entry}`).toMatch(
          /\((?:[^()]*, )?default: [^)]+\)|\(required, no default\)/,
        );
      }
    }
  });

  it('shows the numbers the commands really use', async () => {
    const attack = section(await help('attack'), 'Options').join('\n');
    const a = DEMO_PROTOCOL.attack;
    expect(attack).toMatch(new RegExp(`--eps <x> .*\\(default: ${a.eps}\\)`));
    expect(attack).toMatch(new RegExp(`--steps <n> .*\\(default: ${a.steps}\\)`));
    expect(attack).toMatch(new RegExp(`--eot <n> .*\\(default: ${a.eot}\\)`));
    expect(attack).toMatch(new RegExp(`--restarts <n> .*\\(default: ${a.restarts}\\)`));
    expect(attack).toMatch(/--norm <norm> .*default: "linf"\)/);
    expect(attack).toMatch(/--defense <name> .*default: "diffpure"\)/);
    expect(attack).toMatch(new RegExp(`--images <n> .*\\(default: ${DEMO_PROTOCOL.images}\\)`));
    const demo = section(await help('demo'), 'Options').join('\n');
    expect(demo).toMatch(/--images <n> .*\(default: 32 \(--quick 16, --full 64\)\)/);
    expect(demo).toMatch(/--seed <n> .*\(default: 0\)/);
    const evalHelp = section(await help('eval'), 'Options').join('\n');
    expect(evalHelp).toMatch(/--images <n> .*\(default: the protocol's images, else 64\)/);
    const worker = section(await help('worker'), 'Options').join('\n');
    expect(worker).toMatch(/--lock-duration <ms> .*\(default: "300000"\)/);
    expect(worker).toMatch(/--redis <url> .*\(required, no default\)/);
  });
});
