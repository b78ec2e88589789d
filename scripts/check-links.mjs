#!/usr/bin/env node
// Link checker for the built typedoc site, no network: `node scripts/check-links.mjs [docs/api]`.
//
// Walks every .html file under the site and checks each href/src (and every url(...) in its .css files, and
// the page paths in typedoc's compressed navigation and search data):
// - a relative link must resolve to an existing file inside the site, and its #anchor, when it has one, to an
//   id (or <a name>) in that file, so the site works over file:// and over HTTP alike;
// - an absolute http(s) link must name a real host: a bare word or a file name taken for a host (the
//   `http://PAPERS.md` a TSDoc `[x](PAPERS.md)` became) is broken; other external links are not fetched;
// - a root-relative `/x` link is broken (it points outside the site over file://).
// Prints the counts and each broken link with the page it is on; exits 1 if any is broken.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { inflateSync } from 'node:zlib';

const root = resolve(process.argv[2] ?? 'docs/api');
if (!existsSync(join(root, 'index.html'))) {
  console.error(`check-links: ${root}/index.html not found; build the site first (npm run docs)`);
  process.exit(2);
}

/** @param {string} dir @returns {string[]} */
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const files = walk(root);
/** @type {Map<string, Set<string>>} ids per file, read lazily */
const idCache = new Map();
/** @param {string} file */
function idsOf(file) {
  let ids = idCache.get(file);
  if (!ids) {
    const text = readFileSync(file, 'utf8');
    ids = new Set([...text.matchAll(/\s(?:id|name)="([^"]+)"/g)].map((m) => decodeEntities(m[1] ?? '')));
    idCache.set(file, ids);
  }
  return ids;
}
/** @param {string} s */
function decodeEntities(s) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const FILE_LIKE_HOST = /\.(md|mdx|ts|tsx|mts|cts|js|mjs|cjs|json|html?|txt|png|svg|py|sh|ya?ml)$/i;
const counts = { relative: 0, anchors: 0, external: 0, pages: files.filter((f) => f.endsWith('.html')).length };
/** @type {string[]} */
const broken = [];

/**
 * @param {string} from the file the link is in
 * @param {string} raw the link as written
 */
function check(from, raw) {
  const link = decodeEntities(raw.trim());
  const where = relative(root, from);
  if (link === '' || /^(mailto|data|javascript|blob):/i.test(link)) return;
  if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('//')) {
    counts.external++;
    let host = '';
    try {
      const url = new URL(link.startsWith('//') ? `https:${link}` : link);
      if (!/^https?:$/.test(url.protocol)) return;
      host = url.hostname;
    } catch {
      broken.push(`${where}: malformed URL ${link}`);
      return;
    }
    if (!host.includes('.') || FILE_LIKE_HOST.test(host)) broken.push(`${where}: bogus external link ${link}`);
    return;
  }
  if (link.startsWith('/')) {
    broken.push(`${where}: root-relative link ${link} (breaks over file://)`);
    return;
  }
  const [pathAndQuery = '', fragment] = link.split('#', 2);
  const path = pathAndQuery.split('?')[0] ?? '';
  const target = path === '' ? from : resolve(dirname(from), decodeURIComponent(path));
  if (path !== '') counts.relative++;
  if (!(target + sep).startsWith(root + sep) && target !== root) {
    broken.push(`${where}: ${link} leaves the site`);
    return;
  }
  if (!existsSync(target) || statSync(target).isDirectory()) {
    broken.push(`${where}: ${link} → missing file ${relative(root, target)}`);
    return;
  }
  if (fragment) {
    counts.anchors++;
    const ext = extname(target);
    if ((ext === '.html' || ext === '.svg') && !idsOf(target).has(decodeURIComponent(fragment))) {
      broken.push(`${where}: ${link} → no #${fragment} in ${relative(root, target)}`);
    }
  }
}

for (const file of files) {
  if (file.endsWith('.html')) {
    const html = readFileSync(file, 'utf8');
    for (const m of html.matchAll(/<(?:a|link|script|img|use|iframe|source)\b[^>]*?\s(?:href|src)="([^"]*)"/g)) {
      check(file, m[1] ?? '');
    }
  } else if (file.endsWith('.css')) {
    const css = readFileSync(file, 'utf8');
    for (const m of css.matchAll(/url\(\s*['"]?([^'")]+)['"]?\s*\)/g)) check(file, m[1] ?? '');
  }
}

// The sidebar and the search index are built by scripts from compressed JSON; their paths are relative to the
// site root (typedoc's data-base).
/** @param {string} name @returns {any} */
function typedocData(name) {
  const file = join(root, 'assets', name);
  if (!existsSync(file)) return undefined;
  const encoded = readFileSync(file, 'utf8').match(/"([A-Za-z0-9+/=]+)"/)?.[1];
  return encoded ? JSON.parse(inflateSync(Buffer.from(encoded, 'base64')).toString('utf8')) : undefined;
}
const indexFile = join(root, 'index.html');
/** @param {any[]} nodes */
function checkNav(nodes) {
  for (const node of nodes ?? []) {
    if (node.path) check(indexFile, node.path);
    checkNav(node.children);
  }
}
checkNav(typedocData('navigation.js'));
for (const row of typedocData('search.js')?.rows ?? []) check(indexFile, row.url);

console.log(
  `check-links: ${counts.pages} pages, ${counts.relative} relative links (${counts.anchors} with #anchors) ` +
    `and ${counts.external} external links checked in ${relative(process.cwd(), root) || '.'}; ${broken.length} broken`,
);
for (const b of broken.slice(0, 200)) console.log(`  ${b}`);
if (broken.length > 200) console.log(`  … and ${broken.length - 200} more`);
process.exit(broken.length ? 1 : 0);
