import { FASHION_MNIST_CLASSES } from '@robustjs/datasets';

/** The element with this id (the page's HTML defines them all). */
export function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page has no #${id}`);
  return e as T;
}

/** Shows `message` in the error banner (role=alert), or hides it for `undefined`. */
export function showError(message: string | undefined): void {
  const box = el('error');
  box.textContent = message ?? '';
  box.hidden = message === undefined;
}

/** A 28×28 image as a canvas scaled ×2; `pixels` holds one image in [0,1]. */
export function thumbnail(pixels: Float32Array): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = 28;
  c.height = 28;
  const ctx = c.getContext('2d') as CanvasRenderingContext2D;
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round((pixels[i] ?? 0) * 255);
    img.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
  c.className = 'thumb';
  return c;
}

/** The grid of images with their predicted classes (red when a known label differs). */
export function renderGrid(
  pixels: Float32Array,
  predictions: Int32Array,
  labels?: Int32Array,
): void {
  const grid = el('grid');
  grid.replaceChildren();
  predictions.forEach((p, k) => {
    const cell = document.createElement('figure');
    cell.append(thumbnail(pixels.subarray(k * 784, (k + 1) * 784)));
    const cap = document.createElement('figcaption');
    cap.textContent = FASHION_MNIST_CLASSES[p] ?? String(p);
    if (labels !== undefined && labels[k] !== p) cell.classList.add('wrong');
    cell.append(cap);
    grid.append(cell);
  });
}

/** Appends a table row of cells (strings or elements). */
export function row(tbody: HTMLElement, cells: readonly (string | Node)[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    td.append(c);
    tr.append(td);
  }
  tbody.append(tr);
  return tr;
}

/** The statistic along the PGD steps as an SVG line, with θ dashed. */
export function renderPgdChart(
  points: readonly { step: number; statistic: number }[],
  theta: number,
): void {
  const svg = el('pgd-chart');
  const w = 420;
  const h = 180;
  const pad = 36;
  const maxStep = Math.max(1, ...points.map((p) => p.step));
  const maxY = Math.max(theta * 1.5, ...points.map((p) => p.statistic)) * 1.05;
  const minY = Math.min(0, ...points.map((p) => p.statistic));
  const sx = (s: number): number => pad + ((w - 2 * pad) * s) / maxStep;
  const sy = (v: number): number => h - pad - ((h - 2 * pad) * (v - minY)) / (maxY - minY);
  const line = points
    .map((p) => `${sx(p.step).toFixed(1)},${sy(p.statistic).toFixed(1)}`)
    .join(' ');
  svg.innerHTML =
    `<line x1="${pad}" x2="${w - pad}" y1="${sy(theta)}" y2="${sy(theta)}" class="theta"/>` +
    `<text x="${w - pad}" y="${sy(theta) - 4}" text-anchor="end" class="label">θ = ${theta.toFixed(
      4,
    )}</text>` +
    `<polyline points="${line}" class="stat"/>` +
    points
      .map(
        (p) =>
          `<circle cx="${sx(p.step)}" cy="${sy(p.statistic)}" r="3" class="${
            p.statistic > theta ? 'above' : 'below'
          }"/>`,
      )
      .join('') +
    `<text x="${w / 2}" y="${h - 6}" text-anchor="middle" class="label">PGD step</text>` +
    `<text x="10" y="${pad - 10}" class="label">MMD² statistic</text>`;
}
