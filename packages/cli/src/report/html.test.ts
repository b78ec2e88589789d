// Regression tests for issue 24, defect 2: hostile strings in shard reports must not become live HTML.
import { describe, expect, it } from 'vitest';
import { DEMO_PROTOCOL } from '../protocol';
import { REPORT_CSP, renderHtml } from './html';
import { mergeReports } from './merge';

const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABc3UBGAAAAABJRU5ErkJggg==';
const ATTR = 'x" onerror="alert(1)';
const SCRIPT = '<script>alert(2)</script>';

/** A one-shard partial report whose example strings and label are `hostile` where given. */
function hostileShard(hostile: { clean?: string; adversarial?: string; label?: string; className?: string }): unknown {
  return {
    format: 'robustjs-report', version: 2, shard: { index: 0, count: 1, batches: [0, 1] }, protocol: DEMO_PROTOCOL,
    environment: { backend: 'wasm', native: false, node: 'v20', seconds: 1, shards: 1 },
    examples: [{ index: 0, label: 1, clean: hostile.clean ?? PNG }], classNames: ['T-shirt', hostile.className ?? 'Trouser'], skipped: [], summary: [],
    results: [{ position: 0, label: hostile.label ?? 'Undefended', base: null,
      examples: [{ index: 0, adversarial: hostile.adversarial ?? PNG, purifiedClean: PNG, purifiedAdversarial: PNG }],
      defense: { label: 'Undefended', kind: 'undefended', modifies: null, settings: {}, surface: 'the classifier' },
      attacks: [{ name: 'pgd-eot', settings: {}, description: 'PGD' }],
      images: [{ index: 0, row: 0, label: 1, clean: 1, adversarial: 1, brokenBy: null }],
      batches: [{ batch: 0, size: 1, seconds: { clean: 1, attack: 2, adversarial: 1 }, info: { clean: {}, adversarial: [] } }] }],
  };
}

/** Every `<img>` tag's attributes: exactly one `src` (a PNG data URI), an `alt`, a width and a height. */
function imgTags(html: string): string[] {
  return [...html.matchAll(/<img\b[^>]*>/g)].map((m) => m[0]);
}

describe('renderHtml on hostile shard reports (through merge)', () => {
  it('drops an image string with an attribute break-out and escapes a <script> label and class name', () => {
    const html = renderHtml(mergeReports([hostileShard({ adversarial: ATTR, clean: `${PNG}" onload="alert(3)`, label: SCRIPT, className: SCRIPT })]));
    expect(html.toLowerCase()).not.toContain('<script');
    expect(html).not.toContain('onerror');
    expect(html).not.toContain('onload');
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain('(adversarial 0: not a PNG data URI, omitted)');
    expect(html).toContain('(clean 0: not a PNG data URI, omitted)');
    const imgs = imgTags(html);
    expect(imgs).toEqual([`<img src="${PNG}" alt="purified adversarial 0" width="84" height="84">`]);
  });

  it('keeps valid PNG data URIs and sets a Content-Security-Policy that forbids scripts', () => {
    const html = renderHtml(mergeReports([hostileShard({})]));
    expect(REPORT_CSP).toBe("default-src 'none'; img-src data:; style-src 'unsafe-inline'");
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<style>'));
    expect(imgTags(html).map((t) => /alt="([^"]*)"/.exec(t)?.[1])).toEqual(['clean 0', 'adversarial 0', 'purified adversarial 0']);
    expect(html).not.toContain('not a PNG data URI');
  });

  it('rejects data URIs of other types or with characters outside base64', () => {
    for (const src of ['data:image/svg+xml;base64,PHN2Zz4=', 'javascript:alert(1)', `${PNG}<`, 'data:image/png;base64,', `${PNG} x`]) {
      const html = renderHtml(mergeReports([hostileShard({ adversarial: src })]));
      expect(imgTags(html)).toHaveLength(2);
      expect(html).toContain('(adversarial 0: not a PNG data URI, omitted)');
      expect(html).not.toContain('svg+xml');
      expect(html).not.toContain('javascript:');
    }
  });
});
