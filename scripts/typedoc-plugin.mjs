// @ts-check
/**
 * robustjs's local typedoc plugin (typedoc 0.28), loaded through `plugin` in typedoc.json.
 *
 * 1. Maths rendered at build time with KaTeX (no script in the page, so it works offline and over file://):
 *    inline maths is written `` $`\bar\alpha_t`$ `` and display maths as a fenced block with the language
 *    `math`, the two forms GitHub also renders. Both are code to the TSDoc lexer, so LaTeX braces need no
 *    escaping and raise no "unescaped brace" warning. A LaTeX error fails the build (treatWarningsAsErrors).
 *    KaTeX's CSS and fonts are copied to `assets/katex/` and linked from the pages that contain maths.
 * 2. Icons over file://: typedoc's icons.js rewrites `assets/icons.svg#icon-x` to the inlined `#icon-x` only
 *    for the `<use>` elements present when it runs; the navigation tree, search results and hierarchy are
 *    built later by other scripts, and their icons point at the external sprite, which Chromium refuses to load
 *    from a file:// page. A small observer rewrites those as they are added.
 */
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Application, JSX, PageEvent, RendererEvent } from 'typedoc';

const require = createRequire(import.meta.url);
/** @type {import('katex')} */
const katex = require('katex');
const katexDist = join(dirname(require.resolve('katex/package.json')), 'dist');

/**
 * Renders LaTeX to HTML; a parse error is reported through the logger (a warning, so the build fails).
 * @param {import('typedoc').Application} app
 * @param {string} tex
 * @param {boolean} displayMode
 */
function renderTex(app, tex, displayMode) {
  try {
    return katex.renderToString(tex, { displayMode, throwOnError: true, output: 'html', strict: 'error' });
  } catch (error) {
    app.logger.warn(`KaTeX could not render ${JSON.stringify(tex)}: ${error instanceof Error ? error.message : error}`);
    return `<code>${tex.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</code>`;
  }
}

/**
 * The markdown-it plugin: ```math fences and $`…`$ inline code become KaTeX HTML.
 * @param {import('typedoc').Application} app
 * @param {any} md a markdown-it instance
 */
function mathPlugin(app, md) {
  const fence = md.renderer.rules.fence;
  md.renderer.rules.fence = (/** @type {any[]} */ tokens, /** @type {number} */ idx, ...rest) => {
    const token = tokens[idx];
    if (token.info.trim() === 'math') {
      return `<div class="rjs-math">${renderTex(app, token.content, true)}</div>\n`;
    }
    return fence(tokens, idx, ...rest);
  };
  md.core.ruler.push('robustjs_inline_math', (/** @type {any} */ state) => {
    for (const block of state.tokens) {
      if (block.type !== 'inline' || !block.children) continue;
      const kids = block.children;
      for (let i = 1; i < kids.length - 1; i++) {
        const [before, code, after] = [kids[i - 1], kids[i], kids[i + 1]];
        if (code.type !== 'code_inline' || before.type !== 'text' || after.type !== 'text') continue;
        if (!before.content.endsWith('$') || !after.content.startsWith('$')) continue;
        before.content = before.content.slice(0, -1);
        after.content = after.content.slice(1);
        code.type = 'html_inline';
        code.content = renderTex(app, code.content, false);
      }
    }
  });
}

/** Rewrites `<use href="…icons.svg#icon-x">` to `#icon-x` on file:// pages, also for elements added later. */
const FILE_ICON_FIX = `(function () {
  if (location.protocol !== "file:") return;
  function fix(root) {
    root.querySelectorAll && root.querySelectorAll("use").forEach(function (el) {
      var href = el.getAttribute("href");
      if (href && href.indexOf("#icon-") > 0) el.setAttribute("href", href.replace(/.*#/, "#"));
    });
  }
  fix(document);
  new MutationObserver(function (records) {
    records.forEach(function (r) { r.addedNodes.forEach(function (n) { if (n.nodeType === 1) fix(n.parentNode || n); }); });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();`;

/** @param {import('typedoc').Application} app */
export function load(app) {
  // Options are reset after plugins load: set the loader once they have been read.
  app.on(Application.EVENT_BOOTSTRAP_END, () => {
    app.options.setValue('markdownItLoader', (/** @type {any} */ md) => mathPlugin(app, md));
  });

  app.renderer.hooks.on('body.end', () => JSX.createElement('script', null, JSX.createElement(JSX.Raw, { html: FILE_ICON_FIX })));

  app.renderer.on(PageEvent.END, (/** @type {PageEvent} */ page) => {
    if (!page.contents || !page.contents.includes('class="katex"')) return;
    const depth = page.url.split('/').length - 1;
    const href = `${'../'.repeat(depth)}assets/katex/katex.min.css`;
    page.contents = page.contents.replace('</head>', `<link rel="stylesheet" href="${href}"/></head>`);
  });

  app.renderer.on(RendererEvent.END, (/** @type {RendererEvent} */ event) => {
    const out = join(event.outputDirectory, 'assets', 'katex');
    mkdirSync(join(out, 'fonts'), { recursive: true });
    // woff2 only: every browser that runs the site's own scripts reads it; the .woff/.ttf fallbacks go.
    const css = readFileSync(join(katexDist, 'katex.min.css'), 'utf8').replace(
      /src:url\((fonts\/[^)]+\.woff2)\) format\("woff2"\)(,url\([^)]+\) format\("[a-z]+"\))*/g,
      'src:url($1) format("woff2")',
    );
    writeFileSync(join(out, 'katex.min.css'), css);
    for (const file of readdirSync(join(katexDist, 'fonts'))) {
      if (file.endsWith('.woff2')) cpSync(join(katexDist, 'fonts', file), join(out, 'fonts', file));
    }
    dropDeadHierarchyLinks(event.outputDirectory);
  });
}

/**
 * typedoc links every interface's "Hierarchy (View Summary)" to hierarchy.html#<id>, but that page lists only the
 * trees that start at a documented class or interface: an interface extending a type alias (core's
 * `DefenseInfo`) gets a link to an anchor that does not exist. Those links are dropped; the others stay.
 * @param {string} outDir
 */
function dropDeadHierarchyLinks(outDir) {
  const hierarchy = join(outDir, 'hierarchy.html');
  let ids;
  try {
    ids = new Set([...readFileSync(hierarchy, 'utf8').matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  } catch {
    return;
  }
  for (const dir of ['classes', 'interfaces']) {
    let names;
    try {
      names = readdirSync(join(outDir, dir));
    } catch {
      continue;
    }
    for (const name of names) {
      const file = join(outDir, dir, name);
      const html = readFileSync(file, 'utf8');
      const fixed = html.replace(
        /<h4>([^<(]*)\(<a href="[^"]*hierarchy\.html#([^"]+)">[^<]*<\/a>\)<\/h4>/g,
        (whole, title, id) => (ids.has(id) ? whole : `<h4>${title.trim()}</h4>`),
      );
      if (fixed !== html) writeFileSync(file, fixed);
    }
  }
}
