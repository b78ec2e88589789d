import { CliError } from '../errors';
import { parseProtocol, type Protocol } from '../protocol';
import type { Report } from './types';

type Kind = 'number' | 'integer' | 'string' | 'boolean' | 'object' | 'array' | 'string|null' | 'object|null';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const KINDS: Readonly<Record<Kind, (v: unknown) => boolean>> = {
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  integer: (v) => Number.isSafeInteger(v),
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  object: isObject,
  array: Array.isArray,
  'string|null': (v) => v === null || typeof v === 'string',
  'object|null': (v) => v === null || isObject(v),
};

const shown = (v: unknown): string => (v === undefined ? 'nothing (missing)' : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v);

/**
 * Checks the shape of a partial report read from JSON before `merge` uses it, so a damaged or hostile file fails with
 * one line naming the input and the field instead of a TypeError (or reaching the HTML report). Every field `merge`,
 * the summary, the table and the HTML page read is checked: format and version, the shard, the protocol (as
 * `parseProtocol` checks it), the environment, the examples and class names, and each result's images, batches and
 * examples, with numbers where numbers are expected and strings where strings are.
 *
 * @param value - the parsed file.
 * @param input - the input's name for messages (a file name, or e.g. `'input 2'`).
 * @returns `value` as a {@link Report}, its protocol completed by `parseProtocol` (defaults filled
 *   in; a protocol without `attack` used to reach the table as a TypeError).
 * @throws {@link CliError} `merge: <input>: '<field>' must be <kind>, got <kind>.` at the first bad field.
 * @example
 * ```ts
 * const part = checkShardReport(JSON.parse(text), 'report.shard-0-of-2.json');
 * ```
 */
export function checkShardReport(value: unknown, input: string): Report {
  const fail = (field: string, expected: string, got: string): never => {
    throw new CliError(`merge: ${input}: '${field}' must be ${expected}, got ${got}. Give the unchanged report.shard-<i>-of-<n>.json files of 'eval --shard i/n'.`);
  };
  const need = (obj: Record<string, unknown>, key: string, kind: Kind, where: string): unknown => {
    const v = obj[key];
    if (!KINDS[kind](v)) fail(`${where}${key}`, `${kind === 'integer' ? 'an integer' : kind === 'array' || kind === 'object' ? `an ${kind}` : `a ${kind}`}`, shown(v));
    return v;
  };
  const each = (obj: Record<string, unknown>, key: string, where: string, check: (item: Record<string, unknown>, at: string) => void): void => {
    const list = need(obj, key, 'array', where) as unknown[];
    list.forEach((item, i) => {
      const at = `${where}${key}[${i}]`;
      if (!isObject(item)) fail(at, 'an object', shown(item));
      check(item as Record<string, unknown>, `${at}.`);
    });
  };
  const fields = (obj: Record<string, unknown>, at: string, spec: Readonly<Record<string, Kind>>): void => {
    for (const [key, kind] of Object.entries(spec)) need(obj, key, kind, at);
  };

  if (!isObject(value)) fail('(the report)', 'a JSON object', shown(value));
  const r = value as Record<string, unknown>;
  if (r['format'] !== 'robustjs-report') fail('format', "'robustjs-report'", JSON.stringify(r['format']) ?? 'nothing (missing)');
  if (r['version'] !== 2) fail('version', '2', JSON.stringify(r['version']) ?? 'nothing (missing)');
  if (r['shard'] === null) throw new CliError(`merge: ${input} is a complete report, not a shard of 'eval --shard i/n'.`);
  const shard = need(r, 'shard', 'object', '') as Record<string, unknown>;
  fields(shard, 'shard.', { index: 'integer', count: 'integer', batches: 'array' });
  const batches = shard['batches'] as unknown[];
  if (batches.length !== 2 || !batches.every(KINDS.integer)) fail('shard.batches', 'two integers [from, to]', JSON.stringify(batches));
  need(r, 'protocol', 'object', '');
  let protocol: Protocol;
  try {
    protocol = parseProtocol(r['protocol'], 'protocol');
  } catch (e) {
    throw new CliError(`merge: ${input}: 'protocol' is not a valid protocol (${(e as Error).message})`);
  }
  fields(need(r, 'environment', 'object', '') as Record<string, unknown>, 'environment.', { backend: 'string', native: 'boolean', node: 'string', seconds: 'number', shards: 'integer' });
  each(r, 'examples', '', (e, at) => fields(e, at, { index: 'integer', label: 'integer', clean: 'string' }));
  (need(r, 'classNames', 'array', '') as unknown[]).forEach((c, i) => { if (typeof c !== 'string') fail(`classNames[${i}]`, 'a string', shown(c)); });
  each(r, 'skipped', '', (s, at) => fields(s, at, { position: 'integer', name: 'string', reason: 'string' }));
  need(r, 'summary', 'array', '');
  each(r, 'results', '', (d, at) => {
    fields(d, at, { position: 'integer', label: 'string', base: 'string|null' });
    fields(need(d, 'defense', 'object', at) as Record<string, unknown>, `${at}defense.`, { label: 'string', kind: 'string', settings: 'object' });
    each(d, 'attacks', at, (a, at2) => fields(a, at2, { name: 'string', description: 'string' }));
    each(d, 'images', at, (im, at2) => {
      fields(im, at2, { index: 'integer', row: 'integer', label: 'integer', clean: 'integer', adversarial: 'integer', brokenBy: 'object|null' });
      if (im['predictions'] !== undefined) {
        (need(im, 'predictions', 'array', at2) as unknown[]).forEach((v, k) => {
          if (!KINDS.integer(v)) fail(`${at2}predictions[${k}]`, 'an integer', shown(v));
        });
      }
      if (im['attacked'] !== undefined && im['attacked'] !== false) fail(`${at2}attacked`, 'false or missing', shown(im['attacked']));
      if (im['info'] !== undefined) {
        const info = need(im, 'info', 'object', at2) as Record<string, unknown>;
        fields(info, `${at2}info.`, { clean: 'object', adversarial: 'object' });
      }
    });
    each(d, 'batches', at, (b, at2) => {
      fields(b, at2, { batch: 'integer', size: 'integer' });
      fields(need(b, 'seconds', 'object', at2) as Record<string, unknown>, `${at2}seconds.`, { clean: 'number', attack: 'number', adversarial: 'number' });
      const info = need(b, 'info', 'object', at2) as Record<string, unknown>;
      need(info, 'clean', 'object', `${at2}info.`);
      each(info, 'adversarial', `${at2}info.`, (a, at3) => fields(a, at3, { attack: 'string', restart: 'integer', candidate: 'integer', info: 'object' }));
    });
    each(d, 'examples', at, (e, at2) => fields(e, at2, { index: 'integer', adversarial: 'string', purifiedClean: 'string', purifiedAdversarial: 'string' }));
  });
  // The protocol as parseProtocol completes it (defaults filled): the table reads every field.
  return { ...(value as Report), protocol };
}
