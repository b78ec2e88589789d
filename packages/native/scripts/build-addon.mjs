#!/usr/bin/env node
// Builds the oneDNN addon (build/Release/robustjs_native.node) with node-gyp when a C++ compiler, make,
// python3 and the oneDNN headers are present.
//
//   node scripts/build-addon.mjs            the package's install script: never fails the install;
//                                           when something is missing it says what and exits 0
//   node scripts/build-addon.mjs --strict   `npm run build:addon`: exits 1 when the addon cannot be built
//
// ROBUSTJS_NATIVE=0 skips the build (the package then runs with the stock tfjs kernels).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findDnnl } from './dnnl-config.mjs';

const strict = process.argv.includes('--strict');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => process.stderr.write(`@robustjs/native: ${msg}\n`);

function giveUp(msg) {
  say(`${msg}`);
  say('the addon was not built; @robustjs/native will report ok: false and tfjs keeps its own kernels.');
  say('to build it later: install a C++ compiler, make, python3 and oneDNN (Debian/Ubuntu: apt-get install -y g++ ' +
    'make python3 libdnnl-dev), then run `npm rebuild @robustjs/native --foreground-scripts` in your project (in a ' +
    'robustjs checkout: `npm run build:addon -w @robustjs/native`).');
  process.exit(strict ? 1 : 0);
}

function has(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

if (process.env.ROBUSTJS_NATIVE === '0') giveUp('ROBUSTJS_NATIVE=0: skipping the native build.');

const cxx = process.env.CXX || 'c++';
if (!has(cxx) && !has('g++') && !has('clang++')) giveUp(`no C++ compiler found (tried ${cxx}, g++, clang++).`);
if (!has('make')) giveUp('`make` not found.');
if (!has('python3')) giveUp('`python3` not found (node-gyp needs it).');
const dnnl = findDnnl();
if (!dnnl) giveUp('oneDNN headers (oneapi/dnnl/dnnl.hpp) not found in /usr/include, /usr/local/include or $ONEDNN_ROOT/include.');

function nodeGyp() {
  const require = createRequire(join(root, 'package.json'));
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // not a dependency: fall back to the one npm bundles
  }
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    process.env.npm_execpath ? join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js') : undefined,
  ];
  return candidates.find((c) => c && existsSync(c));
}

const gyp = nodeGyp();
if (!gyp) giveUp('node-gyp not found (neither a dependency nor the copy bundled with npm).');

const args = [gyp, 'rebuild', '--release'];
// Use the headers of the running node when they are installed beside it, so no download is needed.
const prefix = resolve(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
if (!process.env.JOBS) args.push('--jobs=max');

say(`building the oneDNN addon (oneDNN headers in ${dnnl.include}) ...`);
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
const out = join(root, 'build', 'Release', 'robustjs_native.node');
if (r.status !== 0 || !existsSync(out)) giveUp(`node-gyp failed (exit ${r.status ?? r.signal}).`);
say(`built ${out}`);
