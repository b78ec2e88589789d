#!/usr/bin/env node
// What a new user meets first, checked from the packed tarballs (issue 18): `npm run check:tarballs`.
//
//   1. `npm pack` every published workspace package (the built `dist` must be there: run `npm run build` first).
//   2. Take each package README's opening example: the first ```ts block, the same rule as `readmeExample` of
//      @robustjs/test-utils (the in-repo readme.test.ts files run that same block against the sources). Check its
//      shape: at most 15 lines, none over 100 characters, one statement per line (two statements never start on
//      one line unless one holds the other, as in `if (c) f();`; one declaration per `const`). Check that every
//      package it imports is named in the README's `npm install` line (so it also works with pnpm's strict
//      layout, where only what you install yourself is importable).
//   3. Install all the tarballs, @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm at one version (default: the
//      monorepo's; `--tfjs 4.20.0` tests the lowest of the peer range) and @types/node into a fresh project in the
//      system temp folder, outside the monorepo, so nothing resolves to the workspace. Install scripts run, so
//      @robustjs/native builds its oneDNN addon as it does for a user (it degrades to ok: false without oneDNN;
//      with ROBUSTJS_NATIVE_REQUIRED=1, as in CI, an addon that did not build is a failure).
//   4. Type-check every example with the monorepo's TypeScript (strict) as ESM under `moduleResolution` node16
//      (example.ts, the project is "type": "module") and bundler (example.ts), and as CommonJS under node16
//      (example.cts, see 5).
//   5. Run every example as ESM and as CJS in plain Node. ESM: the README block verbatim, types stripped
//      (ts.transpileModule) into example.mjs. CJS: the import lines stay at the top, the other lines move into
//      `async function main()` (CommonJS has no top-level await), and TypeScript turns the imports into
//      `require` calls (example.cjs); this is how a CommonJS user writes the same example.
//   6. Bundle @robustjs/mmd's example for the browser (esbuild, scripts/bundle-for-browser.mjs): no Node builtin.
//
// The npm cache (~/.npm, `--prefer-offline`) keeps the install fast after the first run. Exits 1 when any
// check fails, printing the failing example's output. Options:
//   --tfjs <version>   @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm version (default: the monorepo's)
//   --only a,b         only these packages (directory names under packages/)
//   --no-types         skip the type-checks        --no-cjs   skip the CommonJS run
//   --jobs <n>         examples run at once (default 2)   --keep   keep the temp project and print its path
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const require = createRequire(join(repo, 'package.json'));
/** @type {typeof import('typescript')} */
const ts = require('typescript');
const tsc = require.resolve('typescript/bin/tsc');

const MAX_LINES = 15;
const MAX_WIDTH = 100;
const RUN_TIMEOUT_MS = 180_000;

// ---- options ----------------------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name) => {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) fail(`${name} needs a value`);
  return v;
};
function fail(msg) {
  console.error(`check-tarballs: ${msg}`);
  process.exit(1);
}
const installed = (name) => JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
const tfjsVersion = value('--tfjs') ?? installed('@tensorflow/tfjs');
const typesNodeVersion = installed('@types/node');
const only = value('--only')?.split(',');
const jobs = Number(value('--jobs') ?? 2);
const keep = flag('--keep');
const withTypes = !flag('--no-types');
const withCjs = !flag('--no-cjs');

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const log = (msg) => console.log(`[check-tarballs ${elapsed()}] ${msg}`);

// ---- the packages and their examples ----------------------------------------------------------------------
/** @typedef {{ dir: string, name: string, readme: string, code: string, problems: string[] }} Pkg */
/** @type {Pkg[]} */
const pkgs = [];
for (const dir of readdirSync(join(repo, 'packages')).sort()) {
  const file = join(repo, 'packages', dir, 'package.json');
  if (!existsSync(file)) continue;
  const pj = JSON.parse(readFileSync(file, 'utf8'));
  if (pj.private) continue;
  if (!existsSync(join(repo, 'packages', dir, 'dist'))) fail(`packages/${dir}/dist is missing: run \`npm run build\` first`);
  const readme = readFileSync(join(repo, 'packages', dir, 'README.md'), 'utf8');
  pkgs.push({ dir, name: pj.name, readme, code: readmeExample(readme, dir), problems: [] });
}
// Every package is packed and installed (they depend on each other); --only narrows the examples checked.
const all = [...pkgs];
if (only) pkgs.splice(0, pkgs.length, ...all.filter((p) => only.includes(p.dir)));
if (pkgs.length === 0) fail(`no package selected (packages: ${all.map((p) => p.dir).join(', ')})`);

