import { describe, expect, it } from 'vitest';
import { CliError } from './errors';
import { epsFlag, intFlag, withDefault } from './flags';

/** The CliError `fn` throws (exit status 2). */
function cliError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    expect((e as CliError).exitCode).toBe(2);
    return e as CliError;
  }
  throw new Error('expected a CliError');
}

describe('intFlag', () => {
  it('reads digits within the range; absent is undefined', () => {
    expect(intFlag('10', 'steps', { min: 1 })).toBe(10);
    expect(intFlag(' 0 ', 'seed', { min: 0 })).toBe(0);
    expect(intFlag('7000', 'images', { min: 1, max: 7000 })).toBe(7000);
    expect(intFlag(undefined, 'steps', { min: 1 })).toBeUndefined();
  });

  it('refuses what is not a whole number in range, naming the flag, what came, an example', () => {
    expect(cliError(() => intFlag('0', 'steps', { min: 1 })).message).toBe(
      "Option '--steps' must be an integer ≥ 1, got '0'. Pass e.g. --steps 1.",
    );
    expect(cliError(() => intFlag('2.5', 'eot', { min: 1 })).message).toMatch(
      /'--eot' must be an integer ≥ 1, got '2\.5'/,
    );
    expect(cliError(() => intFlag('-3', 'seed', { min: 0 })).message).toMatch(
      /'--seed' .* got '-3'/,
    );
    expect(cliError(() => intFlag('1e3', 'images', { min: 1 })).message).toMatch(/got '1e3'/);
    expect(cliError(() => intFlag('', 'images', { min: 1 })).message).toMatch(/got ''/);
    // beyond 2^53 a seed would silently change: refused
    expect(cliError(() => intFlag('9007199254740993', 'seed', { min: 0 })).message).toMatch(
      /'--seed'/,
    );
    const why = 'offset 0 + images ≤ 7000: the rest of the test split is held out';
    expect(cliError(() => intFlag('7001', 'images', { min: 1, max: 7000, why })).message).toBe(
      `Option '--images' must be an integer in [1, 7000] (${why}), got '7001'. ` +
        'Pass e.g. --images 1.',
    );
  });
});

describe('epsFlag', () => {
  it('reads numbers and fractions inside the threat model', () => {
    expect(epsFlag('0.1', 'linf')).toBe(0.1);
    expect(epsFlag('8/255', 'linf')).toBeCloseTo(8 / 255, 15);
    expect(epsFlag('1', 'linf')).toBe(1);
    expect(epsFlag('2', 'l2')).toBe(2);
    expect(epsFlag('28', 'l2')).toBe(28);
    expect(epsFlag(undefined, 'l2')).toBeUndefined();
  });

  it('refuses ε outside (0, 1] for linf and (0, 28] for l2 (Fashion-MNIST), with the fix', () => {
    const linf = cliError(() => epsFlag('2', 'linf')).message;
    expect(linf).toMatch(
      /^Option '--eps' must be in \(0, 1\] for l_inf \(pixels lie in \[0,1\]\), got '2'\./,
    );
    expect(linf).toMatch(/8\/255 ≈ 0\.031.*pass --norm l2/);
    for (const bad of ['0', '-0.1', 'abc', '', '8/0', 'NaN', 'Infinity', '1/2/3']) {
      expect(cliError(() => epsFlag(bad, 'linf')).message).toContain(`got '${bad}'`);
    }
    const l2 = cliError(() => epsFlag('30', 'l2')).message;
    expect(l2).toMatch(
      /^Option '--eps' must be in \(0, 28\] for l2 on fashion-mnist \(28×28×1 images/,
    );
    expect(l2).toMatch(/sqrt\(784\) = 28 apart\), got '30'/);
  });
});

describe('withDefault', () => {
  it('appends the default as commander does for the defaults it holds', () => {
    expect(withDefault('attack iterations', 10)).toBe('attack iterations (default: 10)');
    expect(withDefault('no progress bars', false)).toBe('no progress bars (default: off)');
    expect(withDefault('the UNet', "the zoo's")).toBe("the UNet (default: the zoo's)");
  });
});
