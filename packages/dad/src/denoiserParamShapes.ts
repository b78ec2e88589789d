import type { DenoiserConfig } from './denoiserConfig';

/**
 * The names and shapes of a denoiser's variables (as `Denoiser.save` names them), computed from its
 * config without allocating any tensor, in the order the constructor creates them. Stops after
 * `limit` entries, so a config declaring a million blocks costs at most `limit` steps. @internal
 *
 * @param config - a checked config.
 * @param limit - the most entries returned; default unlimited.
 * @returns `[name, shape]` pairs, at most `limit`.
 */
export function denoiserParamShapes(
  config: DenoiserConfig,
  limit = Infinity,
): Array<[string, number[]]> {
  const { channels, forwardBlocks, backwardBlocks, inputShape } = config;
  const out: Array<[string, number[]]> = [];
  const add = (prefix: string, cin: number, cout: number): boolean => {
    out.push(
      [`${prefix}/kernel`, [3, 3, cin, cout]],
      [`${prefix}/gamma`, [cout]],
      [`${prefix}/beta`, [cout]],
      [`${prefix}/moving_mean`, [cout]],
      [`${prefix}/moving_variance`, [cout]],
    );
    return out.length <= limit;
  };
  for (let i = 0; i < channels.length; i++) {
    const c = channels[i] as number;
    for (let b = 0; b < (forwardBlocks[i] as number); b++) {
      if (
        !add(
          `down${i}/${b}`,
          b === 0 ? (i === 0 ? inputShape[2] : (channels[i - 1] as number)) : c,
          c,
        )
      )
        return out.slice(0, limit);
    }
  }
  for (let i = 0; i < backwardBlocks.length; i++) {
    const c = channels[i] as number;
    for (let b = 0; b < (backwardBlocks[i] as number); b++) {
      if (!add(`up${i}/${b}`, b === 0 ? (channels[i + 1] as number) + c : c, c))
        return out.slice(0, limit);
    }
  }
  out.push(['final/kernel', [1, 1, channels[0] as number, inputShape[2]]]);
  return out.slice(0, limit);
}
