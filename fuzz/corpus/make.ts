// Writes the reproducer corpus: the hostile files of issue 24 and the inputs the fuzz harness
// found, one folder per input (part0, part1, … as the target reads them), and expected.json with
// the outcome each must have.
// Run: node --conditions=@robustjs/source --import tsx fuzz/corpus/make.ts
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { encodeSafetensorsSync, parseSafetensors } from '@robustjs/core';
import { DEMO_PROTOCOL } from '@robustjs/cli';
import { Denoiser } from '@robustjs/dad';
import { resolveUnetConfig } from '../../packages/diffusion/src/unet/config';
import { MMD_DETECTOR_DEFAULTS } from '@robustjs/mmd';
import { encodeDetectorFile } from '../../packages/mmd/src/detectorFile';
import { idxFile, jpegTarget } from '../targets/datasets';
import { generateInput } from '../lib/execute';
import { utf8 } from '../lib/target';

/** One corpus input: its parser, its parts, what it reproduces and the outcome it must have. */
export interface CorpusEntry {
  readonly parser: string;
  readonly name: string;
  /** Where it comes from: `#24 §n …` or `fuzz seed 1 <parser> #i`. */
  readonly reproduces: string;
  /** `accept`, a RobustError code, `CliError`, or for targets with several readers their tags. */
  readonly expect: string | readonly string[];
}

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (b: Uint8Array): number => {
  let c = 0xffffffff;
  for (const x of b) c = (CRC[(c ^ x) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(utf8(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
/** An 8-bit RGBA PNG of w×h with the given IDAT payload. */
function png(w: number, h: number, idat: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, w);
  v.setUint32(4, h);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const parts = [
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', new Uint8Array(0)),
  ];
  return Buffer.concat(parts);
}
const scanlines = (w: number, h: number): Uint8Array =>
  Uint8Array.from({ length: h * (1 + 4 * w) }, (_, i) =>
    i % (1 + 4 * w) === 0 ? 0 : (i * 2654435761) >>> 24,
  );

function deep(n: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

function shard(
  index: number,
  count: number,
  edit: (r: Record<string, any>) => void = () => undefined,
): Uint8Array {
  const r: Record<string, any> = {
    format: 'robustjs-report',
    version: 2,
    shard: { index, count, batches: [index, index + 1] },
    protocol: structuredClone(DEMO_PROTOCOL),
    environment: { backend: 'wasm', native: false, node: 'v20', seconds: 1, shards: 1 },
    examples: [],
    classNames: ['a', 'b'],
    skipped: [],
    summary: [],
    results: [
      {
        position: 0,
        label: 'Undefended',
        base: null,
        examples: [],
        defense: {
          label: 'Undefended',
          kind: 'undefended',
          modifies: null,
          settings: {},
          surface: 'the classifier',
        },
        attacks: [{ name: 'pgd-eot', settings: {}, description: 'PGD' }],
        images: [{ index, row: index, label: 1, clean: 1, adversarial: 2, brokenBy: null }],
        batches: [
          {
            batch: index,
            size: 1,
            seconds: { clean: 1, attack: 2, adversarial: 1 },
            info: { clean: {}, adversarial: [] },
          },
        ],
      },
    ],
  };
  edit(r);
  return utf8(JSON.stringify(r));
}

async function detectorFile(kernel: object, featurizer?: object): Promise<Uint8Array> {
  const reference = tf.zeros([3, 2]);
  const good = await encodeDetectorFile({
    config: MMD_DETECTOR_DEFAULTS,
    kernel: { sigma0Root: 1.25, sigmaRoot: 45.25, epsLogit: -2, ...kernel },
    featurizerKind: 'identity',
    featurizerWeights: [],
    reference,
    calibration: undefined,
  });
  reference.dispose();
  if (featurizer === undefined) return good;
  const { tensors, metadata } = parseSafetensors(good);
  return encodeSafetensorsSync(tensors, { ...metadata, featurizer: JSON.stringify(featurizer) });
}

/** Every corpus entry with its parts. */
export async function corpus(): Promise<Array<CorpusEntry & { parts: Uint8Array[] }>> {
  await tf.setBackend('cpu');
  const tiny = new Denoiser({
    inputShape: [4, 4, 1],
    channels: [2, 4],
    forwardBlocks: [1, 1],
    backwardBlocks: [1],
  });
  const { tensors: dTensors } = parseSafetensors(tiny.save());
  tiny.dispose();
  const dConfig = {
    inputShape: [4, 4, 1],
    channels: [2, 4],
    forwardBlocks: [1_048_576, 1],
    backwardBlocks: [1],
  };
  const jpegHuge = (() => {
    // a 1×1 baseline JPEG, frame header edited to 4000×4000 (fuzz jpeg #121 was 314 bytes)
    const b = new Uint8Array(
      jpeg.encode({ data: new Uint8Array([9, 9, 9, 255]), width: 1, height: 1 }, 50).data,
    );
    const sof = b.findIndex((x, i) => x === 0xff && b[i + 1] === 0xc0);
    b.set([0x0f, 0xa0, 0x0f, 0xa0], sof + 5);
    return b;
  })();
  const manifest = (paths: string[], dtype = 'uint8') =>
    utf8(
      JSON.stringify({
        modelTopology: null,
        weightsManifest: [{ paths, weights: [{ name: 'w', shape: [16], dtype }] }],
      }),
    );
  const unetConfig = JSON.stringify({
    ...resolveUnetConfig('small', {}, 'corpus'),
    baseChannels: 1024,
  });
  const deepJson = JSON.stringify(deep(3000));
  return [
    {
      parser: 'modeljson',
      name: 'passwd-escape',
      reproduces: '#24 §1 arbitrary file read (../../../../etc/passwd, uint8)',
      expect: ['load:INVALID_ARGUMENT', 'loadWeightMap:INVALID_ARGUMENT'],
      parts: [manifest(['../../../../etc/passwd']), new Uint8Array(16)],
    },
    {
      parser: 'modeljson',
      name: 'absolute-path',
      reproduces: '#24 §1 (absolute manifest path)',
      expect: ['load:INVALID_ARGUMENT', 'loadWeightMap:INVALID_ARGUMENT'],
      parts: [manifest(['/etc/passwd'], 'float32'), new Uint8Array(64)],
    },
    {
      parser: 'modeljson',
      name: 'symlink-out',
      reproduces: '#24 §1 (a symlink in the folder whose real path leaves it)',
      expect: ['load:INVALID_ARGUMENT', 'loadWeightMap:INVALID_ARGUMENT'],
      parts: [manifest(['link.bin'], 'float32'), new Uint8Array(64)],
    },
    {
      parser: 'modeljson',
      name: 'uint8-dtype',
      reproduces: 'fuzz seed 1 modeljson #46 (tfjs plain Error from decodeWeights)',
      expect: ['load:accept', 'loadWeightMap:CORRUPT_FILE'],
      parts: [manifest(['weights.bin']), new Uint8Array(16)],
    },
    {
      parser: 'modeljson',
      name: 'deep-manifest',
      reproduces: '#24 §5 (3000-deep JSON in model.json: describeValue stack overflow)',
      expect: ['load:CORRUPT_FILE', 'loadWeightMap:CORRUPT_FILE'],
      parts: [
        utf8(
          JSON.stringify({
            modelTopology: null,
            weightsManifest: [{ paths: ['weights.bin'], weights: deep(3000) }],
          }),
        ),
        new Uint8Array(0),
      ],
    },
    {
      parser: 'merge',
      name: 'html-injection',
      reproduces: '#24 §2 (onerror break-out and <script> in shard reports)',
      expect: 'accept',
      parts: [
        shard(0, 1, (r) => {
          r.results[0].examples = [
            {
              index: 0,
              adversarial: 'x" onerror="alert(1)',
              purifiedClean: '<script>alert(1)</script>',
              purifiedAdversarial: '',
            },
          ];
          r.examples = [{ index: 0, label: 1, clean: '"><script>alert(2)</script>' }];
          r.classNames = ['<script>alert(3)</script>', 'b'];
          r.results[0].label = '<img src=x onerror=alert(4)>';
          r.results[0].defense.label = '<img src=x onerror=alert(4)>';
        }),
      ],
    },
    {
      parser: 'merge',
      name: 'null-fields',
      reproduces: '#24 §5 merge TypeErrors on missing or null fields',
      expect: 'CliError',
      parts: [
        shard(0, 1, (r) => {
          r.results[0].images = null;
          delete r.summary;
        }),
      ],
    },
    {
      parser: 'merge',
      name: 'deep-protocol',
      reproduces: 'fuzz seed 1 merge #231 (stack overflow in stableJson)',
      expect: 'CliError',
      parts: [
        shard(0, 1, (r) => {
          r.protocol = {
            ...DEMO_PROTOCOL,
            defenses: [{ name: 'none', base: { steps: [deep(2600)] } }],
          };
        }),
      ],
    },
    {
      parser: 'merge',
      name: 'protocol-without-attack',
      reproduces: 'fuzz seed 7 merge #8495 (TypeError in renderTable)',
      expect: 'accept',
      parts: [
        shard(0, 1, (r) => {
          delete r.protocol.attack;
        }),
      ],
    },
    {
      parser: 'safetensors',
      name: 'unet-basechannels-1024',
      reproduces: '#24 §3 (226-byte UNet file declaring baseChannels 1024)',
      expect: [
        'parse:accept',
        'decode:accept',
        'loadWeights:NOT_FOUND',
        'unet:CORRUPT_FILE',
        'denoiser:CORRUPT_FILE',
      ],
      parts: [encodeSafetensorsSync({}, { format: 'robustjs-unet', config: unetConfig })],
    },
    {
      parser: 'safetensors',
      name: 'proto-weight',
      reproduces: '#24 §5 (a weight named __proto__)',
      expect: [
        'parse:CORRUPT_FILE',
        'decode:CORRUPT_FILE',
        'loadWeights:CORRUPT_FILE',
        'unet:CORRUPT_FILE',
        'denoiser:CORRUPT_FILE',
      ],
      parts: [
        Buffer.from(
          encodeSafetensorsSync({
            protoX: { dtype: 'float32', shape: [1], data: Float32Array.of(1) },
          }),
        )
          .toString('latin1')
          .replace('"protoX"', '"__proto__"')
          .split('')
          .map((c) => c.charCodeAt(0)),
      ].map((a) => Uint8Array.from(a)),
    },
    {
      parser: 'safetensors',
      name: 'deep-metadata-config',
      reproduces: '#24 §5 (3000-deep JSON shape: describeValue stack overflow)',
      expect: [
        'parse:accept',
        'decode:accept',
        'loadWeights:NOT_FOUND',
        'unet:CORRUPT_FILE',
        'denoiser:CORRUPT_FILE',
      ],
      parts: [encodeSafetensorsSync({}, { format: 'robustjs-dad-denoiser', config: deepJson })],
    },
    {
      parser: 'safetensors',
      name: 'denoiser-not-json',
      reproduces: '#24 §5 (Denoiser.load SyntaxError on a non-JSON config)',
      expect: [
        'parse:accept',
        'decode:accept',
        'loadWeights:NOT_FOUND',
        'unet:CORRUPT_FILE',
        'denoiser:CORRUPT_FILE',
      ],
      parts: [encodeSafetensorsSync({}, { format: 'robustjs-dad-denoiser', config: '{not json' })],
    },
    {
      parser: 'safetensors',
      name: 'denoiser-million-blocks',
      reproduces: 'fuzz seed 1 safetensors #88 (Denoiser.load built 10^6 blocks)',
      expect: [
        'parse:accept',
        'decode:accept',
        'loadWeights:NOT_FOUND',
        'unet:CORRUPT_FILE',
        'denoiser:CORRUPT_FILE',
      ],
      parts: [
        encodeSafetensorsSync(dTensors, {
          format: 'robustjs-dad-denoiser',
          config: JSON.stringify(dConfig),
        }),
      ],
    },
    {
      parser: 'detector',
      name: 'featurizer-weights-2pow31',
      reproduces: '#24 §3 (featurizer.weights: 2^31)',
      expect: 'CORRUPT_FILE',
      parts: [await detectorFile({}, { kind: 'identity', weights: 2 ** 31 })],
    },
    {
      parser: 'detector',
      name: 'sigma0root-0',
      reproduces: '#24 §5 (sigma0Root 0: never flags)',
      expect: 'CORRUPT_FILE',
      parts: [await detectorFile({ sigma0Root: 0 })],
    },
    {
      parser: 'detector',
      name: 'deep-featurizer',
      reproduces: '#24 §5 (3000-deep JSON in a detector file)',
      expect: 'CORRUPT_FILE',
      parts: [await detectorFile({}, deep(3000) as object)],
    },
    {
      parser: 'gzip',
      name: 'bomb-32mib',
      reproduces: '#24 §3 (gzip without output cap; 32 MiB of zeros in 32 KB, cap 16 MiB)',
      expect: 'OUT_OF_RANGE',
      parts: [new Uint8Array(gzipSync(Buffer.alloc(32 * 2 ** 20), { level: 9 }))],
    },
    {
      parser: 'png',
      name: 'declares-4000x4000',
      reproduces: '#24 §3 (140-byte PNG declaring 4000×4000)',
      expect: 'CORRUPT_FILE',
      parts: [png(4000, 4000, deflateSync(scanlines(1, 1)))],
    },
    {
      parser: 'png',
      name: 'truncated-idat',
      reproduces: '#24 §4 (truncated IDAT decoded uninitialised memory)',
      expect: 'CORRUPT_FILE',
      parts: [
        (() => {
          const z = deflateSync(scanlines(8, 8));
          return png(8, 8, z.subarray(0, z.length >> 1));
        })(),
      ],
    },
    {
      parser: 'jpeg',
      name: 'declares-4000x4000',
      reproduces: 'fuzz seed 1 jpeg #121 (314-byte JPEG, 90 MB of buffers)',
      expect: 'CORRUPT_FILE',
      parts: [jpegHuge],
    },
    {
      parser: 'jpeg',
      name: 'hidden-frame-header',
      reproduces:
        'fuzz seed 1 jpeg #97427 (708 bytes, 363 MB: frame header past a DQT of wrong length)',
      expect: 'CORRUPT_FILE',
      parts: await generateInput(jpegTarget, await jpegTarget.seeds({ tmp: '' }), 1, 97427, {
        tmp: '',
      }),
    },
    {
      parser: 'idx',
      name: 'nan-dims',
      reproduces: '#24 §5 (IDX dims multiplying to NaN accepted)',
      expect: 'CORRUPT_FILE',
      parts: [idxFile([...Array<number>(40).fill(0xffffffff), 0], 8, new Uint8Array(0))],
    },
    {
      parser: 'protocol',
      name: 'deep-6kb',
      reproduces: '#24 §5 (deeply nested JSON in the CLI)',
      expect: 'CliError',
      parts: [utf8(JSON.stringify({ defenses: [{ name: 'none', x: deep(3000) }] }))],
    },
    {
      parser: 'protocol',
      name: 'not-json',
      reproduces: '#24 §5 (a protocol file that is not JSON)',
      expect: 'CliError',
      parts: [utf8('{"defenses": [')],
    },
    {
      parser: 'imagefolder',
      name: 'symlink-loop',
      reproduces: '#24 §3 (ln -s .. root/cat/loop: walked forever)',
      expect: 'INVALID_ARGUMENT',
      parts: [
        utf8(
          JSON.stringify([
            { d: 'cat' },
            {
              f: 'cat/a.png',
              b64: Buffer.from(png(1, 1, deflateSync(scanlines(1, 1)))).toString('base64'),
            },
            { l: 'cat/loop', to: '..' },
          ]),
        ),
      ],
    },
    {
      parser: 'imagefolder',
      name: 'link-outside',
      reproduces: '#24 §1 (a symlink leaving the root)',
      expect: 'INVALID_ARGUMENT',
      parts: [utf8(JSON.stringify([{ d: 'cat' }, { l: 'cat/o.png', to: '@OUT/o.png' }]))],
    },
  ];
}

const HERE = fileURLToPath(new URL('.', import.meta.url));

async function main(): Promise<void> {
  const all = await corpus();
  const expected: CorpusEntry[] = [];
  for (const { parts, ...entry } of all) {
    const dir = join(HERE, entry.parser, entry.name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    parts.forEach((p, i) => writeFileSync(join(dir, `part${i}`), p));
    expected.push(entry);
  }
  writeFileSync(join(HERE, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);
  console.log(`${expected.length} corpus entries written`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1])
  await main();
