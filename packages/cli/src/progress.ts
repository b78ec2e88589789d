/** Where progress goes: a writable stream with an optional TTY flag (process.stderr by default). */
export interface ProgressSink {
  /** Writes text. */
  write(text: string): unknown;
  /** True when the stream is a terminal (bars redraw in place); otherwise plain lines are printed. */
  readonly isTTY?: boolean;
}

/** A progress bar for one long step. */
export interface ProgressBar {
  /** Advances to `done` units (of the bar's total). */
  update(done: number): void;
  /** Finishes the bar with a final line (elapsed time and rate). */
  done(): void;
}

const formatSeconds = (s: number): string => (s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`);

/**
 * Starts a progress bar on `sink` (stderr): on a terminal it redraws one line in place
 * (`label [#####.....] 5/10 12.3s 0.41 img/s`); elsewhere it prints plain lines (one at the start, then at most one per
 * 10 % of progress or per 15 s), so logs stay short. A `quiet` sink prints nothing.
 *
 * @param sink - where to write (e.g. `process.stderr`), or `undefined` for silence.
 * @param label - what the step is, e.g. `'DiffPure: attack'`.
 * @param total - units of work (images, batches), ≥ 0.
 * @param unit - the unit's name for the rate, default `'img'`.
 * @returns the bar.
 * @example
 * ```ts
 * const bar = progressBar(process.stderr, 'clean accuracy', 64);
 * bar.update(32); bar.update(64); bar.done();
 * ```
 */
export function progressBar(sink: ProgressSink | undefined, label: string, total: number, unit = 'img'): ProgressBar {
  const start = Date.now();
  let lastLine = 0;
  let lastFraction = -1;
  let current = 0;
  const line = (done: number): string => {
    const elapsed = (Date.now() - start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const width = 24;
    const filled = total > 0 ? Math.round((width * done) / total) : width;
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${formatSeconds(elapsed)} ${rate.toFixed(2)} ${unit}/s`;
  };
  if (sink !== undefined && sink.isTTY !== true) sink.write(`${line(0)}\n`);
  else sink?.write(`\r${line(0)}\x1b[K`);
  return {
    update(done: number) {
      current = done;
      if (sink === undefined) return;
      if (sink.isTTY === true) {
        sink.write(`\r${line(done)}\x1b[K`);
        return;
      }
      const fraction = total > 0 ? Math.floor((10 * done) / total) : 10;
      if (fraction > Math.max(lastFraction, 0) || Date.now() - lastLine > 15_000) {
        lastFraction = fraction;
        lastLine = Date.now();
        if (done < total) sink.write(`${line(done)}\n`);
      }
    },
    done() {
      if (sink === undefined) return;
      sink.write(`${sink.isTTY === true ? '\r' : ''}${line(current === 0 ? total : current)}${sink.isTTY === true ? '\x1b[K' : ''}\n`);
    },
  };
}
