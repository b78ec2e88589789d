// Regression tests for issue 24, defect 1: the file:// handler must read weights only from inside
// the model's folder (no `..` escapes, absolute paths or symlinks leaving it).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RobustError } from '../errors';
import { fileSystem } from './fileSystem';

const SECRET = new Uint8Array([83, 69, 67, 82]); // "SECR", the bytes of a file outside the model folder
let root = '';
let outside = '';
let count = 0;

/** A fresh model folder whose model.json lists `paths` for one uint8 weight of 4 elements. */
async function modelListing(paths: string[]): Promise<string> {
  const dir = join(root, `model-${count++}`);
  await mkdir(dir);
  const weightsManifest = [{ paths, weights: [{ name: 'w', shape: [4], dtype: 'int32', quantization: { dtype: 'uint8', scale: 1, min: 0 } }] }];
  await writeFile(join(dir, 'model.json'), JSON.stringify({ weightsManifest }));
  return dir;
}

async function rejection(dir: string): Promise<RobustError> {
  const e = await fileSystem(dir).load().then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(RobustError);
  return e as RobustError;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'robustjs-contain-'));
  outside = join(root, 'outside.bin');
  await writeFile(outside, SECRET);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('fileSystem().load keeps weight paths inside the model folder', () => {
  it('rejects a ../ escape with INVALID_ARGUMENT naming the path and the folder, before reading', async () => {
    const dir = await modelListing(['../outside.bin']);
    const e = await rejection(dir);
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('../outside.bin');
    expect(e.message).toContain(`model folder '${dir}'`);
    expect(e.message).toContain(join(dir, 'model.json'));
  });

  it('rejects a deep ../../../../etc/passwd escape and an escape hidden behind a subfolder', async () => {
    for (const p of ['../../../../etc/passwd', 'sub/../../outside.bin']) {
      const e = await rejection(await modelListing([p]));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toContain('outside the folder');
    }
  });

  it('rejects absolute paths, even when they point into the folder', async () => {
    const dir = await modelListing([]);
    await writeFile(join(dir, 'weights.bin'), SECRET);
    for (const p of [outside, join(dir, 'weights.bin'), 'C:\\x\\weights.bin', '\\\\host\\share\\w.bin']) {
      const e = await rejection(await modelListing([p]));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toContain('it is absolute');
    }
  });

  it('rejects a symlink inside the folder whose real path leaves it, and checks every path before reading any', async () => {
    const dir = await modelListing(['a.bin', 'link.bin']);
    await mkdir(join(dir, 'a.bin')); // reading it first would fail with IO_ERROR (EISDIR)
    await symlink(outside, join(dir, 'link.bin'));
    const e = await rejection(dir);
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('link.bin');
    expect(e.message).toContain(`a link to '${outside}'`);
  });

  it('rejects a symlinked subfolder that leaves the model folder', async () => {
    const dir = await modelListing(['shards/outside.bin']);
    await symlink(root, join(dir, 'shards'));
    const e = await rejection(dir);
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('outside the folder');
  });

  it('still loads weights from subfolders, normalised paths and symlinks that stay inside', async () => {
    const dir = await modelListing(['shards/../shards/w.bin']);
    await mkdir(join(dir, 'shards'));
    await writeFile(join(dir, 'real.bin'), new Uint8Array([1, 2, 3, 4]));
    await symlink(join(dir, 'real.bin'), join(dir, 'shards', 'w.bin'));
    const artifacts = await fileSystem(dir).load();
    expect(Array.from(new Uint8Array(artifacts.weightData as ArrayBuffer))).toEqual([1, 2, 3, 4]);
    expect(artifacts.weightSpecs?.map((s) => s.name)).toEqual(['w']);
  });

  it('still reports a missing listed file as NOT_FOUND', async () => {
    const dir = await modelListing(['gone.bin']);
    const e = await rejection(dir);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain(join(dir, 'gone.bin'));
  });
});
