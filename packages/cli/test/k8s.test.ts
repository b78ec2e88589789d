import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseProtocol } from '../src/index';

const DIR = join(__dirname, '..', '..', '..', 'docs', 'k8s');

/** Every document of a manifest file, as plain objects. */
const documents = (file: string): Record<string, any>[] =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => d.toJS() as Record<string, any>);

/** Validates one object against the Kubernetes schema of its kind (kubernetes-models); throws on a violation. */
async function validate(doc: Record<string, any>): Promise<void> {
  const models: Record<string, () => Promise<new (d: object) => { validate(): void }>> = {
    'batch/v1 Job': async () => (await import('kubernetes-models/batch/v1')).Job,
    'v1 ConfigMap': async () => (await import('kubernetes-models/v1')).ConfigMap,
    'v1 PersistentVolumeClaim': async () => (await import('kubernetes-models/v1')).PersistentVolumeClaim,
  };
  const make = models[`${doc.apiVersion} ${doc.kind}`];
  expect(make, `${doc.apiVersion} ${doc.kind}`).toBeDefined();
  new (await make!())(doc).validate();
}

describe('the Kubernetes manifests in docs/k8s', () => {
  it('validate against the Kubernetes schema', async () => {
    for (const file of ['robustjs-eval.yaml', 'robustjs-merge.yaml']) for (const doc of documents(file)) await validate(doc);
    const { Job } = await import('kubernetes-models/batch/v1');
    expect(() => new Job({ metadata: { name: 'x' }, spec: { completions: 'four', template: { spec: { containers: [] } } } } as never).validate())
      .toThrow(/completions/);
  });

  it('map the completion index to the shard, retry per index, and merge exactly the shards they write', () => {
    const [config, , job] = documents('robustjs-eval.yaml') as [Record<string, any>, unknown, Record<string, any>];
    const [merge] = documents('robustjs-merge.yaml') as [Record<string, any>];
    const n = job.spec.completions as number;
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.parallelism).toBe(n);
    expect(job.spec.backoffLimitPerIndex).toBeGreaterThanOrEqual(1);
    const command = (job.spec.template.spec.containers[0].args as string[]).join(' ');
    expect(command).toContain(`--shard "$JOB_COMPLETION_INDEX/${n}"`);
    expect(command).toMatch(/--checkpoints \/results\/checkpoints/);
    const mergeCommand = (merge.spec.template.spec.containers[0].args as string[]).join(' ');
    for (let i = 0; i < n; i++) expect(mergeCommand).toContain(`/results/parts/report.shard-${i}-of-${n}.json`);
    expect(mergeCommand.match(/report\.shard-/g)).toHaveLength(n);
    const protocol = parseProtocol(JSON.parse(config.data['protocol.json'] as string), 'ConfigMap robustjs-protocol');
    expect(protocol.images % protocol.batchSize).toBe(0);
  });
});
