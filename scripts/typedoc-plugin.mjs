// @ts-check
/**
 * robustjs's local typedoc plugin (typedoc 0.28), loaded through `plugin` in typedoc.json.
 *
 * 1. Maths rendered at build time with KaTeX (no script in the page, so it works offline and over file://):
 *    inline maths is written `` $`\bar\alpha_t`$ `` and display maths as a fenced block with the language
 *    `math`, the two forms GitHub also renders. Both are code to the TSDoc lexer, so LaTeX braces need no
 *    escaping and raise no "unescaped brace" warning. A LaTeX error fails the build (treatWarningsAsErrors).
 *    KaTeX's CSS and fonts are copied to `assets/katex/` and linked from the pages that contain maths.
 * 2. Icons without an external sprite: typedoc's pages draw their icons with `<use href="../assets/icons.svg#icon-x">`,
 *    a reference to another file, which a browser may refuse for a page opened from file:// (each file its own
 *    origin) and which icons.js only patches after it has loaded, with JavaScript on. Each page gets the symbols it
 *    uses inline and refers to them as `#icon-x`, so its icons need neither the network, nor the file policy, nor
 *    JavaScript. (icons.js still adds the whole sprite for the icons the scripts draw later.)
 * 3. Links into another package read as the name they point to, not `@robustjs/core!index.RobustError`
 *    (see shortenPackageLinks).
 * 4. No dead "View Summary" links to hierarchy.html (see dropDeadHierarchyLinks).
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
  md.renderer.rules.fence = (/** @type {any[]} */ tokens, /** @type {number} */ idx, /** @type {any[]} */ ...rest) => {
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

/** @param {import('typedoc').Application} app */
export function load(app) {
  // Options are reset after plugins load: set the loader once they have been read.
  app.on(Application.EVENT_BOOTSTRAP_END, () => {
    app.options.setValue('markdownItLoader', (/** @type {any} */ md) => mathPlugin(app, md));
  });

  app.renderer.on(RendererEvent.BEGIN, (/** @type {RendererEvent} */ event) => shortenPackageLinks(event.project));

  app.renderer.on(PageEvent.END, (/** @type {PageEvent} */ page) => {
    if (!page.contents || !page.contents.includes('class="katex"')) return;
    const depth = page.url.split('/').length - 1;
    const href = `${'../'.repeat(depth)}assets/katex/katex.min.css`;
    // Display maths wider than the column scrolls inside it instead of running under the page's sidebar.
    const style = '<style>.rjs-math{overflow-x:auto;overflow-y:hidden;max-width:100%}</style>';
    page.contents = page.contents.replace('</head>', `<link rel="stylesheet" href="${href}"/>${style}</head>`);
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
  app.renderer.on(RendererEvent.END, (/** @type {RendererEvent} */ event) => inlineIcons(app, event.outputDirectory));
}

/**
 * A link written as a declaration reference into another package, `{@link @robustjs/core!index.RobustError}`, is
 * shown as written unless it has its own text: the reader saw `@robustjs/core!index.RobustError` after every
 * `@throws`. Once links are resolved (before rendering), such a link's text becomes the name it refers to within its
 * module (`RobustError`, `Defense.classify`), or the package name for a link to a whole package. Links with their own
 * text, and every other link, keep their text (typedoc's `preserveLinkText`).
 * @param {import('typedoc').ProjectReflection} project
 */
function shortenPackageLinks(project) {
  /** @param {readonly any[] | undefined} parts */
  const fix = (parts) => {
    for (const part of parts ?? []) {
      if (part.kind !== 'inline-tag' || !String(part.tag).startsWith('@link') || part.target === undefined) continue;
      const m = /^\s*(@[\w.-]+\/[\w.-]+)!(?:(?:index|node|register)\.(?=.))?(.*?)\s*$/.exec(part.text);
      if (m) part.text = m[2] || m[1];
    }
  };
  /** @param {any} comment */
  const fixComment = (comment) => {
    if (!comment) return;
    fix(comment.summary);
    for (const tag of comment.blockTags ?? []) fix(tag.content);
  };
  fix(project.readme);
  fixComment(project.comment);
  for (const reflection of Object.values(project.reflections)) {
    const r = /** @type {any} */ (reflection);
    fixComment(r.comment);
    fix(r.content);
    fix(r.readme);
  }
}

/**
 * The theme's icons as `<symbol id="icon-x">` markup, exactly as typedoc writes them into assets/icons.svg (which
 * happens after RendererEvent.END, in a post-render job, so the file cannot be read here).
 * @param {import('typedoc').Application} app
 * @returns {Map<string, string>}
 */
function iconSymbols(app) {
  const theme = /** @type {any} */ (app.renderer.theme);
  const icons = theme?.icons ?? {};
  /** @type {Map<string, string>} */
  const symbols = new Map();
  for (const [name, icon] of Object.entries(icons)) {
    const svg = /** @type {any} */ (icon).call(icons);
    const className = svg.props && 'class' in svg.props ? `${String(svg.props.class)} tsd-no-select` : 'tsd-no-select';
    const symbol = JSX.createElement('symbol', { ...(svg.props || {}), id: `icon-${name}`, class: className }, svg.children);
    symbols.set(`icon-${name}`, JSX.renderElement(symbol));
  }
  return symbols;
}

/**
 * Replaces every page's references into assets/icons.svg by the symbols themselves (see the header, item 2).
 * @param {import('typedoc').Application} app
 * @param {string} outDir
 */
function inlineIcons(app, outDir) {
  const symbols = iconSymbols(app);
  /** @param {string} dir */
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'assets') walk(path);
        continue;
      }
      if (!entry.name.endsWith('.html')) continue;
      const html = readFileSync(path, 'utf8');
      /** @type {Set<string>} */
      const used = new Set();
      const rewritten = html.replace(/href="[^"]*assets\/icons\.svg#([^"]+)"/g, (whole, id) => {
        if (!symbols.has(id)) return whole;
        used.add(id);
        return `href="#${id}"`;
      });
      if (used.size === 0) continue;
      const inline = `<svg xmlns="http://www.w3.org/2000/svg" style="display:none" aria-hidden="true">${[...used].map((id) => symbols.get(id)).join('')}</svg>`;
      writeFileSync(path, rewritten.replace(/<body>/, `<body>${inline}`));
    }
  };
  walk(outDir);
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
