import { dadDefenseAdapter } from './dad';
import { diffPureDefense } from './diffpure';
import { gdmpDefense } from './gdmp';
import { gnsDefense } from './gns';
import { noneDefense } from './none';
import { ssniDefense } from './ssni';
import type { DefenseAdapter } from './types';

/** The defense adapters by protocol name: `none`, `diffpure`, `ssni`, `gdmp`, `gns`, `dad`. */
export const DEFENSES: Readonly<Record<string, DefenseAdapter>> = Object.freeze({
  none: noneDefense,
  diffpure: diffPureDefense,
  ssni: ssniDefense,
  gdmp: gdmpDefense,
  gns: gnsDefense,
  dad: dadDefenseAdapter,
});
