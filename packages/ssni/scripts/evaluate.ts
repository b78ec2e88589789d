/**
 * SSNI on Fashion-MNIST with the shipped UNet and the zoo classifier. Run from the repository root:
 *
 *   npm run evaluate -w @robustjs/ssni -- [--images 128] [--calib 256] [--auroc-images 256] [--eps 0.1]
 *     [--pgd-steps 10] [--eot 2] [--surrogate 5] [--def-steps 20] [--tstar 100] [--eps-steps 20]
 *     [--tau-mult 1] [--bias 5] [--seed 0] [--batch 32] [--unet <file>] [--skip-attack] [--skip-separation]
 *     [--attack both|diffpure|ssni] [--sweep 0.5,2,1:0] [--offset <row>] [--calibration <file>] [--out <file>, default scripts/results.json]
 * `--calibration`: read the calibration from this JSON file when it exists (same settings required), else measure it
 * and write it there. `--sweep`: clean accuracy of SSNI-N with other τ multipliers (`m`, or `m:b` for another bias b) on
 * the same images (no attack; same EPS norms). `--offset`: first row of the defense subset in the test permutation
 * (default --auroc-images, right after the separation images); choose τ and b on a held-out range (for instance
 * `--offset 2000 --skip-attack --skip-separation --sweep …`), then evaluate the default rows with them. `--clean-runs k`:
 * clean accuracies averaged over k purification draws per image (the same draws for both defenses), a k-times
 * lower-variance estimate of the expected clean accuracy than one draw.
 *   npm run evaluate -w @robustjs/ssni -- --merge a.json --merge b.json --out merged.json   (two processes, one attack each)
 *
 * Protocol (printed with the results):
 * 1. Calibration: EPS norms (T_S = --eps-steps, seed 121) of --calib training images (a seeded random subset);
 *    μ, std, min, max. τ = --tau-mult × std; b = --bias.
 * 2. Separation: --auroc-images test images (seeded subset); PGD l_inf on the classifier alone (eps --eps, 20 steps,
 *    step 2.5·eps/20, random start). AUROC of the EPS norm (adversarial = positive; Mann–Whitney, ties ½), and the
 *    median SSNI-N timestep of clean and of adversarial images.
 * 3. Defense: --images test images (a different seeded subset). DiffPure (DDPM η = 1, t* = --tstar, K = --def-steps)
 *    versus DiffPure + SSNI-N (same t*, K + b steps). Clean accuracy = classifier on the purified clean images.
 *    Robust accuracy = classifier on the purified outputs of an adaptive PGD+EOT l_inf attack (eps --eps, --pgd-steps
 *    iterations, step 2.5·eps/steps, no random start, --eot draws per iteration averaged, gradients through a
 *    --surrogate-step surrogate chain with the same t* — for SSNI the per-sample t(x) is recomputed without gradient
 *    at every iteration and shared by the EOT draws). One purification run per image (no vote).
 * Writes the JSON to --out and prints it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { eot, pgd } from '@robustjs/attacks';
import { initBackend, type Classifier, type Images } from '@robustjs/core';
import { permutation, toTensors, type Dataset } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { diffPure, linearSchedule } from '@robustjs/diffusion';
import { loadUnet } from '@robustjs/diffusion/node';
import { modelsDir, referenceClassifier } from '@robustjs/zoo/node';
import { SsniCalibration, calibrate, epsNorm, ssniAttackModel, ssniPurifier, ssniTimesteps } from '../src/index';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '128' }, calib: { type: 'string', default: '256' }, 'auroc-images': { type: 'string', default: '256' },
    eps: { type: 'string', default: '0.1' }, 'pgd-steps': { type: 'string', default: '10' }, eot: { type: 'string', default: '2' },
    surrogate: { type: 'string', default: '5' }, 'def-steps': { type: 'string', default: '20' }, tstar: { type: 'string', default: '100' },
    'eps-steps': { type: 'string', default: '20' }, 'tau-mult': { type: 'string', default: '1' }, bias: { type: 'string', default: '5' },
    unet: { type: 'string', default: join(modelsDir(), 'unet', 'unet.safetensors') },
    seed: { type: 'string', default: '0' }, batch: { type: 'string', default: '32' }, 'skip-attack': { type: 'boolean', default: false },
    attack: { type: 'string', default: 'both' }, 'skip-separation': { type: 'boolean', default: false }, merge: { type: 'string', multiple: true },
    sweep: { type: 'string', default: '' }, calibration: { type: 'string' }, offset: { type: 'string' }, 'clean-runs': { type: 'string', default: '1' },
    out: { type: 'string', default: fileURLToPath(new URL('./results.json', import.meta.url)) },
  },
  strict: true,
});
const num = (k: keyof typeof values): number => Number(values[k]);
const cfg = {
  images: num('images'), calib: num('calib'), aurocImages: num('auroc-images'), eps: num('eps'), pgdSteps: num('pgd-steps'),
  eot: num('eot'), surrogate: num('surrogate'), defSteps: num('def-steps'), tStar: num('tstar'), epsSteps: num('eps-steps'),
  tauMult: num('tau-mult'), bias: num('bias'), seed: num('seed'), batch: num('batch'), cleanRuns: num('clean-runs'),
};
if (!Number.isInteger(cfg.cleanRuns) || cfg.cleanRuns < 1) throw new Error(`--clean-runs must be an integer >= 1, got ${values['clean-runs']}`);
const log = (msg: string): void => void process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const t0 = Date.now();
const seconds = (): number => Math.round((Date.now() - t0) / 100) / 10;

if (values.merge !== undefined) {
  // Combine two runs on the same images that attacked one defense each (run in parallel processes).
  const runs = values.merge.map((f) => JSON.parse(readFileSync(resolve(f), 'utf8')) as { defense: { table: { robust: number | null }[]; attacked: string[] } } & Record<string, unknown>);
  const pick = (who: string, i: number): number | null => runs.find((r) => r.defense.attacked.includes(who))?.defense.table[i]?.robust ?? null;
  const first = runs[0]!;
  const table = first.defense.table.map((row, i) => ({ ...row, robust: pick(i === 0 ? 'diffpure' : 'ssni', i) }));
  const merged = { ...first, merged: values.merge, separation: runs.find((r) => r.separation)?.separation ?? null,
    totalSeconds: runs.map((r) => r.totalSeconds), defense: { ...first.defense, table, attacked: ['diffpure', 'ssni'],
    medianT: (runs.find((r) => r.defense.attacked.includes('ssni'))?.defense as { medianT?: unknown } | undefined)?.medianT ?? null,
    timing: runs.map((r) => (r.defense as { timing?: unknown }).timing),
    deltaRobust: table[1]!.robust !== null && table[0]!.robust !== null ? Math.round((table[1]!.robust - table[0]!.robust) * 10) / 10 : null } };
  writeFileSync(resolve(values.out!), `${JSON.stringify(merged, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(merged, null, 2)}\n`);
  process.exit(0);
}
const attacked = values['skip-attack'] ? [] : values.attack === 'both' ? ['diffpure', 'ssni'] : [values.attack!];
if (!attacked.every((a) => a === 'diffpure' || a === 'ssni')) throw new Error(`--attack must be both, diffpure or ssni, got ${values.attack}`);
const backend = await initBackend();
const unet = await loadUnet(resolve(values.unet!));
const classifier = await referenceClassifier();
const schedule = linearSchedule();
const train = await loadFashionMnist({ split: 'train' });
const test = await loadFashionMnist({ split: 'test' });

/** Runs `f` over batches of rows and concatenates the numbers it returns. */
function overBatches(ds: Dataset, rows: ArrayLike<number>, f: (x: Images, y: tf.Tensor1D, start: number) => number[]): number[] {
  const out: number[] = [];
  for (let s = 0; s < rows.length; s += cfg.batch) {
    const { x, y } = toTensors(ds, Array.from(rows).slice(s, s + cfg.batch));
    out.push(...f(x, y as tf.Tensor1D, s));
    tf.dispose([x, y]);
  }
  return out;
}
const predict = (model: Classifier, x: Images): number[] => tf.tidy(() => Array.from(tf.argMax(model(x), 1).dataSync()));
const correct = (model: Classifier, x: Images, y: tf.Tensor1D): number[] => {
  const labels = y.dataSync();
  return predict(model, x).map((p, i) => (p === labels[i] ? 1 : 0));
};
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const median = (v: ArrayLike<number>): number => {
  const s = Array.from(v).sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const auroc = (neg: number[], pos: number[]): number => {
  let wins = 0;
  for (const p of pos) for (const q of neg) wins += p > q ? 1 : p === q ? 0.5 : 0;
  return wins / (pos.length * neg.length);
};
const pct = (v: number): number => Math.round(v * 1000) / 10;

// 1. calibration on training images
const perm = permutation(train.shape[0], 121);
const calibRows = perm.subarray(0, cfg.calib);
let calibration: SsniCalibration;
if (values.calibration !== undefined && existsSync(resolve(values.calibration))) {
  calibration = SsniCalibration.fromJSON(JSON.parse(readFileSync(resolve(values.calibration), 'utf8')));
  if (calibration.settings.steps !== cfg.epsSteps || calibration.count !== cfg.calib) throw new Error(`${values.calibration} was made with other settings`);
  log(`calibration read from ${values.calibration}`);
} else {
  log(`calibrating on ${cfg.calib} training images (T_S = ${cfg.epsSteps})`);
  const { x: xCal } = toTensors(train, calibRows);
  calibration = calibrate(unet.predict, schedule, xCal, { steps: cfg.epsSteps, seed: 121, batchSize: 256, modelId: 'zoo/unet' });
  xCal.dispose();
  if (values.calibration !== undefined) writeFileSync(resolve(values.calibration), `${JSON.stringify(calibration)}\n`);
}
const tau = cfg.tauMult * calibration.std;
log(`calibration: ${JSON.stringify(calibration)} (${seconds()} s)`);

// 2. separation of clean and PGD images by the EPS norm
const testPerm = permutation(test.shape[0], cfg.seed);
const aurocRows = testPerm.subarray(0, cfg.aurocImages);
const sep = { clean: [] as number[], adv: [] as number[], cleanAcc: [] as number[], advAcc: [] as number[] };
if (!values['skip-separation']) overBatches(test, aurocRows, (x, y) => {
  const xAdv = pgd(classifier, x, y, { eps: cfg.eps, steps: 20, stepSize: (2.5 * cfg.eps) / 20, randomStart: true, seed: cfg.seed });
  for (const [imgs, into, acc] of [[x, sep.clean, sep.cleanAcc], [xAdv, sep.adv, sep.advAcc]] as const) {
    const epsOptions = { steps: cfg.epsSteps, seed: 121, batchSize: 256 };
    into.push(...epsNorm(unet.predict, schedule, imgs, epsOptions));
    acc.push(...correct(classifier, imgs, y));
  }
  xAdv.dispose();
  log(`separation: ${sep.clean.length}/${aurocRows.length} (${seconds()} s)`);
  return [];
});
const tRule = (e: number[], tauValue: number): Int32Array => ssniTimesteps(e, calibration, 'ssni-n', { tStar: cfg.tStar, tau: tauValue, bias: cfg.bias });
const separation = values['skip-separation'] ? null : {
  images: aurocRows.length,
  attack: { name: 'pgd (classifier only)', norm: 'linf', eps: cfg.eps, steps: 20, stepSize: (2.5 * cfg.eps) / 20, randomStart: true },
  classifierCleanAccuracy: pct(mean(sep.cleanAcc)), classifierAdversarialAccuracy: pct(mean(sep.advAcc)),
  auroc: auroc(sep.clean, sep.adv),
  medianNorm: { clean: median(sep.clean), adversarial: median(sep.adv) },
  medianT: Object.fromEntries([0.5, 1, 2].map((m) => [`tau=${m}std`, {
    clean: median(tRule(sep.clean, m * calibration.std)), adversarial: median(tRule(sep.adv, m * calibration.std)),
  }])),
};
log(`separation: ${JSON.stringify(separation)} (${seconds()} s)`);

// 3. DiffPure vs DiffPure + SSNI-N under adaptive PGD+EOT
const defense = diffPure(unet.predict, schedule, { t: cfg.tStar, steps: cfg.defSteps, seed: cfg.seed });
const ssni = ssniPurifier(defense, unet.predict, calibration, { rule: 'ssni-n', tau, bias: cfg.bias, modelId: 'zoo/unet' });
const surrogate = defense.with({ steps: [cfg.surrogate] });
const offset = values.offset === undefined ? cfg.aurocImages : Number(values.offset);
if (!Number.isInteger(offset) || offset < 0 || offset + cfg.images > test.shape[0]) {
  throw new Error(`--offset must be an integer in [0, ${test.shape[0] - cfg.images}] for ${cfg.images} images, got ${values.offset}`);
}
if (offset < cfg.aurocImages && !values['skip-separation']) throw new Error('--offset below --auroc-images would reuse the separation images');
const evalRows = testPerm.subarray(offset, offset + cfg.images);
const pgdOptions = { eps: cfg.eps, steps: cfg.pgdSteps, stepSize: (2.5 * cfg.eps) / cfg.pgdSteps, randomStart: false };
type Row = { cleanDp: number; cleanSsni: number; robustDp: number; robustSsni: number; tClean: number; tAdv: number };
const rows: Row[] = [];
const sweepSettings = values.sweep ? values.sweep.split(',').map((entry) => {
  const [m, b] = entry.split(':').map(Number);
  if (!Number.isFinite(m) || !(m! > 0) || (b !== undefined && !(Number.isInteger(b) && b >= 0))) {
    throw new Error(`--sweep entries are τ multipliers m > 0 or m:b with an integer bias b >= 0, got '${entry}'`);
  }
  return { mult: m!, bias: b ?? cfg.bias };
}) : [];
const sweepCorrect: number[][] = sweepSettings.map(() => []);
const sweepT: number[][] = sweepSettings.map(() => []);
const timing = { diffpureSeconds: 0, ssniSeconds: 0, attackDpSeconds: 0, attackSsniSeconds: 0 };
overBatches(test, evalRows, (x, y, start) => {
  const seed = cfg.seed + 1000 + start;
  let s = Date.now();
  const pDp = defense(x, undefined, { seed });
  const cleanDp = correct(classifier, pDp, y);
  timing.diffpureSeconds += (Date.now() - s) / 1000;
  s = Date.now();
  const info = ssni.purifyWithInfo(x, { seed });
  const cleanSsni = correct(classifier, info.images, y);
  timing.ssniSeconds += (Date.now() - s) / 1000;
  tf.dispose([pDp, info.images]);
  // --clean-runs k: clean accuracy per image averaged over k purification draws (the same draws for both defenses;
  // SSNI keeps the t(x) of the first run: the EPS norm has its own fixed seed)
  for (let r = 1; r < cfg.cleanRuns; r++) {
    const seedR = seed + r * 100_000;
    const dpR = defense(x, undefined, { seed: seedR });
    const ssniR = ssni.runner.purify(x, { t: (k: number) => info.timesteps[k]!, seed: seedR });
    correct(classifier, dpR, y).forEach((c, i) => (cleanDp[i]! += c));
    correct(classifier, ssniR, y).forEach((c, i) => (cleanSsni[i]! += c));
    tf.dispose([dpR, ssniR]);
  }
  if (cfg.cleanRuns > 1) for (let i = 0; i < cleanDp.length; i++) { cleanDp[i]! /= cfg.cleanRuns; cleanSsni[i]! /= cfg.cleanRuns; }
  sweepSettings.forEach(({ mult, bias }, j) => {
    const other = ssniPurifier(defense, unet.predict, calibration, { rule: 'ssni-n', tau: mult * calibration.std, bias });
    const ts = other.timesteps(info.norms);
    const purified = other.runner.purify(x, { t: (k: number) => ts[k]!, seed });
    sweepCorrect[j]!.push(...correct(classifier, purified, y));
    sweepT[j]!.push(...ts[0]!);
    purified.dispose();
  });
  let robustDp = cleanDp.map(() => NaN);
  let robustSsni = cleanDp.map(() => NaN);
  let tAdv = Array.from(info.timesteps[0]!, () => NaN);
  if (attacked.includes('diffpure')) {
    s = Date.now();
    const dpModel = eot((xx, sd) => classifier(surrogate.purify(xx, { seed: sd })), { samples: cfg.eot, seed });
    const xAdvDp = pgd(dpModel, x, y, pgdOptions);
    timing.attackDpSeconds += (Date.now() - s) / 1000;
    const pAdvDp = defense(xAdvDp, undefined, { seed: seed + 1 });
    robustDp = correct(classifier, pAdvDp, y);
    tf.dispose([xAdvDp, pAdvDp]);
  }
  if (attacked.includes('ssni')) {
    s = Date.now();
    const ssniModel = ssniAttackModel(classifier, ssni, { surrogateSteps: cfg.surrogate, eotSamples: cfg.eot, seed });
    const xAdvSsni = pgd(ssniModel, x, y, pgdOptions);
    timing.attackSsniSeconds += (Date.now() - s) / 1000;
    const advInfo = ssni.purifyWithInfo(xAdvSsni, { seed: seed + 1 });
    robustSsni = correct(classifier, advInfo.images, y);
    tAdv = Array.from(advInfo.timesteps[0]!);
    tf.dispose([xAdvSsni, advInfo.images]);
  }
  cleanDp.forEach((_, i) => rows.push({ cleanDp: cleanDp[i]!, cleanSsni: cleanSsni[i]!, robustDp: robustDp[i]!, robustSsni: robustSsni[i]!,
    tClean: info.timesteps[0]![i]!, tAdv: tAdv[i]! }));
  const acc = (k: keyof Row): number | null => (Number.isNaN(rows[0]![k]) ? null : pct(mean(rows.map((r) => r[k]))));
  log(`defense: ${rows.length}/${evalRows.length}; clean DP ${acc('cleanDp')} SSNI ${acc('cleanSsni')}; robust DP ${acc('robustDp')} ` +
    `SSNI ${acc('robustSsni')} (${seconds()} s)`);
  return [];
});
const acc = (k: keyof Row): number | null => (Number.isNaN(rows[0]![k]) ? null : pct(mean(rows.map((r) => r[k]))));
const result = {
  backend: backend.name,
  models: { diffusion: 'packages/zoo/models/unet/unet.safetensors', classifier: 'zoo referenceClassifier (cnn)' },
  settings: cfg,
  calibration: calibration.toJSON(),
  ssni: { rule: 'ssni-n', tau, tauMult: cfg.tauMult, bias: cfg.bias, tStar: cfg.tStar, defenseSteps: cfg.defSteps + cfg.bias, epsSteps: cfg.epsSteps },
  separation,
  defense: {
    images: rows.length,
    protocol: {
      subset: `Fashion-MNIST test, permutation(10000, ${cfg.seed}) rows ${offset}..${offset + rows.length - 1}`,
      diffpure: `DDPM eta=1, t*=${cfg.tStar}, K=${cfg.defSteps}`, ssni: `SSNI-N tau=${tau.toFixed(4)} (${cfg.tauMult}×std), b=${cfg.bias}, K+b=${cfg.defSteps + cfg.bias}`,
      attack: attacked.length === 0 ? 'none' : `adaptive PGD+EOT linf eps=${cfg.eps}, ${cfg.pgdSteps} it., step ${pgdOptions.stepSize.toFixed(4)}, no random start, ` +
        `EOT ${cfg.eot}, surrogate ${cfg.surrogate} DDPM steps (t*=${cfg.tStar}); SSNI: t(x) recomputed each iteration without gradient`,
      runs: cfg.cleanRuns === 1 ? 'one purification per image, no vote' : `clean: accuracy averaged over ${cfg.cleanRuns} purification draws per image (no vote); robust: one`,
    },
    table: [
      { defense: `DiffPure (t*=${cfg.tStar}, K=${cfg.defSteps})`, clean: acc('cleanDp'), robust: acc('robustDp') },
      { defense: `DiffPure + SSNI-N (t*=${cfg.tStar}, K+b=${cfg.defSteps + cfg.bias})`, clean: acc('cleanSsni'), robust: acc('robustSsni') },
    ],
    attacked,
    cleanSweep: sweepSettings.map(({ mult, bias }, j) => ({ tauMult: mult, tau: mult * calibration.std, bias, clean: pct(mean(sweepCorrect[j]!)),
      medianTClean: median(sweepT[j]!) })),
    deltaClean: Math.round((acc('cleanSsni')! - acc('cleanDp')!) * 10) / 10,
    deltaRobust: acc('robustSsni') !== null && acc('robustDp') !== null ? Math.round((acc('robustSsni')! - acc('robustDp')!) * 10) / 10 : null,
    medianT: { clean: median(rows.map((r) => r.tClean)), adversarial: attacked.includes('ssni') ? median(rows.map((r) => r.tAdv)) : null },
    timing: { ...timing, ssniOverDiffpure: timing.ssniSeconds / timing.diffpureSeconds },
  },
  totalSeconds: seconds(),
};
writeFileSync(resolve(values.out!), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
unet.dispose();
