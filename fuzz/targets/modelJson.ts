// Fuzz target of model.json + weights: core's file:// handler (`fileSystem(path).load()`) and
// `loadWeightMap`, with manifest paths that try to leave the model's folder.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileSystem, loadWeightMap } from '@robustjs/core/node';
import { mutateJson } from '../lib/mutate';
import {
  digest,
  defaultGenerate,
  text,
  utf8,
  type FuzzInput,
  type Target,
  type TargetContext,
} from '../lib/target';

/** Bytes outside the model folder: any load result that holds them read a file it must not. */
const SECRET = utf8('FUZZ-SECRET-OUTSIDE-THE-MODEL-FOLDER'.repeat(8));

/** Manifest paths that try to leave the folder (the arbitrary file read of issue 24). */
const ESCAPES = [
  '../secret.bin',
  'link.bin',
  'sub/../../secret.bin',
  '/etc/passwd',
  '/proc/self/environ',
  'linkdir/secret.bin',
  '..',
  '.',
  'model.json',
  '',
  'weights.bin/../../secret.bin',
  'file:///etc/passwd',
];

async function seedOf(model: tf.LayersModel, dtype?: string): Promise<FuzzInput> {
  let art: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      art = a;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  const a = art as tf.io.ModelArtifacts;
  const specs = (a.weightSpecs ?? []).map((s) => (dtype === undefined ? s : { ...s, dtype }));
  let data = new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData ?? new ArrayBuffer(0)));
  if (dtype === 'uint8') data = data.subarray(0, data.length / 4);
  const json = {
    modelTopology: a.modelTopology,
    format: a.format,
    generatedBy: a.generatedBy,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  return [utf8(JSON.stringify(json)), data.slice()];
}

function dense(units: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.dense({
      inputShape: [3],
      units,
      kernelInitializer: 'ones',
      biasInitializer: 'zeros',
    }),
  );
  return m;
}

/** Prepares `<tmp>/mj/m` (the model folder), a secret file beside it and links out of it. */
function folder(ctx: TargetContext): string {
  const root = join(ctx.tmp, 'mj');
  const dir = join(root, 'm');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(root, 'secret.bin'), SECRET);
  symlinkSync('../secret.bin', join(dir, 'link.bin'));
  symlinkSync('..', join(dir, 'linkdir'));
  return dir;
}

const dirs = new WeakMap<TargetContext, string>();

export const modelJson: Target = {
  name: 'modeljson',
  jsonParts: [0],
  async seeds(ctx) {
    dirs.set(ctx, folder(ctx));
    const conv = tf.sequential();
    conv.add(
      tf.layers.conv2d({
        inputShape: [4, 4, 1],
        filters: 2,
        kernelSize: 3,
        kernelInitializer: 'ones',
      }),
    );
    return [await seedOf(dense(2)), await seedOf(conv), await seedOf(dense(4), 'uint8')];
  },
  generate(rng, seeds) {
    const input = defaultGenerate(this, rng, seeds);
    if (rng.chance(0.25)) {
      // aim at the manifest's paths
      let json: { weightsManifest?: { paths?: unknown[] }[] };
      try {
        json = JSON.parse(text(input[0] as Uint8Array)) as typeof json;
      } catch {
        return input;
      }
      const group =
        typeof json === 'object' && json !== null && Array.isArray(json.weightsManifest)
          ? json.weightsManifest[0]
          : undefined;
      if (typeof group === 'object' && group !== null && Array.isArray(group.paths)) {
        group.paths[rng.int(group.paths.length + 1)] = rng.pick(ESCAPES);
        if (rng.chance(0.3)) json = mutateJson(json, rng) as typeof json;
      }
      input[0] = utf8(JSON.stringify(json));
    }
    return input;
  },
  prepare(input, ctx) {
    const dir = dirs.get(ctx) ?? folder(ctx);
    dirs.set(ctx, dir);
    writeFileSync(join(dir, 'model.json'), input[0] as Uint8Array);
    writeFileSync(join(dir, 'weights.bin'), input[1] ?? new Uint8Array(0));
  },
  async run(_input, ctx) {
    const dir = dirs.get(ctx) as string;
    const tags: string[] = [];
    const outs: string[] = [];
    const art = await fileSystem(join(dir, 'model.json'))
      .load()
      .then(
        (a) => a,
        (e: unknown) => e,
      );
    if (art instanceof Error) {
      if (art.name !== 'RobustError') throw art;
      outs.push(`robust:${(art as Error & { code: string }).code}`);
      tags.push(`load:${(art as Error & { code: string }).code}`);
    } else {
      const data = new Uint8Array(
        tf.io.CompositeArrayBuffer.join(
          (art as tf.io.ModelArtifacts).weightData ?? new ArrayBuffer(0),
        ),
      );
      if (Buffer.from(data).includes(Buffer.from(SECRET.subarray(0, 16)))) {
        throw new Error('fileSystem().load() returned bytes of a file outside the model folder');
      }
      outs.push(digest([(art as tf.io.ModelArtifacts).weightSpecs, data]));
      tags.push('load:accept');
    }
    try {
      const m = await loadWeightMap(dir);
      try {
        outs.push(digest(Object.entries(m)));
      } finally {
        tf.dispose(Object.values(m));
      }
      tags.push('loadWeightMap:accept');
    } catch (e) {
      if (!(e instanceof Error && e.name === 'RobustError')) throw e;
      outs.push(`robust:${(e as Error & { code: string }).code}`);
      tags.push(`loadWeightMap:${(e as Error & { code: string }).code}`);
    }
    return { digest: outs.join(','), tags };
  },
};
