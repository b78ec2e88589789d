import type { TorchParam } from '@robustjs/core';
import { resolveDdpmppConfig, type DdpmppConfig } from './ddpmppConfig';
import { ddpmppModules, moduleParams } from './ddpmppModules';

/**
 * Every tensor a Score-SDE NCSN++ / DDPM++ checkpoint of this config holds, in PyTorch's names,
 * shapes and state-dict order (`all_modules.<i>.…`, after stripping DataParallel's `module.`), with
 * how each maps to tfjs: conv weights `[out,in,kh,kw]` → HWIO (`'oihw'`), `nn.Linear` weights
 * `[out,in]` → `[in,out]` (`'linear'`), the rest as stored (`'plain'`; NIN's `W` is already
 * `[in,out]`). The `sigmas` buffer of the reference module is not a parameter and is not listed.
 * Pass the list to core's `importTorchTensors`.
 *
 * @param config - overrides of `DDPMPP_DEFAULTS` (default none: the deep continuous CIFAR-10
 *   config, 956 tensors, 106,632,579 parameters).
 * @returns the tensors in order.
 * @throws {@link @robustjs/core!index.RobustError} as {@link resolveDdpmppConfig}.
 * @example
 * ```ts
 * const params = ddpmppTorchParams();
 * params[0]; // { name: 'all_modules.0.weight', shape: [512, 128], layout: 'linear' }
 * ```
 */
export function ddpmppTorchParams(config?: Partial<DdpmppConfig>): TorchParam[] {
  const fn = 'ddpmppTorchParams';
  const c = resolveDdpmppConfig(config, fn);
  return ddpmppModules(c, fn).flatMap((m, i) => moduleParams(m, i, c));
}
