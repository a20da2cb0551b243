/**
 * Spill storage for the rows of a bronze file while it is read.
 *
 * A daily market file lists every symbol on every date, so a symbol's last row arrives only at the
 * end of the file: the rows of all symbols must be kept somewhere until then. Kept in memory, a
 * 5-million-row file needs about 300 MiB; spilled, the reader keeps one small block per symbol and
 * the rest waits in a temporary file until the symbol is cleaned and scored (one at a time).
 *
 * `OverflowSpill`, the default, keeps the first `memoryBytes` in memory — a small file never
 * touches the disk — and appends the rest to one nameless temporary file, freed on `dispose()`.
 * (This module is the one place in shared/data that touches the file system: the temporary file
 * is scratch space of the process, like memory, not a place where data is kept.)
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type View = Int32Array | Float64Array | Uint8Array;

/** Stores blocks of typed arrays and gives them back by handle. */
export interface BlockSpill {
  /** Stores a copy of the arrays (the caller may reuse them); returns the handle to read them. */
  put(parts: readonly View[]): number;
  /** Copies the block stored under `handle` into `into` (same lengths and types as at `put`). */
  get(handle: number, into: readonly View[]): void;
  /** Bytes stored so far. */
  readonly bytes: number;
  /** Bytes in the temporary file (0 while everything fits in memory). */
  readonly fileBytes: number;
  /**
   * Bytes the builders writing here hold in blocks of their own (each adds what it allocates), and
   * the most they may hold together: past it a builder whose block is full hands it here, whatever
   * its size, instead of allocating a bigger one — so a file of many symbols with few rows each keeps
   * its rows here, not in one partly filled block per symbol.
   */
  held: number;
  readonly holdLimit: number;
  /** Frees the memory and deletes the temporary file. The spill cannot be used afterwards. */
  dispose(): void;
}

const bytesOf = (v: View) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** Keeps every block in memory (copies). */
export class MemorySpill implements BlockSpill {
  private readonly blocks: Uint8Array[][] = [];
  bytes = 0;
  readonly fileBytes = 0;
  held = 0;
  /** Handing a block to memory saves no memory: builders grow theirs. */
  readonly holdLimit = Number.POSITIVE_INFINITY;

  put(parts: readonly View[]): number {
    this.blocks.push(parts.map((p) => bytesOf(p).slice()));
    for (const p of parts) this.bytes += p.byteLength;
    return this.blocks.length - 1;
  }

  get(handle: number, into: readonly View[]): void {
    const block = this.blocks[handle];
    if (block === undefined) throw new Error(`no spilled block ${handle}`);
    into.forEach((v, i) => {
      bytesOf(v).set(block[i]!);
    });
  }

  dispose(): void {
    this.blocks.length = 0;
  }
}

/**
 * Appends blocks to one temporary file, created on the first `put` and unlinked at once: it has no
 * name while in use, so nothing is left behind even if the process dies mid-run (the space is freed
 * when `dispose` closes it, or with the process).
 */
export class TempFileSpill implements BlockSpill {
  private fd: number | undefined;
  private path: string | undefined;
  /** File offset of each block. */
  private readonly offsets: number[] = [];
  bytes = 0;
  held = 0;

  constructor(
    private readonly dir: string = tmpdir(),
    readonly holdLimit = Number.POSITIVE_INFINITY,
  ) {}

  get fileBytes(): number {
    return this.bytes;
  }

  put(parts: readonly View[]): number {
    if (this.fd === undefined) {
      this.path = join(this.dir, `finml-spill-${process.pid}-${Date.now()}-${spillCount++}.bin`);
      this.fd = openSync(this.path, 'wx+', 0o600);
      unlinkSync(this.path);
    }
    this.offsets.push(this.bytes);
    for (const p of parts) {
      const bytes = bytesOf(p);
      let done = 0;
      while (done < bytes.length)
        done += writeSync(this.fd, bytes, done, bytes.length - done, this.bytes + done);
      this.bytes += bytes.length;
    }
    return this.offsets.length - 1;
  }

  get(handle: number, into: readonly View[]): void {
    let at = this.offsets[handle];
    if (at === undefined || this.fd === undefined) throw new Error(`no spilled block ${handle}`);
    for (const v of into) {
      const bytes = bytesOf(v);
      let done = 0;
      while (done < bytes.length) {
        const n = readSync(this.fd, bytes, done, bytes.length - done, at + done);
        if (n === 0) throw new Error(`spill file ${this.path} ended early at block ${handle}`);
        done += n;
      }
      at += bytes.length;
    }
  }

  dispose(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.offsets.length = 0;
  }
}

let spillCount = 0;

/**
 * Memory for the first `memoryBytes`, then a temporary file for the rest; the builders' own blocks
 * may hold as much again (`holdLimit`, by default `memoryBytes`) before they hand partly grown blocks
 * over. So a file's rows take about 2 × `memoryBytes` of memory plus one small block per symbol.
 */
export class OverflowSpill implements BlockSpill {
  private readonly memory = new MemorySpill();
  private readonly file: TempFileSpill;
  /** Per handle: the handle in memory (≥ 0) or in the file (−1 − handle). */
  private readonly where: number[] = [];
  held = 0;

  constructor(
    private readonly memoryBytes: number,
    dir?: string,
    readonly holdLimit = memoryBytes,
  ) {
    this.file = new TempFileSpill(dir);
  }

  get bytes(): number {
    return this.memory.bytes + this.file.bytes;
  }

  get fileBytes(): number {
    return this.file.bytes;
  }

  put(parts: readonly View[]): number {
    const size = parts.reduce((s, p) => s + p.byteLength, 0);
    this.where.push(
      this.memory.bytes + size <= this.memoryBytes ? this.memory.put(parts) : -1 - this.file.put(parts),
    );
    return this.where.length - 1;
  }

  get(handle: number, into: readonly View[]): void {
    const w = this.where[handle];
    if (w === undefined) throw new Error(`no spilled block ${handle}`);
    if (w >= 0) this.memory.get(w, into);
    else this.file.get(-1 - w, into);
  }

  dispose(): void {
    this.memory.dispose();
    this.file.dispose();
    this.where.length = 0;
  }
}
