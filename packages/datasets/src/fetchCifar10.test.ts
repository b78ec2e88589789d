import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { caught, cifarBytes } from '../test/fixtures';
import { fetchCifar10 } from './fetchCifar10';

const files: Record<string, Uint8Array> = {
  'mem://data_batch_1.bin': cifarBytes([4, 5]),
  'mem://data_batch_2.bin.gz': new Uint8Array(gzipSync(cifarBytes([6]))),
  'mem://bad.bin': cifarBytes([1]).subarray(0, 100),
};
const fetch = async (url: string | URL) => {
  const body = files[String(url)];
  return body === undefined ? new Response('missing', { status: 404, statusText: 'Not Found' }) : new Response(body);
};

describe('fetchCifar10', () => {
  it('fetches batches (gzipped or not) and reads them in order', async () => {
    const ds = await fetchCifar10(['mem://data_batch_1.bin', 'mem://data_batch_2.bin.gz'], { fetch });
    expect(ds.shape).toEqual([3, 32, 32, 3]);
    expect(Array.from(ds.labels)).toEqual([4, 5, 6]);
    expect(ds.source).toBe('mem://data_batch_1.bin');
  });

  it('names the URL of a bad batch', async () => {
    const err = await caught(() => fetchCifar10('mem://bad.bin', { fetch }));
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toMatch(/CIFAR-10 file 'mem:\/\/bad.bin' fetched by 'fetchCifar10' must hold a positive whole number of 3073-byte records/);
    expect((await caught(() => fetchCifar10('mem://missing', { fetch }))).message).toMatch(/the server answered 404 Not Found/);
  });
});
