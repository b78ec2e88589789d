import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, idxPair } from '../test/fixtures';
import { FASHION_MNIST_CLASSES } from './classNames';
import { fetchIdx } from './fetchIdx';

// A local server on 127.0.0.1; nothing here touches the internet.
const { images, labels } = idxPair(16, 28, 28);
const routes: Record<string, Uint8Array> = {
  '/images.gz': new Uint8Array(gzipSync(images)),
  '/labels': labels,
  '/short-labels': idxPair(15, 28, 28).labels,
};
let server: Server;
let origin = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = routes[req.url ?? ''];
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('fetchIdx', () => {
  it('fetches gzipped and raw IDX files and reads them', async () => {
    const ds = await fetchIdx({ images: `${origin}/images.gz`, labels: new URL(`${origin}/labels`) }, { classNames: FASHION_MNIST_CLASSES });
    expect(ds.shape).toEqual([16, 28, 28, 1]);
    expect(ds.source).toBe(`${origin}/images.gz`);
    expect(Array.from(ds.labels.subarray(0, 3))).toEqual([0, 1, 2]);
  });

  it('accepts a custom fetch', async () => {
    const seen: string[] = [];
    const ds = await fetchIdx({ images: 'mem://i', labels: 'mem://l' }, {
      fetch: async (url) => {
        seen.push(String(url));
        return new Response(String(url).endsWith('i') ? images : labels);
      },
    });
    expect(ds.shape[0]).toBe(16);
    expect(seen.sort()).toEqual(['mem://i', 'mem://l']);
  });

  it('names the URL on an error status and on disagreeing files', async () => {
    const e404 = await caught(() => fetchIdx({ images: `${origin}/images.gz`, labels: `${origin}/nope` }));
    expect(e404.code).toBe('IO_ERROR');
    expect(e404.message).toMatch(/'fetchIdx' cannot fetch 'http:\/\/127\.0\.0\.1:\d+\/nope': the server answered 404/);
    const mismatch = await caught(() => fetchIdx({ images: `${origin}/images.gz`, labels: `${origin}/short-labels` }));
    expect(mismatch.code).toBe('SHAPE_MISMATCH');
    expect(mismatch.message).toMatch(/IDX files '.*\/images.gz' fetched by 'fetchIdx' and '.*\/short-labels' fetched by 'fetchIdx' disagree: 16 images but 15 labels/);
    expect((await caught(() => fetchIdx({ images: '', labels: 'x' }))).message).toMatch(/Argument 'urls.images' passed to 'fetchIdx' must be a URL/);
  });
});
