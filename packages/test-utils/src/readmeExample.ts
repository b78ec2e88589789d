import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Most lines a README's opening example may have (issue 18; scripts/check-tarballs.mjs checks the same). */
export const README_EXAMPLE_MAX_LINES = 15;
/** Most characters on one line of a README's opening example. */
export const README_EXAMPLE_MAX_WIDTH = 100;

/**
 * The first ```ts block of a README: the package's opening usage example. scripts/check-tarballs.mjs takes
 * the same block (same rule) and runs it from the packed tarballs; keep the two in step.
 *
 * @throws an `Error` when there is no such block, or when it has more than {@link README_EXAMPLE_MAX_LINES}
 *   lines or a line over {@link README_EXAMPLE_MAX_WIDTH} characters.
 */
export function readmeExample(readmePath: string): string {
  const text = readFileSync(readmePath, 'utf8');
  const match = /```ts\n([\s\S]*?)```/.exec(text);
  if (!match?.[1]) throw new Error(`${readmePath} has no \`\`\`ts example block`);
  const lines = match[1].trim().split('\n');
  if (lines.length > README_EXAMPLE_MAX_LINES) {
    throw new Error(`${readmePath}: the opening example has ${lines.length} lines, at most ${README_EXAMPLE_MAX_LINES}.`);
  }
  const wide = lines.findIndex((l) => l.length > README_EXAMPLE_MAX_WIDTH);
  if (wide >= 0) {
    throw new Error(`${readmePath}: line ${wide + 1} of the opening example is ${lines[wide]?.length} characters, ` +
      `at most ${README_EXAMPLE_MAX_WIDTH}.`);
  }
  return match[1];
}

/**
 * Runs a README's opening example as a module placed beside the README (so package imports resolve
 * as they would for a user), then removes it. Returns the example's source.
 */
export async function runReadmeExample(readmePath: string): Promise<string> {
  const code = readmeExample(readmePath);
  const file = join(dirname(readmePath), `.readme-example-${process.pid}.ts`);
  writeFileSync(file, code);
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    rmSync(file, { force: true });
  }
  return code;
}
