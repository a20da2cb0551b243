/** Spills give back exactly the blocks they were given, and a temporary file lives only until dispose. */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type BlockSpill, MemorySpill, OverflowSpill, TempFileSpill } from '#shared/data/spill';

const scratch = () => mkdtempSync(join(tmpdir(), 'finml-spill-test-'));

const kinds: [string, () => BlockSpill][] = [
  ['MemorySpill', () => new MemorySpill()],
  ['TempFileSpill', () => new TempFileSpill(scratch())],
  ['OverflowSpill (100-byte memory)', () => new OverflowSpill(100, scratch())],
];

const blockArb = fc.tuple(
  fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 40 }),
  fc.array(fc.double(), { maxLength: 40 }),
);

describe.each(kinds)('%s', (_name, make) => {
  test('gives back every block byte for byte, in any order, after the caller reused its arrays', () => {
    fc.assert(
      fc.property(fc.array(blockArb, { minLength: 1, maxLength: 12 }), (blocks) => {
        const spill = make();
        try {
          const handles = blocks.map(([ints, doubles]) => {
            const parts = [Int32Array.from(ints), Float64Array.from(doubles)];
            const handle = spill.put(parts);
            parts[0]!.fill(7);
            parts[1]!.fill(7);
            return handle;
          });
          const order = blocks.map((_, i) => i).reverse();
          for (const i of order) {
            const [ints, doubles] = blocks[i]!;
            const into = [new Int32Array(ints.length), new Float64Array(doubles.length)] as const;
            spill.get(handles[i]!, into);
            expect(Array.from(into[0])).toEqual(ints);
            expect(Array.from(into[1])).toEqual(doubles);
          }
          const bytes = blocks.reduce((s, [i, d]) => s + i.length * 4 + d.length * 8, 0);
          expect(spill.bytes).toBe(bytes);
        } finally {
          spill.dispose();
        }
      }),
      { numRuns: 40 },
    );
  });

  test('an unknown handle is an error, not silent zeros', () => {
    const spill = make();
    expect(() => spill.get(3, [new Int32Array(1)])).toThrow(/no spilled block 3/);
    spill.dispose();
  });
});

describe('TempFileSpill', () => {
  test('writes to a file that has no name while in use (nothing left behind) and closes it on dispose', () => {
    const dir = scratch();
    const spill = new TempFileSpill(dir);
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    spill.put([new Float64Array([1, 2, 3])]);
    expect(readdirSync(dir)).toEqual([]);
    expect(open()).toBe(before + 1);
    expect(spill.fileBytes).toBe(24);
    const back = new Float64Array(3);
    spill.get(0, [back]);
    expect(Array.from(back)).toEqual([1, 2, 3]);
    spill.dispose();
    expect(open()).toBe(before);
  });
});

describe('OverflowSpill', () => {
  test('keeps blocks in memory up to its budget and writes only the rest to the file', () => {
    const dir = scratch();
    const spill = new OverflowSpill(64, dir);
    spill.put([new Float64Array(4)]); // 32 bytes
    spill.put([new Float64Array(4)]); // 64 bytes: still in memory
    expect(spill.fileBytes).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    spill.put([new Float64Array([5, 6])]); // over the budget
    expect(spill.fileBytes).toBe(16);
    expect(spill.bytes).toBe(80);
    const back = new Float64Array(2);
    spill.get(2, [back]);
    expect(Array.from(back)).toEqual([5, 6]);
    spill.dispose();
    expect(readdirSync(dir)).toEqual([]);
  });
});
