import type { Protocol } from '../protocol';

import type { DefenseDescription, JsonValue } from '@robustjs/core';

/** What a defense said about one image (the per-image entries of its info records), by info key. */
export type ImageInfo = { readonly [key: string]: JsonValue };

/** What happened to one evaluation image under one defense. */
export interface ImageRecord {
  /** Position among the evaluation images (0-based). */
  readonly index: number;
  /** Row of the image in the test split. */
  readonly row: number;
  /** True label. */
  readonly label: number;
  /** The defense's prediction on the clean image. */
  readonly clean: number;
  /** The prediction on the adversarial image: on the first attack candidate that fools it, else on the last one. */
  readonly adversarial: number;
  /** The candidate that fooled the defense first (attack name, restart, candidate), or null. */
  readonly brokenBy: { readonly attack: string; readonly restart: number; readonly candidate: number } | null;
  /**
   * The prediction on every candidate, in the order of the batch's `info.adversarial` records (restart, attack,
   * candidate): each attack's accuracy on its own is read from these. Absent in reports of earlier versions.
   */
  readonly predictions?: readonly number[];
  /** `false` for a bystander: a clean image of a mixed batch that no attack controlled; absent = attacked. */
  readonly attacked?: false;
  /**
   * The defense's per-image info on the clean image and on the first adversarial candidate (e.g. SSNI's `norms` and
   * `timesteps`), when its info records have per-image entries.
   */
  readonly info?: { readonly clean: ImageInfo; readonly adversarial: ImageInfo };
}

/** The batch-level entries of a defense's info record (e.g. DAD's `statistic`, `threshold`, `flagged`). */
export type BatchInfoRecord = { readonly [key: string]: JsonValue };

/** What happened to one batch under one defense. */
export interface BatchRecord {
  /** Batch number (0-based); images `[batch·batchSize, …)`. */
  readonly batch: number;
  /** Images in the batch. */
  readonly size: number;
  /** Wall-clock seconds: classifying the clean batch, running the attack(s), classifying the adversarial batch(es). */
  readonly seconds: { readonly clean: number; readonly attack: number; readonly adversarial: number };
  /** The batch-level info of the clean batch and of every adversarial candidate (attack, restart, candidate). */
  readonly info: {
    readonly clean: BatchInfoRecord;
    readonly adversarial: readonly { readonly attack: string; readonly restart: number; readonly candidate: number; readonly info: BatchInfoRecord }[];
  };
}

/** Pictures of one example image under one defense, as PNG data URIs. */
export interface DefenseExample {
  /** Position among the evaluation images. */
  readonly index: number;
  /** The adversarial image (first candidate, first restart). */
  readonly adversarial: string;
  /** The clean image after the defense (purified, denoised, or as is). */
  readonly purifiedClean: string;
  /** The adversarial image after the defense. */
  readonly purifiedAdversarial: string;
}

/** One attack of a defense's evaluation, as reported. */
export interface ReportedAttack {
  /** The evaluator's name, e.g. `'pgd-eot'`. */
  readonly name: string;
  /** Its settings. */
  readonly settings: JsonValue;
  /** How it attacks this defense, in words. */
  readonly description: string;
  /** Names of its candidates (DAD: the objectives), when it names them. */
  readonly candidates?: readonly string[];
}

/** The results of one defense. */
export interface DefenseResult {
  /** Position in `protocol.defenses`. */
  readonly position: number;
  /** Row label. */
  readonly label: string;
  /** Label of the method it modifies (for Δ), if any. */
  readonly base: string | null;
  /** The defense as it describes itself (kind, settings, attack surface). */
  readonly defense: DefenseDescription;
  /** The attacks run against it. */
  readonly attacks: readonly ReportedAttack[];
  /** Per-image records, by index. */
  readonly images: readonly ImageRecord[];
  /** Per-batch records, by batch. */
  readonly batches: readonly BatchRecord[];
  /** Example pictures, by index. */
  readonly examples: readonly DefenseExample[];
}

/** A defense that was not run (its model files are absent), with the reason. */
export interface SkippedDefense {
  /** Position in `protocol.defenses`. */
  readonly position: number;
  /** The defense's name. */
  readonly name: string;
  /** Why. */
  readonly reason: string;
}

