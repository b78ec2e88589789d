// Every fuzz target by name.
import type { Target } from '../lib/target';
import { merge, protocol } from './cli';
import { cifar, gzip, idx, jpegTarget, pngTarget } from './datasets';
import { detector } from './detector';
import { imageFolder } from './imageFolder';
import { modelJson } from './modelJson';
import { safetensors } from './safetensors';

/** The targets, in the order the fuzz command runs them. */
export const TARGETS: Readonly<Record<string, Target>> = Object.freeze({
  idx,
  cifar,
  png: pngTarget,
  jpeg: jpegTarget,
  gzip,
  safetensors,
  modeljson: modelJson,
  detector,
  protocol,
  merge,
  imagefolder: imageFolder,
});
