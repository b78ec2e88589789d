import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from '../errors';

/** What `robustjs train <what>` runs: the package's training script and its fixed arguments. */
export const TRAIN_TARGETS: Readonly<Record<string, { readonly pkg: string; readonly args: readonly string[]; readonly what: string }>> = Object.freeze({
  classifier: { pkg: 'zoo', args: ['--model', 'cnn'], what: 'the reference CNN classifier (@robustjs/zoo)' },
  featurizer: { pkg: 'zoo', args: ['--model', 'featurizer'], what: "DAD's 64-d featurizer (@robustjs/zoo)" },
  diffusion: { pkg: 'diffusion', args: [], what: 'the DDPM UNet (@robustjs/diffusion)' },
  mmd: { pkg: 'dad', args: [], what: "DAD's MMD-OPT detector, then its denoiser (@robustjs/dad; one resumable script)" },
  denoiser: { pkg: 'dad', args: [], what: "DAD's denoiser after its MMD-OPT detector (@robustjs/dad; one resumable script)" },
});

/** The repository's `packages/` folder when this module runs from a checkout (src/ or dist/), else undefined. */
function packagesDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++) {
    if (existsSync(join(dir, 'zoo', 'package.json')) && existsSync(join(dir, 'cli', 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/**
 * `robustjs train <what> [-- args]`: runs the package's own training script (the one that made the shipped weights,
 * with its manifest) in a child process, passing `args` through; progress goes to the terminal.
 *
 * @param what - `classifier`, `featurizer`, `diffusion`, `mmd` or `denoiser`.
 * @param args - extra arguments for the script (e.g. `--epochs 2`).
 * @returns the script's exit status.
 * @throws {@link CliError} for an unknown target, or outside a robustjs checkout (the scripts are not published).
 */
export async function trainCommand(what: string, args: readonly string[]): Promise<number> {
  const target = TRAIN_TARGETS[what];
  if (target === undefined) throw new CliError(`train: unknown model '${what}'; known: ${Object.keys(TRAIN_TARGETS).join(', ')}.`);
  const root = packagesDir();
  const script = root === undefined ? undefined : join(root, target.pkg, 'scripts', 'train.ts');
  if (script === undefined || !existsSync(script)) {
    throw new CliError(`train: the training scripts ship with the robustjs repository, not with the npm packages; clone it and run 'npx robustjs train ${what}' there.`);
  }
  process.stderr.write(`robustjs train ${what}: ${target.what}\n`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--conditions=@robustjs/source', '--import', 'tsx', script, ...target.args, ...args], { stdio: 'inherit', cwd: dirname(root as string) });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal === null ? 1 : 128 + 2)));
  });
}
