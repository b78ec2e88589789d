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

/**
 * The repository's `packages/` folder when this module runs from a robustjs checkout (src/ or
 * dist/) that holds the training scripts, else `undefined`: the scripts are not in the npm
 * packages, so an installed `robustjs` neither lists `train` nor can run it.
 *
 * @returns the folder, or `undefined` outside a checkout.
 * @example
 * ```ts
 * const canTrain = trainScriptsRoot() !== undefined;
 * ```
 */
export function trainScriptsRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++) {
    const scripts = join(dir, 'zoo', 'scripts', 'train.ts');
    if (existsSync(scripts) && existsSync(join(dir, 'cli', 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/**
 * How to get a model the run needs, for messages: from a checkout, train it with
 * `robustjs train <model>`; from the npm packages (no training scripts), reinstall
 * `@robustjs/zoo`, which ships the weights.
 *
 * @param model - the `train` target that makes it (e.g. `'diffusion'`, `'denoiser'`).
 * @param flag - the flag that points to the user's own file instead (e.g. `'--unet <file>'`).
 * @param root - the checkout's packages folder, {@link trainScriptsRoot}`()` (`undefined` outside a
 *   checkout).
 * @returns one sentence with the fix.
 * @example
 * ```ts
 * trainHint('diffusion', '--unet <file>', trainScriptsRoot());
 * ```
 */
export function trainHint(model: string, flag: string, root: string | undefined): string {
  return root === undefined
    ? `Reinstall @robustjs/zoo (it ships the weights: npm install @robustjs/zoo), or pass ${flag}.`
    : `Train one with 'npx robustjs train ${model}', or pass ${flag}.`;
}

/**
 * `robustjs train <what> [-- args]`: runs the package's own training script (the one that made the
 * shipped weights, with its manifest) in a child process, passing `args` through; progress goes to
 * the terminal. Only in a robustjs checkout: the scripts (and the training data they fetch) are not
 * part of the npm packages.
 *
 * @param what - `classifier`, `featurizer`, `diffusion`, `mmd` or `denoiser`.
 * @param args - extra arguments for the script (e.g. `--epochs 2`).
 * @param root - the checkout's packages folder, {@link trainScriptsRoot}`()`; `undefined` outside
 *   a checkout (nothing runs).
 * @returns the script's exit status.
 * @throws {@link CliError} for an unknown target, or outside a robustjs checkout (saying how to
 *   get one).
 * @example
 * ```ts
 * process.exitCode = await trainCommand('classifier', ['--epochs', '2'], trainScriptsRoot());
 * ```
 */
export async function trainCommand(
  what: string,
  args: readonly string[],
  root: string | undefined,
): Promise<number> {
  const target = TRAIN_TARGETS[what];
  if (target === undefined) {
    const known = Object.keys(TRAIN_TARGETS).join(', ');
    throw new CliError(`train: unknown model '${what}'; known: ${known}.`);
  }
  const script = root === undefined ? undefined : join(root, target.pkg, 'scripts', 'train.ts');
  if (root === undefined || script === undefined || !existsSync(script)) {
    throw new CliError(
      "train: 'robustjs train' runs the training scripts of a robustjs checkout; the npm " +
        "packages do not ship them (the zoo's weights come trained). To train: git clone " +
        'https://github.com/robustjs/robustjs && cd robustjs && npm ci && ' +
        `npx robustjs train ${what}.`,
    );
  }
  process.stderr.write(`robustjs train ${what}: ${target.what}\n`);
  const argv = ['--conditions=@robustjs/source', '--import', 'tsx', script, ...target.args];
  return new Promise((resolvePromise, reject) => {
    const options = { stdio: 'inherit', cwd: dirname(root) } as const;
    const child = spawn(process.execPath, [...argv, ...args], options);
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal === null ? 1 : 128 + 2)));
  });
}
