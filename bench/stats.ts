/** Percentiles and the plain-text table the benchmark prints. */

/** The p-th percentile (0–100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Counts by key (status codes, error codes), added up over several runs. */
export function sumCounts(counts: readonly Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const each of counts) for (const [key, n] of Object.entries(each)) total[key] = (total[key] ?? 0) + n;
  return total;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

export const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : "n/a");
export const seconds = (valueMs: number) => (Number.isFinite(valueMs) ? `${(valueMs / 1000).toFixed(2)} s` : "n/a");

/** Rows of [measure, value, notes], printed as an aligned table. */
export function table(title: string, rows: [string, string, string][]): string {
  const head: [string, string, string] = ["measure", "value", "notes"];
  const all = [head, ...rows];
  const widths = [0, 1, 2].map((i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: [string, string, string]) =>
    `| ${r.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [title, line(head), rule, ...rows.map(line)].join("\n");
}
