/*
 * The model files a protocol names, loaded with usage errors (exit status 2) that name the file:
 * a classifier imported from PyTorch (@robustjs/zoo's loadTorchClassifier) and a diffusion model
 * of one of three architectures (a robustjs UNet, a diffusers UNet2DModel, Score-SDE's DDPM++).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RobustError, type Classifier, type NoisePredictor } from '@robustjs/core';
import { loadDdpmpp, loadDiffusersUnet, loadUnet } from '@robustjs/diffusion/node';
import { loadTorchClassifier } from '@robustjs/zoo/node';
import { CliError, MissingModelError } from './errors';
import type { ClassifierSpec, UnetArchitecture, UnetSpec } from './protocol';

/** A loaded diffusion model: its ε-predictor and a name for records (e.g. SSNI's calibration). */
export interface DiffusionModel {
  /** The ε-predictor: `xt` `[N,H,W,C]` in [−1,1] and timesteps `[N]` → noise `[N,H,W,C]`. */
  readonly predict: NoisePredictor;
  /** `<architecture>:<file name>`, e.g. `'ddpmpp:checkpoint_8.safetensors'`. */
  readonly id: string;
}

const PTH_FIX =
  'Convert a PyTorch .pth once with ' +
  '`python3 packages/zoo/scripts/pth_to_safetensors.py in.pth out.safetensors`.';

function usageError(e: unknown, what: string, path: string, fix: string): Error {
  if (e instanceof CliError) return e;
  if (e instanceof RobustError) {
    if (e.code === 'NOT_FOUND' && !existsSync(path)) {
      return new MissingModelError(`${what} not found at '${path}'. ${fix}`);
    }
    return new CliError(`${what} at '${path}' is unusable (${e.code}): ${e.message}`);
  }
  return e as Error;
}

/**
 * Loads the classifier of a protocol's `models.classifier` (a PyTorch state dict saved as
 * safetensors) with `loadTorchClassifier` of `@robustjs/zoo/node`.
 *
 * @param spec - `{path, architecture, config?}`; a relative path starts at the working directory.
 * @returns the classifier: images `[N,H,W,3]` in [0,1] → logits `[N,K]`.
 * @throws {@link MissingModelError} when the file is absent; {@link CliError} naming the file
 *   (and the tensor) for a `.pth`, a truncated file, a wrong dtype or another architecture.
 * @example
 * ```ts
 * const f = await loadClassifierFile({ path: 'wrn-28-10.safetensors', architecture: 'wrn-28-10' });
 * ```
 */
export async function loadClassifierFile(spec: ClassifierSpec): Promise<Classifier> {
  const path = resolve(spec.path);
  try {
    return await loadTorchClassifier(path, {
      architecture: spec.architecture,
      ...(spec.config === undefined ? {} : { config: spec.config }),
    });
  } catch (e) {
    throw usageError(e, `The classifier (${spec.architecture})`, path, PTH_FIX);
  }
}

/** How each architecture's files are read. */
const LOADERS: Readonly<
  Record<UnetArchitecture, (path: string, spec: UnetSpec) => Promise<{ predict: NoisePredictor }>>
> = {
  robustjs: (path) => loadUnet(path),
  'diffusers-unet2d': (path) =>
    loadDiffusersUnet(
      path.endsWith('.safetensors')
        ? { config: join(dirname(path), 'config.json'), weights: path }
        : path,
    ),
  ddpmpp: (path, spec) => loadDdpmpp(path, spec.config),
};

/**
 * Loads the diffusion model of a protocol's `models.unet` object: a robustjs UNet file, a diffusers
 * `UNet2DModel` (a folder with `config.json` and `diffusion_pytorch_model.safetensors`, or that
 * `.safetensors` with `config.json` beside it) or Score-SDE's DDPM++ (a safetensors state dict,
 * `config` overriding `DDPMPP_DEFAULTS`).
 *
 * @param spec - `{path, architecture, config?}`; a relative path starts at the working directory.
 * @param fix - what to tell the user when the file is missing.
 * @returns the ε-predictor and its id.
 * @throws {@link MissingModelError} when the file is absent; {@link CliError} naming the file
 *   (and the tensor) when it is unusable.
 * @example
 * ```ts
 * const m = await loadDiffusionModel({
 *   path: 'ddpm-cifar10-32/unet', architecture: 'diffusers-unet2d',
 * });
 * ```
 */
export async function loadDiffusionModel(spec: UnetSpec, fix = PTH_FIX): Promise<DiffusionModel> {
  const path = resolve(spec.path);
  if (!existsSync(path))
    throw new MissingModelError(
      `The diffusion model (${spec.architecture}) not found at '${path}'. ${fix}`,
    );
  try {
    const model = await LOADERS[spec.architecture](path, spec);
    return { predict: model.predict, id: `${spec.architecture}:${basename(path)}` };
  } catch (e) {
    throw usageError(e, `The diffusion model (${spec.architecture})`, path, fix);
  }
}
