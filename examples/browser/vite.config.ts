import { cpSync, createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/** Static folders the page fetches: the zoo's models, the embedded Fashion-MNIST test split, tfjs's wasm files. */
export const STATIC: Record<string, string> = {
  models: join(root, 'packages/zoo/models'),
  data: join(root, 'packages/datasets/data'),
  wasm: join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'),
};

/** Cross-origin isolation, so that tfjs's wasm backend may use threads (SharedArrayBuffer). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Serves STATIC in dev and copies it (wasm: only the .wasm files) into the build. */
function staticFolders(): Plugin {
  let outDir = '';
  return {
    name: 'robustjs-static-folders',
    configResolved(c) {
      outDir = resolve(c.root, c.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const [, top, ...rest] = (req.url ?? '').split('?')[0]!.split('/');
        const dir = top !== undefined ? STATIC[top] : undefined;
        const file = dir !== undefined ? join(dir, ...rest) : '';
        if (
          dir === undefined ||
          !file.startsWith(dir) ||
          !existsSync(file) ||
          !statSync(file).isFile()
        )
          return next();
        res.setHeader(
          'Content-Type',
          file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream',
        );
        createReadStream(file).pipe(res);
      });
    },
    writeBundle() {
      for (const [name, dir] of Object.entries(STATIC)) {
        cpSync(dir, join(outDir, name), {
          recursive: true,
          filter: (src) => name !== 'wasm' || statSync(src).isDirectory() || src.endsWith('.wasm'),
        });
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  // workspace packages resolve to their TypeScript sources, as in the tests
  resolve: { conditions: ['@robustjs/source', 'browser', 'module', 'import', 'default'] },
  plugins: [staticFolders()],
  server: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8000 },
  logLevel: 'warn',
});
