/**
 * studyhall beside the floor: each case's figures and its ratio to the
 * floor's, printed as one table. Throughput ratio is studyhall/floor (below 1
 * is slower), p99 ratio studyhall/floor (above 1 is slower). Figures only.
 */
import type { LoadFigures } from "./load.ts";
import { ms } from "./stats.ts";

export interface Comparison {
  name: string;
  studyhall: Pick<LoadFigures, "rps" | "p50Ms" | "p99Ms">;
  floor: Pick<LoadFigures, "rps" | "p50Ms" | "p99Ms">;
  /** What the rate means: requests/s, messages/s. */
  unit: string;
  note: string;
}

const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "n/a");
const rate = (value: number) => (Number.isFinite(value) ? value.toFixed(value < 100 ? 1 : 0) : "n/a");

/** Rows of cells, the first the header, as an aligned plain-text table (numbers right-aligned). */
export function grid(title: string, rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[], head = false) =>
    `| ${r.map((c, i) => (i === 0 || head || i === r.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [title, line(rows[0]!, true), rule, ...rows.slice(1).map((r) => line(r))].join("\n");
}

export function comparisonTable(comparisons: readonly Comparison[]): string {
  const head = ["case", "studyhall", "floor", "ratio", "p50 studyhall", "p50 floor", "p99 studyhall", "p99 floor", "p99 ratio", "notes"];
  const rows = comparisons.map((c) => [
    c.name,
    `${rate(c.studyhall.rps)} ${c.unit}`,
    `${rate(c.floor.rps)} ${c.unit}`,
    ratio(c.studyhall.rps, c.floor.rps),
    ms(c.studyhall.p50Ms),
    ms(c.floor.p50Ms),
    ms(c.studyhall.p99Ms),
    ms(c.floor.p99Ms),
    ratio(c.studyhall.p99Ms, c.floor.p99Ms),
    c.note,
  ]);
  return grid("studyhall beside the floor (same load generator, connections and duration; ratio = studyhall/floor)", [head, ...rows]);
}
