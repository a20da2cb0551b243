/**
 * dynalite 4.0 leaks one LevelDB iterator per Query and Scan. It wraps abstract-level's iterators in
 * Readable streams whose destroy() closes the iterator only through `iterator.return()` — a method
 * abstract-level 3 iterators do not have (they have `close()`) — so no iterator is ever closed: each
 * stays in its database's open-resource set with its native LevelDB iterator (which pins the memtable
 * and table files it reads, outside the JS heap) and the stream's read-ahead items. On the soak
 * (one process, tens of thousands of Queries) this was the RSS growing ~8.5 MiB a replayed day.
 *
 * The patch gives abstract-level's iterators the async-iterator `return()` dynalite calls: it closes
 * the iterator. Applied once per process, before a dynalite server starts; the in-memory store
 * (memory-level) and the on-disk one (classic-level) share the one AbstractIterator patched here.
 */
import { createRequire } from 'node:module';

interface Closable {
  close(): Promise<void>;
  return?: () => Promise<IteratorReturnResult<undefined>>;
}

export interface LevelModules {
  /** abstract-level's iterator classes, as dynalite's `level` and `memory-level` resolve them. */
  readonly iterators: { prototype: Closable }[];
  /** abstract-level's database class (attachResource / detachResource hold the open iterators). */
  readonly databases: {
    prototype: { attachResource(r: unknown): void; detachResource(r: unknown): void };
  }[];
}

/** abstract-level as dynalite loads it (through level → classic-level, and memory-level). */
export function dynaliteLevelModules(): LevelModules {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const fromLevel = createRequire(fromDynalite.resolve('level'));
  const bases = [
    createRequire(fromLevel.resolve('classic-level')),
    createRequire(fromDynalite.resolve('memory-level')),
  ].map(
    (r) =>
      r('abstract-level') as {
        AbstractIterator: LevelModules['iterators'][number];
        AbstractKeyIterator: LevelModules['iterators'][number];
        AbstractValueIterator: LevelModules['iterators'][number];
        AbstractLevel: LevelModules['databases'][number];
      },
  );
  const unique = <T>(xs: T[]) => [...new Set(xs)];
  return {
    iterators: unique(
      bases.flatMap((b) => [b.AbstractIterator, b.AbstractKeyIterator, b.AbstractValueIterator]),
    ),
    databases: unique(bases.map((b) => b.AbstractLevel)),
  };
}

/** Makes dynalite's Query and Scan streams close their iterators (idempotent). */
export function makeDynaliteCloseIterators(): void {
  for (const Iterator of dynaliteLevelModules().iterators) {
    if (typeof Iterator.prototype.return === 'function') continue;
    Object.defineProperty(Iterator.prototype, 'return', {
      configurable: true,
      writable: true,
      value: async function closeIterator(this: Closable): Promise<IteratorReturnResult<undefined>> {
        await this.close();
        return { done: true, value: undefined };
      },
    });
  }
}
