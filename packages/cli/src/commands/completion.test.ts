import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli';

/** `robustjs completion <shell>`: the script on stdout (exit status 0). */
async function script(shell: string): Promise<string> {
  let out = '';
  const io = {
    stdout: { write: (s: string) => ((out += s), true) },
    stderr: { write: () => true },
  };
  expect(await runCli(['completion', shell], io)).toBe(0);
  return out;
}

/** Writes `text` to a temporary file and returns its path. */
function saved(text: string, name: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'robustjs-completion-')), name);
  writeFileSync(path, text);
  return path;
}

/** Sources the bash script and asks it to complete `words` (the last one being typed). */
function complete(file: string, words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const run =
    `source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _robustjs; ` +
    'printf "%s\\n" "${COMPREPLY[@]}"';
  const r = spawnSync('bash', ['-c', run], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter((l) => l !== '');
}

const COMMANDS = [
  'demo',
  'eval',
  'merge',
  'submit',
  'worker',
  'status',
  'attack',
  'train',
  'completion',
];

describe('robustjs completion', () => {
  it('prints bash and zsh scripts that bash parses (bash -n)', async () => {
    for (const shell of ['bash', 'zsh']) {
      const r = spawnSync('bash', ['-n', saved(await script(shell), `robustjs.${shell}`)], {
        encoding: 'utf8',
      });
      expect({ shell, status: r.status, stderr: r.stderr }).toEqual({
        shell,
        status: 0,
        stderr: '',
      });
    }
    const zsh = await script('zsh');
    expect(zsh.split('\n')[0]).toBe('#compdef robustjs');
    expect(zsh).toContain('autoload -U +X bashcompinit && bashcompinit');
    expect(zsh).toContain('complete -o filenames -F _robustjs robustjs');
  });

  it("lists every command and each command's flags", async () => {
    const text = await script('bash');
    const file = saved(text, 'robustjs.bash');
    expect(complete(file, ['robustjs', ''])).toEqual(expect.arrayContaining([...COMMANDS, 'help']));
    const flags: Record<string, string[]> = {
      demo: [
        '--backend',
        '--seed',
        '--images',
        '--out',
        '--json',
        '--quiet',
        '--unet',
        '--dad',
        '--quick',
        '--full',
      ],
      eval: ['--shard', '--checkpoints', '--images'],
      merge: ['--out', '--json'],
      submit: ['--shards', '--redis', '--run', '--attempts', '--backoff'],
      worker: ['--redis', '--concurrency', '--lock-duration', '--stalled-interval', '--backend'],
      status: ['--redis', '--json'],
      attack: ['--defense', '--eps', '--steps', '--eot', '--restarts', '--norm'],
    };
    for (const [command, expected] of Object.entries(flags)) {
      expect(complete(file, ['robustjs', command, '--'])).toEqual(
        expect.arrayContaining([...expected, '--help']),
      );
    }
    expect(complete(file, ['robustjs', 'merge', '--'])).not.toContain('--eps');
  });

  it('completes commands, flags and the values of flags with choices', async () => {
    const file = saved(await script('bash'), 'robustjs.bash');
    expect(complete(file, ['robustjs', 'at'])).toEqual(['attack']);
    expect(complete(file, ['robustjs', 'attack', '--no'])).toEqual(['--norm']);
    expect(complete(file, ['robustjs', 'attack', '--norm', ''])).toEqual(['linf', 'l2']);
    expect(complete(file, ['robustjs', 'attack', '--defense', 'ssni'])).toEqual([
      'ssni-l',
      'ssni-n',
    ]);
    expect(complete(file, ['robustjs', 'demo', '--backend', 'w'])).toEqual([
      'webgpu',
      'webgl',
      'wasm',
    ]);
    expect(complete(file, ['robustjs', 'completion', ''])).toEqual(['bash', 'zsh']);
    expect(complete(file, ['robustjs', 'attack', '--steps', ''])).toEqual([]);
  });

  it('refuses another shell with exit status 2 naming the choices', async () => {
    let err = '';
    const io = {
      stdout: { write: () => true },
      stderr: { write: (s: string) => ((err += s), true) },
    };
    expect(await runCli(['completion', 'fish'], io)).toBe(2);
    expect(err).toMatch(/'fish' is invalid .*Allowed choices are bash, zsh/);
  });
});
