import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { caughtSync } from '../../test/fixtures';
import { findDataset, searchDirs } from './searchPath';

const base = mkdtempSync(join(tmpdir(), 'robustjs-search-'));
const saved = process.env.ROBUSTJS_DATA;
afterEach(() => {
  if (saved === undefined) delete process.env.ROBUSTJS_DATA;
  else process.env.ROBUSTJS_DATA = saved;
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('searchDirs + findDataset', () => {
  it('searches ROBUSTJS_DATA/<sub>, then the system folder, then the embedded one', () => {
    process.env.ROBUSTJS_DATA = join(base, 'env');
    const dirs = searchDirs(undefined, 'f', 'sub', '/nonexistent/debian', () => join(base, 'embedded'));
    expect(dirs).toEqual([
      { kind: 'ROBUSTJS_DATA', dir: join(base, 'env', 'sub') },
      { kind: 'debian', dir: '/nonexistent/debian' },
      { kind: 'embedded', dir: join(base, 'embedded') },
    ]);
    mkdirSync(join(base, 'embedded'));
    writeFileSync(join(base, 'embedded', 'a.raw'), 'x');
    // the system folder is absent, so the embedded one is used; alternatives are tried in order
    const found = findDataset(dirs, { a: ['a.gz', 'a.raw'] }, 'f', 'fix');
    expect(found).toEqual({ kind: 'embedded', dir: join(base, 'embedded'), files: { a: join(base, 'embedded', 'a.raw') } });
  });

  it('searches an explicit root alone (itself and root/<sub>)', () => {
    process.env.ROBUSTJS_DATA = join(base, 'env');
    expect(searchDirs('/r', 'f', 'sub', '/sys', () => '/emb')).toEqual([{ kind: 'root', dir: '/r' }, { kind: 'root', dir: join('/r', 'sub') }]);
  });

  it('says where it looked and how to fix it when nothing is found', () => {
    delete process.env.ROBUSTJS_DATA;
    const err = caughtSync(() => findDataset(searchDirs(undefined, 'loadX', 'x', '/nope', undefined), { images: ['i.gz', 'i'] }, 'loadX', 'Install it.'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe("'loadX' found no folder holding i.gz or i. Looked in: /nope (debian). Install it.");
    expect(caughtSync(() => searchDirs(3, 'loadX', 'x', undefined, undefined)).message).toMatch(/Option 'root' passed to 'loadX' must be a folder path, got 3/);
  });
});
