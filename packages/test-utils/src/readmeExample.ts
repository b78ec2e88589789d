import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The first ```ts block of a README: the package's opening usage example. */
export function readmeExample(readmePath: string): string {
  const text = readFileSync(readmePath, 'utf8');
  const match = /```ts\n([\s\S]*?)```/.exec(text);
  if (!match?.[1]) throw new Error(`${readmePath} has no \`\`\`ts example block`);
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
