/** Realised outcomes: once the next gold day of a forecast is known, its regime is recorded. */
import { collectBytes, readGoldParquet } from '#shared/data/parquet-tables';
import { formatIsoDay, parseIsoDay } from '#shared/data/values';
import { type Context, keys } from './lake.ts';
import { symbolLease, withLease } from './leases.ts';

export async function recordOutcomes(
  ctx: Context,
  symbols: readonly string[],
): Promise<{ recorded: number }> {
  let recorded = 0;
  for (const symbol of symbols) {
    // Read under the symbol's lease: never a partition half rewritten by a concurrent run.
    const [table] = await withLease(ctx, symbolLease(symbol), async () => {
      const body = await ctx.store.get(ctx.buckets.gold, keys.gold(symbol));
      return body === undefined ? [] : readGoldParquet(await collectBytes(body), keys.gold(symbol));
    });
    if (table === undefined || table.length < 2) continue;
    const lastDate = formatIsoDay(table.day[table.length - 1]!);
    for (const entry of await ctx.predictions.pendingOutcomes(symbol, lastDate)) {
      const from = parseIsoDay(entry.fromDate);
      if (from === undefined) continue;
      // The first gold day after the forecast's starting day.
      let i = 0;
      while (i < table.length && table.day[i]! <= from) i++;
      if (i >= table.length) continue;
      await ctx.predictions.setOutcome(entry, {
        state: table.markov_state[i]!,
        date: formatIsoDay(table.day[i]!),
      });
      recorded++;
    }
  }
  return { recorded };
}