/** The first ```ts block: the rule of `readmeExample` in packages/test-utils/src/readmeExample.ts. */
function readmeExample(text, dir) {
  const match = /```ts\n([\s\S]*?)```/.exec(text);
  if (!match?.[1]) fail(`packages/${dir}/README.md has no \`\`\`ts example block`);
  return match[1];
}

/** Shape rules of an opening example: short to read, not short by packing. */
function shapeProblems(code) {
  const out = [];
  const lines = code.trim().split('\n');
  if (lines.length > MAX_LINES) out.push(`${lines.length} lines (at most ${MAX_LINES})`);
  lines.forEach((l, i) => {
    if (l.length > MAX_WIDTH) out.push(`line ${i + 1} is ${l.length} characters (at most ${MAX_WIDTH})`);
  });
  const sf = ts.createSourceFile('example.ts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const lineOf = (n) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
  /** @type {import('typescript').Node[]} */
  const statements = [];
  const visit = (node) => {
    const isStatement = (node.kind >= ts.SyntaxKind.FirstStatement && node.kind <= ts.SyntaxKind.LastStatement)
      || ts.isImportDeclaration(node) || ts.isExportDeclaration(node);
    if (isStatement && !ts.isBlock(node)) statements.push(node);
    if (ts.isVariableDeclarationList(node) && node.declarations.length > 1) {
      out.push(`line ${lineOf(node) + 1} declares ${node.declarations.length} names in one statement`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const contains = (a, b) => a.getStart(sf) <= b.getStart(sf) && b.end <= a.end;
  for (let i = 0; i < statements.length; i++) {
    for (let j = i + 1; j < statements.length; j++) {
      const [a, b] = [statements[i], statements[j]];
      if (lineOf(a) === lineOf(b) && !contains(a, b) && !contains(b, a)) {
        out.push(`line ${lineOf(a) + 1} holds more than one statement`);
      }
    }
  }
  return [...new Set(out)];
}

/** Bare specifiers the example imports, as package names. */
function importedPackages(code) {
  const sf = ts.createSourceFile('example.ts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const names = new Set();
  for (const s of sf.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    const spec = s.moduleSpecifier.text;
    if (spec.startsWith('node:') || spec.startsWith('.')) continue;
    names.add(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
  }
  return names;
}

/** Packages named by the README's first `npm install` command (versions stripped). */
function installLine(readme) {
  const m = /npm (?:install|i) ([^\n`]+)/.exec(readme);
  if (!m?.[1]) return undefined;
  return new Set(m[1].trim().split(/\s+/).filter((w) => !w.startsWith('-'))
    .map((w) => w.replace(/^(@?[^@]+)@.*$/, '$1')));
}

for (const p of pkgs) {
  p.problems.push(...shapeProblems(p.code));
  const install = installLine(p.readme);
  if (install === undefined) p.problems.push('the README has no `npm install ...` line');
  else {
    for (const name of importedPackages(p.code)) {
      if (!install.has(name)) p.problems.push(`the example imports ${name}, which the README's npm install line does not install`);
    }
  }
}

// ---- pack and install -------------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'robustjs-tarballs-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'project');
mkdirSync(tarballs);
mkdirSync(project);
/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  if (keep) console.log(`check-tarballs: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

function npm(args, cwd) {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    fail(`npm ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  }
  return r.stdout;
}

log(`npm pack ${all.length} packages`);
const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', tarballs, ...all.flatMap((p) => ['-w', `packages/${p.dir}`])], repo));
const files = packed.map((x) => join(tarballs, x.filename));
for (const x of packed) {
  if (!x.files.some((f) => f.path === 'LICENSE')) {
    const p = all.find((q) => q.name === x.name);
    if (p && !pkgs.includes(p)) pkgs.push(p);
    p?.problems.push('its tarball has no LICENSE');
  }
}

writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'readme-examples', private: true, type: 'module' }, null, 2)}\n`);
log(`npm install the tarballs, @tensorflow/tfjs@${tfjsVersion}, @tensorflow/tfjs-backend-wasm@${tfjsVersion} into ${project}`);
npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...files,
  `@tensorflow/tfjs@${tfjsVersion}`, `@tensorflow/tfjs-backend-wasm@${tfjsVersion}`, `@types/node@${typesNodeVersion}`], project);
// CI has oneDNN and sets ROBUSTJS_NATIVE_REQUIRED=1: there the tarball's install script must have built the addon.
const addon = join(project, 'node_modules', '@robustjs', 'native', 'build', 'Release', 'robustjs_native.node');
const nativePkg = all.find((p) => p.name === '@robustjs/native');
if (process.env.ROBUSTJS_NATIVE_REQUIRED === '1' && nativePkg && !existsSync(addon)) {
  if (!pkgs.includes(nativePkg)) pkgs.push(nativePkg);
  nativePkg.problems.push('ROBUSTJS_NATIVE_REQUIRED=1 but installing the tarball did not build the oneDNN addon');
}
log(`@robustjs/native's oneDNN addon ${existsSync(addon) ? 'was built by its install script' : 'was not built (its examples run without it)'}`);

// ---- write the examples -----------------------------------------------------------------------------------
/** The CommonJS form: imports on top, the rest inside an async main (no top-level await in CommonJS). */
function cjsForm(code) {
  const lines = code.trim().split('\n');
  const imports = [];
  const body = [];
  for (const l of lines) (/^import\s/.test(l) ? imports : body).push(l);
  return [...imports, '', 'async function main(): Promise<void> {', ...body.map((l) => (l ? `  ${l}` : l)), '}',
    'main().catch((e: unknown) => {', '  console.error(e);', '  process.exitCode = 1;', '});', ''].join('\n');
}
const transpile = (code, module) => ts.transpileModule(code, {
  compilerOptions: { module, target: ts.ScriptTarget.ES2022, esModuleInterop: true, verbatimModuleSyntax: false },
}).outputText;

for (const p of pkgs) {
  const dir = join(project, p.dir);
  mkdirSync(dir);
  writeFileSync(join(dir, 'example.ts'), p.code);
  writeFileSync(join(dir, 'example.mjs'), transpile(p.code, ts.ModuleKind.ESNext));
  writeFileSync(join(dir, 'example.cts'), cjsForm(p.code));
  writeFileSync(join(dir, 'example.cjs'), transpile(cjsForm(p.code), ts.ModuleKind.CommonJS));
}
const strict = { strict: true, target: 'es2022', lib: ['es2022', 'dom'], types: ['node'], noEmit: true, skipLibCheck: true };
writeFileSync(join(project, 'tsconfig.node16.json'), JSON.stringify({
  compilerOptions: { ...strict, module: 'node16', moduleResolution: 'node16' },
  include: pkgs.flatMap((p) => [`${p.dir}/example.ts`, ...(withCjs ? [`${p.dir}/example.cts`] : [])]),
}, null, 2));
writeFileSync(join(project, 'tsconfig.bundler.json'), JSON.stringify({
  compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler' },
  include: pkgs.map((p) => `${p.dir}/example.ts`),
}, null, 2));

// ---- type-check and run, a few at a time ------------------------------------------------------------------
/** Runs a command; resolves with its exit code, output and seconds. */
function run(cmd, args, cwd) {
  return new Promise((done) => {
    const start = Date.now();
    const env = { ...process.env };
    delete env.ROBUSTJS_BACKEND;
    delete env.NODE_OPTIONS;
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => {
      output += `\n(killed after ${RUN_TIMEOUT_MS / 1000} s)`;
      child.kill('SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      children.delete(child);
      clearTimeout(timer);
      done({ code: code ?? (signal ? 1 : 0), output, seconds: (Date.now() - start) / 1000 });
    });
  });
}

/** @type {{ label: string, pkg?: Pkg, cmd: string, args: string[], cwd: string }[]} */
const tasks = [];
if (withTypes) {
  for (const mode of ['node16', 'bundler']) {
    tasks.push({ label: `tsc ${mode}`, cmd: process.execPath, args: [tsc, '-p', `tsconfig.${mode}.json`, '--pretty', 'false'], cwd: project });
  }
}
for (const p of pkgs) {
  const cwd = join(project, p.dir);
  tasks.push({ label: 'esm', pkg: p, cmd: process.execPath, args: ['example.mjs'], cwd });
  if (withCjs) tasks.push({ label: 'cjs', pkg: p, cmd: process.execPath, args: ['example.cjs'], cwd });
}
// The packed @robustjs/mmd also bundles for browsers (issue 19): its example, from this project's node_modules.
const mmdPkg = pkgs.find((p) => p.dir === 'mmd');
if (mmdPkg) {
  tasks.push({ label: 'browser', pkg: mmdPkg, cmd: process.execPath,
    args: [join(repo, 'scripts', 'bundle-for-browser.mjs'), 'example.mjs'], cwd: join(project, 'mmd') });
}
log(`${tasks.length} checks, ${jobs} at a time`);
/** @type {Map<string, Map<string, string>>} package dir → check → result cell */
const cells = new Map(pkgs.map((p) => [p.dir, new Map()]));
let next = 0;
async function worker() {
  while (next < tasks.length) {
    const task = tasks[next++];
    const r = await run(task.cmd, task.args, task.cwd);
    if (task.pkg) {
      cells.get(task.pkg.dir).set(task.label, r.code === 0 ? `ok ${r.seconds.toFixed(1)}s` : 'FAIL');
      if (r.code !== 0) task.pkg.problems.push(`${task.label.toUpperCase()} run failed (exit ${r.code}):\n${tail(r.output)}`);
    } else {
      const mode = task.label.split(' ')[1];
      // tsc prints `<dir>/example.ts(line,col): error ...` and indented detail lines: give each to its package.
      const errors = [];
      for (const l of r.output.split('\n')) {
        if (/\berror TS\d+/.test(l)) errors.push(l);
        else if (/^\s/.test(l) && errors.length) errors[errors.length - 1] += `\n      ${l.trim()}`;
      }
      for (const p of pkgs) {
        const mine = errors.filter((l) => l.startsWith(`${p.dir}/`));
        cells.get(p.dir).set(mode, mine.length === 0 ? 'ok' : 'FAIL');
        if (mine.length) p.problems.push(`type errors (${mode}):\n${mine.map((l) => `    ${l}`).join('\n')}`);
      }
      const stray = errors.filter((l) => !pkgs.some((p) => l.startsWith(`${p.dir}/`)));
      if (r.code !== 0 && errors.length === 0) stray.push(tail(r.output));
      if (stray.length) pkgs[0].problems.push(`type errors outside the examples (${mode}):\n${stray.join('\n')}`);
    }
    log(`${task.label}${task.pkg ? ` ${task.pkg.name}` : ''}: ${r.code === 0 ? 'ok' : 'FAIL'} (${r.seconds.toFixed(1)}s)`);
  }
}
function tail(text, n = 40) {
  return text.trimEnd().split('\n').slice(-n).map((l) => `    ${l}`).join('\n');
}
await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));

