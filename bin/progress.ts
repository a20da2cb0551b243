/** A one-line progress bar on stderr (only used when stderr is a terminal). */
export function progressBar(label: string, total: number): { update(done: number): void; done(): void } {
  let last = -1;
  const draw = (done: number) => {
    const pct = Math.min(100, Math.floor((done / total) * 100));
    if (pct === last) return;
    last = pct;
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}%`);
  };
  return { update: draw, done: () => process.stderr.write('\n') };
}
