/** The CLI's staged writes: all or nothing, and no listener pile-up on a long write. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { stageFile, writeAtomic } from '../../../bin/files.ts';
import { tempDir } from '../../helpers/cli.ts';

describe('stageFile / writeAtomic', () => {
  test('a long write (many drains) arrives whole and leaves no listeners or warnings behind', async () => {
    const warn = vi.fn();
    process.on('warning', warn);
    const path = join(tempDir(), 'big.txt');
    const chunk = 'x'.repeat(64 * 1024);
    await writeAtomic(
      path,
      Array.from({ length: 200 }, () => chunk),
    );
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', warn);
    expect(readFileSync(path, 'utf8').length).toBe(200 * chunk.length);
    expect(warn).not.toHaveBeenCalled();
  });

  test('nothing appears under the final name before commit; abort leaves nothing at all', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.csv');
    const kept = await stageFile(path);
    await kept.write('a,b\n');
    await kept.close();
    expect(existsSync(path)).toBe(false);
    await kept.commit();
    expect(readFileSync(path, 'utf8')).toBe('a,b\n');

    const dropped = await stageFile(join(dir, 'gone.csv'));
    await dropped.write('x\n');
    await dropped.abort();
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });
});
