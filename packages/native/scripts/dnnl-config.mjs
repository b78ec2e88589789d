#!/usr/bin/env node
// Locates the system oneDNN (Debian/Ubuntu: `apt-get install libdnnl-dev`) for binding.gyp and for
// build-addon.mjs. A custom install is found through ONEDNN_ROOT (or DNNL_ROOT): <root>/include and
// <root>/lib. Prints, for `--include`, the include directory; for `--libdir-flags`, the -L/-rpath flags
// (nothing for the system library directories); without flags, a JSON summary.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const HEADER = join('oneapi', 'dnnl', 'dnnl.hpp');

/** @returns {{ include: string, libdir: string | undefined } | undefined} */
export function findDnnl() {
  const root = process.env.ONEDNN_ROOT || process.env.DNNL_ROOT;
  if (root) {
    const include = join(root, 'include');
    if (!existsSync(join(include, HEADER))) return undefined;
    const libdir = ['lib', 'lib64', join('lib', 'x86_64-linux-gnu')].map((d) => join(root, d)).find((d) => existsSync(d));
    return { include, libdir };
  }
  for (const include of ['/usr/include', '/usr/local/include', '/opt/homebrew/include']) {
    if (existsSync(join(include, HEADER))) {
      const system = include === '/usr/include';
      const libdir = system ? undefined : join(include, '..', 'lib');
      return { include, libdir };
    }
  }
  return undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const found = findDnnl();
  const flag = process.argv[2];
  if (flag === '--include') {
    process.stdout.write(found ? found.include : '');
  } else if (flag === '--libdir-flags') {
    process.stdout.write(found?.libdir ? `-L${found.libdir} -Wl,-rpath,${found.libdir}` : '');
  } else {
    process.stdout.write(`${JSON.stringify(found ?? null)}\n`);
  }
}
