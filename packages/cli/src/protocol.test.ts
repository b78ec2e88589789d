import { describe, expect, it } from 'vitest';
import { CliError } from './errors';
import { DEMO_PROTOCOL, PROTOCOL_DEFAULTS, parseProtocol } from './protocol';

describe('parseProtocol', () => {
  it('fills every default and keeps the defenses as given', () => {
    const p = parseProtocol({ defenses: [{ name: 'none' }] }, 'p.json');
    expect(p).toMatchObject({ images: 64, seed: 0, batchSize: 64, chunkSize: 16, attack: PROTOCOL_DEFAULTS.attack, defenses: [{ name: 'none' }] });
    expect(parseProtocol(JSON.parse(JSON.stringify(DEMO_PROTOCOL)), 'demo')).toEqual(DEMO_PROTOCOL);
  });

  it("keeps a defense's own attacks apart from its options, and checks them like the protocol's", () => {
    const p = parseProtocol({ defenses: [{ name: 'dad', mode: 'always-denoise', attacks: [{ name: 'pgd-eot', fraction: 0.3 }] },
      { name: 'none', attacks: null }] }, 'p.json');
    expect(p.defenses[0]).toEqual({ name: 'dad', mode: 'always-denoise', attacks: [{ name: 'pgd-eot', fraction: 0.3 }] });
    expect(p.defenses[1]).toEqual({ name: 'none' });
    expect(() => parseProtocol({ defenses: [{ name: 'dad', attacks: [] }] }, 'p.json')).toThrow(/'defenses\[0\]\.attacks' must be null or a non-empty array/);
    expect(() => parseProtocol({ defenses: [{ name: 'dad', attacks: [{ steps: 1 }] }] }, 'p.json'))
      .toThrow(/'defenses\[0\]\.attacks\[0\]' must be an object with a string 'name'/);
  });

  it('rejects unknown keys, wrong types and values with a usage error naming the key', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ defenses: [{ name: 'none' }], extra: 1 }, /unknown key 'extra' in the protocol/],
      [{ defenses: [{ name: 'none' }], attack: { eps: 0.1, iters: 3 } }, /unknown key 'iters' in attack/],
      [{ defenses: [{ name: 'none' }], models: { vae: 'x' } }, /unknown key 'vae' in models/],
      [{ defenses: [] }, /'defenses' must be a non-empty array/],
      [{ defenses: [{ name: 'none' }], attack: { norm: 'l1' } }, /'attack.norm' must be 'linf' or 'l2'/],
      [{ defenses: [{ name: 'none' }], batchSize: 0 }, /'batchSize' must be an integer ≥ 1/],
      [[1, 2], /must be a JSON object/],
    ];
    for (const [json, message] of bad) {
      expect(() => parseProtocol(json, 'p.json')).toThrow(CliError);
      expect(() => parseProtocol(json, 'p.json')).toThrow(message);
    }
  });

  // fuzz merge #231: a 2,600-deep option overflowed the stack in stableJson
  it('refuses defense and attack options nested past 16 deep with a CliError', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 3000; i++) deep = { a: deep };
    const cases = [{ defenses: [{ name: 'diffpure', base: { steps: [deep] } }] },
      { defenses: [{ name: 'none' }], attacks: [{ name: 'pgd', x: [deep] }] }];
    for (const json of cases) {
      expect(() => parseProtocol(json, 'p.json')).toThrow(CliError);
      expect(() => parseProtocol(json, 'p.json'))
        .toThrow(/p.json: '(defenses|attacks)\[0\]' nests objects or arrays more than 16 deep/);
    }
    const base = { name: 'diffpure', t: 100, more: { a: { b: [1] } } };
    const ok = { defenses: [{ name: 'ssni', base }] };
    expect(parseProtocol(ok, 'p.json').defenses[0]).toEqual(ok.defenses[0]);
  });

  it("checks the attack's ranges: ε inside the threat model, steps, eot, restarts ≥ 1", () => {
    const withAttack = (attack: Record<string, unknown>) =>
      ({ defenses: [{ name: 'none' }], attack });
    expect(parseProtocol(withAttack({ eps: 1 }), 'p.json').attack.eps).toBe(1);
    expect(parseProtocol(withAttack({ norm: 'l2', eps: 28 }), 'p.json').attack.eps).toBe(28);
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ eps: 2 }, /^p\.json: 'attack\.eps' must be in \(0, 1\] for l_inf .*got 2\..*"l2"/],
      [{ eps: 0 }, /'attack\.eps' must be in \(0, 1\] for l_inf/],
      [{ eps: 'big' }, /'attack\.eps' must be a number, got "big"\./],
      [{ norm: 'l2', eps: 30 }, /'attack\.eps' must be in \(0, 28\] for l2 on fashion-mnist.*30/],
      [{ steps: 0 }, /'attack\.steps' must be an integer ≥ 1, got 0/],
      [{ eot: 0 }, /'attack\.eot' must be an integer ≥ 1/],
      [{ restarts: 1.5 }, /'attack\.restarts' must be an integer ≥ 1/],
    ];
    for (const [attack, message] of bad) {
      expect(() => parseProtocol(withAttack(attack), 'p.json')).toThrow(CliError);
      expect(() => parseProtocol(withAttack(attack), 'p.json')).toThrow(message);
    }
  });
});
