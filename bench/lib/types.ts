/**
 * The shape of a benchmark case. A case is measured once per variant (e.g. per input size), each
 * time in a fresh child process so that peak RSS belongs to that measurement alone:
 *
 *   parent: prepare(variant) → child params (build or reuse cached inputs, never timed)
 *   child:  measure(params)  → figures (does the timed work; the runtime adds memory figures)
 *
 * The child side lives in its own module (`measureModule`) so that a child loads only what its
 * measurement needs: the benchmark harness and the other cases stay out of its memory.
 */

/** A JSON-serialisable value (child params cross the process boundary as JSON). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** What a child measured: named numbers (units in the figure specs). */
export type Figures = Record<string, number>;

/** The child-side function of a case: does the timed work and returns its figures. */
export type Measure<P extends JsonObject> = (params: P) => Promise<Figures>;

export interface Variant<V extends JsonObject> {
  /** Short name shown in the table, e.g. `1M`. */
  name: string;
  /** Part of `--quick` (the quick run must finish in under a minute). */
  quick: boolean;
  params: V;
}

export interface Target {
  op: '>=' | '<=';
  value: number;
  /** Where the target comes from, e.g. `issue 8`. */
  source: string;
}

/** How one figure is shown; figures without a spec are kept in the JSON only. */
export interface FigureSpec {
  key: string;
  label: string;
  unit: string;
  digits: number;
  target?: Target;
}

export interface PrepareContext {
  /** Folder for cached inputs (generated files), outside the repository. */
  cacheDir: string;
  /** Progress notes for the terminal (stderr). */
  log: (message: string) => void;
}

export interface BenchCase<V extends JsonObject = JsonObject, P extends JsonObject = JsonObject> {
  /** Identifier used by `--only`, e.g. `pipeline`. */
  name: string;
  title: string;
  /** The module that exports `measure: Measure<P>` (run in the child). */
  measureModule: URL;
  variants: Variant<V>[];
  /** Runs in the parent before each child: builds the inputs and returns the child's params. */
  prepare: (variant: V, context: PrepareContext) => Promise<P>;
  /** Figures shown in the table, in column order, with their targets. */
  figures: FigureSpec[];
  /** Kill the child after this many seconds (default 900). */
  timeoutSeconds?: number;
  /** Node flags of the case's children (before `--node-options`), e.g. those the command's user gets. */
  nodeOptions?: readonly string[];
}

/** Erases a case's parameter types so cases of different shapes fit in one list. */
export function defineCase<V extends JsonObject, P extends JsonObject>(c: BenchCase<V, P>): BenchCase {
  return c as unknown as BenchCase;
}

/** What a child process sends back. */
export type ChildReport =
  | {
      ok: true;
      figures: Figures;
      /** Memory of the child: peak RSS over its whole life, and RSS before the timed work. */
      memory: {
        peakRssMiB: number;
        baselineRssMiB: number;
        endHeapUsedMiB: number;
        endArrayBuffersMiB: number;
      };
    }
  | { ok: false; error: string };