/** One row of the summary table. */
export interface SummaryRow {
  /** Row label. */
  readonly label: string;
  /** Label of the base method, if any. */
  readonly base: string | null;
  /** Images evaluated. */
  readonly images: number;
  /** Accuracy on the clean images through the defense. */
  readonly cleanAccuracy: number;
  /** Accuracy on the adversarial images through the defense (worst case over restarts and candidates). */
  readonly robustAccuracy: number;
  /** 95 % Wilson interval of the clean accuracy. */
  readonly cleanCi95: readonly [number, number];
  /** 95 % Wilson interval of the robust accuracy. */
  readonly robustCi95: readonly [number, number];
  /** Clean accuracy minus the base's on the same images (null without a base row). */
  readonly deltaClean: number | null;
  /** Robust accuracy minus the base's on the same images (null without a base row). */
  readonly deltaRobust: number | null;
  /** 95 % paired interval of `deltaClean` (Tango's score interval; null without a base row). */
  readonly deltaCleanCi95: readonly [number, number] | null;
  /** 95 % paired interval of `deltaRobust` (Tango's score interval; null without a base row). */
  readonly deltaRobustCi95: readonly [number, number] | null;
  /** Seconds per image to classify a clean image through the defense. */
  readonly secondsPerImage: number;
  /** Seconds per image of the attack. */
  readonly attackSecondsPerImage: number;
  /** Each attack (and named candidate) on its own: right on the clean image and on that attack's candidates. */
  readonly byAttack?: readonly AttackAccuracy[];
  /** Mixed batches: robust accuracy on the attacked images and on the clean bystanders, apart. */
  readonly mixed?: { readonly attacked: Accuracy; readonly bystanders: Accuracy };
  /** Batch detection (defenses whose info has a boolean `flagged` and a numeric `statistic` per batch). */
  readonly detection?: Detection;
}

/** A proportion with its 95 % Wilson interval. */
export interface Accuracy {
  /** Successes. */
  readonly count: number;
  /** Trials. */
  readonly of: number;
  /** count / of. */
  readonly rate: number;
  /** 95 % Wilson interval. */
  readonly ci95: readonly [number, number];
}

/** One attack's (or one named candidate's) robust accuracy on its own. */
export interface AttackAccuracy {
  /** The attack's name, e.g. `'dad-adaptive'`. */
  readonly attack: string;
  /** The candidate's name (DAD: the objective), or null for the attack's worst case over its candidates. */
  readonly candidate: string | null;
  /** Right on the clean image and on every candidate of this attack (or this candidate), all restarts. */
  readonly robust: Accuracy;
  /**
   * This robust accuracy minus the base row's under the same attack (candidate), paired on the same images, with
   * its 95 % interval; absent without a base row, or when the base was not run with this attack.
   */
  readonly delta?: { readonly difference: number; readonly ci95: readonly [number, number] };
}

/** How a batch detector did on the evaluation's batches (DAD's `flagged` and `statistic`). */
export interface Detection {
  /** Clean batches flagged: the measured false-positive rate at the defense's threshold. */
  readonly falsePositives: Accuracy;
  /** Per attack and candidate: adversarial batches flagged (true-positive rate at the threshold) and the AUROC of the statistic. */
  readonly attacks: readonly {
    readonly attack: string;
    readonly candidate: string;
    readonly truePositives: Accuracy;
    /** AUROC of the batch statistic, clean batches against this candidate's batches (ties count half). */
    readonly auroc: number;
    /** ROC points (false-positive rate, true-positive rate) at every threshold between the observed statistics. */
    readonly roc: readonly (readonly [number, number])[];
  }[];
  /** The threshold(s) the defense reported. */
  readonly thresholds: readonly number[];
}

/** Where and how a report was made (not part of the numbers: differs between runs). */
export interface ReportEnvironment {
  /** The tfjs backend, e.g. `'wasm'`. */
  readonly backend: string;
  /** Whether `@robustjs/native`'s oneDNN kernels were registered. */
  readonly native: boolean;
  /** `process.version`. */
  readonly node: string;
  /** Wall-clock seconds of the run (sum over shards after a merge). */
  readonly seconds: number;
  /** Shards merged into this report (1 for an unsharded run). */
  readonly shards: number;
}

/** A shard's place in a sharded run. */
export interface ShardInfo {
  /** This shard, 0-based. */
  readonly index: number;
  /** Number of shards. */
  readonly count: number;
  /** The batches it covers, `[from, to)`. */
  readonly batches: readonly [number, number];
}

/** The shards a partial merge (`merge --partial`) combined: its numbers cover their images only. */
export interface PartialInfo {
  /** The merged shards' indices, ascending. */
  readonly shards: readonly number[];
  /** Number of shards of the run. */
  readonly count: number;
}

/** A report: `report.json`, also the input of the table and of `report.html`. */
export interface Report {
  /** Format tag. */
  readonly format: 'robustjs-report';
  /** Format version, 2 (per-image and per-batch info records of the `Defense` contract, intervals). */
  readonly version: 2;
  /** `null` for a complete report, the shard's place for a partial one. */
  readonly shard: ShardInfo | null;
  /** Set by `merge --partial` when some shards of the run are missing: which ones were merged. */
  readonly partial?: PartialInfo;
  /** The protocol that produced it. */
  readonly protocol: Protocol;
  /** Where and how it ran. */
  readonly environment: ReportEnvironment;
  /** Clean example pictures (PNG data URIs) with their labels, by index. */
  readonly examples: readonly { readonly index: number; readonly label: number; readonly clean: string }[];
  /** Class names of the data set. */
  readonly classNames: readonly string[];
  /** Per-defense results, in protocol order. */
  readonly results: readonly DefenseResult[];
  /** Defenses not run, with the reason. */
  readonly skipped: readonly SkippedDefense[];
  /** The summary table (recomputed from the records). */
  readonly summary: readonly SummaryRow[];
}
