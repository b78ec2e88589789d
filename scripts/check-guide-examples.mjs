#!/usr/bin/env node
// Type-checks every ```ts block of the guides (docs/guides/*.md) against the workspace sources:
// `node scripts/check-guide-examples.mjs`. Each block is one self-contained module (imports included, every name
// defined), compiled with the repository's strict settings; an error is reported at its line in the guide.
// Only errors inside the blocks count (the packages are type-checked by `npm run typecheck`).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const guides = join(repo, 'docs', 'guides');
const require = createRequire(join(repo, 'package.json'));
/** @type {typeof import('typescript')} */
const ts = require('typescript');

const dir = mkdtempSync(join(tmpdir(), 'robustjs-guide-examples-'));
symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
/** @type {Map<string, { guide: string, line: number }>} example file → where its block starts in the guide */
const origin = new Map();
for (const name of readdirSync(guides).filter((f) => f.endsWith('.md')).sort()) {
  const lines = readFileSync(join(guides, name), 'utf8').split('\n');
  let block = -1;
  let start = 0;
  /** @type {string[]} */
  let body = [];
  lines.forEach((line, i) => {
    if (block < 0 && /^```ts\s*$/.test(line)) {
      block = origin.size;
      start = i + 2; // 1-based line of the block's first code line
      body = [];
    } else if (block >= 0 && /^```\s*$/.test(line)) {
      const file = join(dir, `${name.replace(/\.md$/, '')}-${block}.ts`);
      writeFileSync(file, `${body.join('\n')}\nexport {};\n`);
      origin.set(file, { guide: relative(repo, join(guides, name)), line: start });
      block = -1;
    } else if (block >= 0) {
      body.push(line);
    }
  });
}

const base = ts.readConfigFile(join(repo, 'tsconfig.base.json'), ts.sys.readFile).config;
const parsed = ts.parseJsonConfigFileContent(
  { ...base, compilerOptions: { ...base.compilerOptions, noEmit: true, declaration: false, sourceMap: false } },
  ts.sys,
  dir,
);
const program = ts.createProgram([...origin.keys()], parsed.options);
let errors = 0;
for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
  const file = diagnostic.file ? resolve(diagnostic.file.fileName) : undefined;
  const from = file === undefined ? undefined : origin.get(file);
  if (!from || !diagnostic.file || diagnostic.start === undefined) continue;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  console.log(`${from.guide}:${from.line + line}:${character + 1} - TS${diagnostic.code}: ${text}`);
  errors++;
}
rmSync(dir, { recursive: true, force: true });
console.log(`check-guide-examples: ${origin.size} TypeScript examples in docs/guides type-checked; ${errors} errors`);
process.exit(errors ? 1 : 0);
