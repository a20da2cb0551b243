/**
 * `finml reproduce` on a `finml pipeline --out` / `finml train` folder (decision 22): a model trained
 * on gold that a later pipeline run rewrote is trained again from the bytes its lineage kept and
 * equals model.json; changed bytes fail naming the gold file (exit 2); a changed artifact is
 * reported with its first differing field (exit 3).
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../../helpers/cli.ts';

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
let out: string;
let goldFile: string;
let manifest: {
  modelVersion: string;
  gold: { key: string; sha256: string; snapshot: string; rows: number }[];
};

beforeAll(async () => {
  out = tempDir();
  const lines = readFileSync('data/samples/sp500-2000.csv', 'utf8').split('\n');
  // The same series (the symbol is the file's stem), its first 3,000 days.
  mkdirSync(join(out, 'first'));
  writeFileSync(join(out, 'first', 'sp500-2000.csv'), `${lines.slice(0, 3001).join('\n')}\n`);
  expect(
    (await runCli(['pipeline', join(out, 'first', 'sp500-2000.csv'), '--out', join(out, 'lake')])).code,
  ).toBe(0);
  expect((await runCli(['train', join(out, 'lake', 'gold'), '--out', join(out, 'model')])).code).toBe(0);
  manifest = JSON.parse(readFileSync(join(out, 'model', 'lineage.json'), 'utf8'));
  goldFile = manifest.gold[0]!.key;
  // The whole sample: the gold the model was trained on is rewritten.
  expect((await runCli(['pipeline', 'data/samples/sp500-2000.csv', '--out', join(out, 'lake')])).code).toBe(
    0,
  );
}, 180_000);

describe('finml reproduce', () => {
  test('train recorded each gold file’s hash and kept a copy of its bytes; the gold has changed since', () => {
    expect(manifest.gold).toHaveLength(1);
    const [object] = manifest.gold;
    expect(object!.snapshot).toBe(`lineage/sha256/${object!.sha256}`);
    expect(sha(join(out, 'model', object!.snapshot))).toBe(object!.sha256);
    expect(sha(goldFile)).not.toBe(object!.sha256);
  });

  test('the model is reproduced equal from its lineage: exit 0 and a plain verdict', async () => {
    const { code, stdout } = await runCli(['reproduce', join(out, 'model')]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      `Model ${manifest.modelVersion} reproduced: the re-trained artifact EQUALS the registered one.`,
    );
    expect(stdout).toContain(`from 1 gold file(s), ${manifest.gold[0]!.rows.toLocaleString('en-US')} rows`);
    expect(stdout).toContain('not compared: version, createdAt, lineage.codeVersion');
  }, 120_000);

  test('a changed artifact is not reproduced: exit 3 and the first differing field', async () => {
    const dir = join(out, 'changed');
    const model = JSON.parse(readFileSync(join(out, 'model', 'model.json'), 'utf8'));
    model.markov.transitionMatrix[0][0] += 1e-12;
    model.markov.transitionMatrix[0][1] -= 1e-12;
    mkdirSync(dir);
    cpSync(join(out, 'model', 'lineage'), join(dir, 'lineage'), { recursive: true });
    cpSync(join(out, 'model', 'lineage.json'), join(dir, 'lineage.json'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
    const { code, stdout } = await runCli(['reproduce', join(dir, 'model.json'), '--json']);
    expect(code).toBe(3);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ equal: false, difference: { path: 'markov.transitionMatrix[0][0]' } });
  }, 120_000);

  test('tampered lineage bytes are refused naming the gold file: exit 2', async () => {
    const snapshot = join(out, 'model', manifest.gold[0]!.snapshot);
    const original = readFileSync(snapshot);
    writeFileSync(snapshot, Buffer.concat([original, Buffer.from('2020-12-31,1,1,1\n')]));
    try {
      const { code, stderr } = await runCli(['reproduce', join(out, 'model')]);
      expect(code).toBe(2);
      expect(stderr).toContain(
        `${goldFile}: the bytes read from ${snapshot} are not the bytes the model was trained on`,
      );
    } finally {
      writeFileSync(snapshot, original);
    }
  }, 120_000);
});
