import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught } from '../../test/fixtures';
import { download } from './download';

// A local server on 127.0.0.1 serving a fixture; nothing here touches the internet.
const fixture = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24);
const sha = createHash('sha256').update(fixture).digest('hex');
const base = mkdtempSync(join(tmpdir(), 'robustjs-download-'));
let server: Server;
let origin = '';
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/data/fixture.bin') {
      res.writeHead(200, { 'content-length': fixture.length });
      // in several writes, so the client really streams
      for (let off = 0; off < fixture.length; off += 65536) res.write(fixture.subarray(off, off + 65536));
      res.end();
    } else if (req.url === '/cut.bin') {
      res.writeHead(200, { 'content-length': fixture.length });
      res.write(fixture.subarray(0, 100_000), () => setTimeout(() => res.socket?.destroy(), 20));
    } else if (req.url === '/slow.bin') {
      res.writeHead(200, { 'content-length': fixture.length });
      res.write(fixture.subarray(0, 1000)); // and never finishes
    } else {
      res.writeHead(404).end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(base, { recursive: true, force: true });
});

const fresh = (name: string) => join(base, name);

const source = fileURLToPath(new URL('./download.ts', import.meta.url));

/**
 * Starts a child process downloading `/slow.bin` (which stalls after 1,000 bytes) into `cacheDir`,
 * waits until its `.part` file exists, sends `signal`, and resolves with how the child ended.
 */