// ---- report -----------------------------------------------------------------------------------------------
const columns = ['lines', 'width', ...(withTypes ? ['node16', 'bundler'] : []), 'esm', ...(withCjs ? ['cjs'] : []),
  ...(mmdPkg ? ['browser'] : [])];
const rows = pkgs.map((p) => {
  const lines = p.code.trim().split('\n');
  const c = cells.get(p.dir);
  c.set('lines', String(lines.length));
  c.set('width', String(Math.max(...lines.map((l) => l.length))));
  return [p.name, ...columns.map((k) => c.get(k) ?? '-')];
});
const header = ['package', ...columns];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (r) => r.map((v, i) => v.padEnd(widths[i])).join('  ');
console.log(`\nREADME examples from the tarballs, @tensorflow/tfjs ${tfjsVersion}, Node ${process.version}:`);
console.log(fmt(header));
for (const r of rows) console.log(fmt(r));
const failed = pkgs.filter((p) => p.problems.length > 0);
for (const p of failed) {
  console.error(`\n${p.name} (packages/${p.dir}/README.md):`);
  for (const problem of p.problems) console.error(`  - ${problem}`);
}
if (failed.length) {
  console.error(`\ncheck-tarballs: ${failed.length} of ${pkgs.length} packages fail (${elapsed()})`);
  process.exit(1);
}
log(`all ${pkgs.length} README examples pass`);