async function killMidDownload(cacheDir: string, signal: NodeJS.Signals, extra = '') {
  const script = `import { download } from ${JSON.stringify(source)};${extra}
    await download(${JSON.stringify(`${origin}/slow.bin`)},
      { sha256: '${sha}', cacheDir: ${JSON.stringify(cacheDir)} });`;
  const child = spawn(process.execPath,
    ['--conditions=@robustjs/source', '--import', 'tsx', '--input-type=module', '-e', script],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, sig) => done({ code, signal: sig })));
  const deadline = Date.now() + 60_000;
  const parts = () =>
    (existsSync(cacheDir) ? readdirSync(cacheDir) : []).filter((n) => n.endsWith('.part'));
  while (parts().length === 0) {
    if (Date.now() > deadline || child.exitCode !== null) {
      throw new Error(`no .part file: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 100)); // the first bytes are written
  child.kill(signal);
  return { ...(await ended), stderr };
}

describe('download', () => {
  it('streams the file into the cache, verifies it, and serves the cached copy without a request', async () => {
    const cacheDir = fresh('ok');
    const path = await download(`${origin}/data/fixture.bin`, { sha256: sha, cacheDir });
    expect(path).toBe(join(cacheDir, 'fixture.bin'));
    expect(readFileSync(path).equals(fixture)).toBe(true);
    expect(readdirSync(cacheDir)).toEqual(['fixture.bin']);
    const before = requests;
    expect(await download(`${origin}/data/fixture.bin`, { sha256: sha.toUpperCase(), cacheDir })).toBe(path);
    expect(requests).toBe(before);
  });

  it('replaces a cached file whose checksum does not match', async () => {
    const cacheDir = fresh('stale');
    await download(`${origin}/data/fixture.bin`, { sha256: sha, cacheDir, fileName: 'x.bin' });
    writeFileSync(join(cacheDir, 'x.bin'), 'tampered');
    await download(`${origin}/data/fixture.bin`, { sha256: sha, cacheDir, fileName: 'x.bin' });
    expect(readFileSync(join(cacheDir, 'x.bin')).equals(fixture)).toBe(true);
  });

  it('rejects a checksum mismatch with expected and got, keeping no file', async () => {
    const cacheDir = fresh('mismatch');
    const wrong = '0'.repeat(64);
    const err = await caught(() => download(`${origin}/data/fixture.bin`, { sha256: wrong, cacheDir }));
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toContain(`File 'fixture.bin' downloaded by 'download' from '${origin}/data/fixture.bin' fails its checksum: expected sha256 ${wrong}, got ${sha}`);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('leaves no half file when the connection drops mid-body', async () => {
    const cacheDir = fresh('cut');
    const err = await caught(() => download(`${origin}/cut.bin`, { sha256: sha, cacheDir }));
    expect(err.code).toBe('IO_ERROR');
    expect(err.message).toMatch(/'download' (was interrupted after \d+ bytes of|received \d+ bytes of) '.*\/cut.bin'/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('leaves no half file when aborted', async () => {
    const cacheDir = fresh('abort');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await caught(() => download(`${origin}/slow.bin`, { sha256: sha, cacheDir, signal: controller.signal }));
    expect(err.code).toBe('IO_ERROR');
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'removes the .part file of a stalled download when the process gets %s, then dies of it',
    async (signal) => {
      const cacheDir = fresh(`signal-${signal}`);
      const ended = await killMidDownload(cacheDir, signal);
      expect(ended.signal).toBe(signal);
      expect(readdirSync(cacheDir)).toEqual([]);
    },
  );

  it('leaves the program its own SIGTERM listener (the .part file is still removed)', async () => {
    const cacheDir = fresh('own-listener');
    const ended = await killMidDownload(cacheDir, 'SIGTERM',
      "process.on('SIGTERM', () => { console.error('own'); process.exit(7); });");
    expect(ended.code).toBe(7);
    expect(ended.stderr).toContain('own');
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('removes the .part file of a SIGKILLed process at the next download of it', async () => {
    const cacheDir = fresh('sigkill');
    const ended = await killMidDownload(cacheDir, 'SIGKILL');
    expect(ended.signal).toBe('SIGKILL');
    expect(readdirSync(cacheDir).filter((n) => n.endsWith('.part'))).toHaveLength(1);
    const ours = join(cacheDir, `.slow.bin.${process.pid}.0123456789ab.part`); // a live process's
    writeFileSync(ours, 'x');
    await download(`${origin}/data/fixture.bin`, { sha256: sha, cacheDir, fileName: 'slow.bin' });
    expect(readdirSync(cacheDir).sort())
      .toEqual([`.slow.bin.${process.pid}.0123456789ab.part`, 'slow.bin']);
  });

  it('leaves no signal listener behind once downloads end', async () => {
    const counts = () => ['SIGINT', 'SIGTERM', 'exit'].map((e) => process.listenerCount(e));
    const before = counts();
    await caught(() => download(`${origin}/missing.bin`, { sha256: sha, cacheDir: fresh('lst') }));
    await download(`${origin}/data/fixture.bin`, { sha256: sha, cacheDir: fresh('lst2') });
    expect(counts()).toEqual(before);
  });

  it('refuses a URL whose last segment is bad percent-encoding (%ff): RobustError', async () => {
    const url = `${origin}/data/%ff.bin`;
    const err = await caught(() => download(url, { sha256: sha, cacheDir: fresh('pct') }));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/percent-encoded UTF-8 \('%ff.bin'\); pass \{ fileName \}/);
  });

  it('reports an error status, naming the URL', async () => {
    const err = await caught(() => download(`${origin}/missing.bin`, { sha256: sha, cacheDir: fresh('404') }));
    expect(err.code).toBe('IO_ERROR');
    expect(err.message).toMatch(/'download' cannot fetch 'http:\/\/127\.0\.0\.1:\d+\/missing.bin': the server answered 404 Not Found/);
  });

  it('rejects a file name that escapes the cache folder, a bad checksum and a non-http URL', async () => {
    const cacheDir = fresh('escape');
    const err = await caught(() => download(`${origin}/data/fixture.bin`, { sha256: sha, cacheDir, fileName: '../evil.bin' }));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/Path '\.\.\/evil.bin' used by 'download' resolves to '.*evil.bin', which escapes the root '.*escape'/);
    expect(existsSync(join(base, 'evil.bin'))).toBe(false);
    expect((await caught(() => download(`${origin}/data/fixture.bin`, { sha256: 'abc', cacheDir }))).message).toMatch(/Option 'sha256' passed to 'download' must be the file's SHA-256 as 64 hex digits, got "abc"/);
    expect((await caught(() => download('ftp://example.org/x', { sha256: sha, cacheDir }))).message).toMatch(/Argument 'url' passed to 'download' must be an http\(s\) URL/);
    expect((await caught(() => download(`${origin}/data/fixture.bin`, { sha256: sha, cacheDir, fileName: 'a/b' }))).code).toBe('INVALID_ARGUMENT');
  });
});
