/**
 * Renders metrics in the Prometheus text exposition format (0.0.4), for one
 * scope. Job figures and LLM tokens are read from D1, for the platform or
 * for one organisation; the request, cache, LLM-call and rate-limit counters
 * of the global Counters object are platform-wide, so only the platform's
 * scope shows them.
 */

import { type Db, type JobScope, jobFigures, PLATFORM_SCOPE } from "@studyhall/db";

interface Sample {
  labels?: Record<string, string | number>;
  value: number;
  suffix?: string;
}

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  samples: Sample[];
}

const JOB_DURATION_BUCKETS_S = [1, 5, 15, 30, 60, 120, 300, 600, 1800];

const escapeLabel = (v: string) => v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");

function render(families: Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = s.labels ? Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`) : [];
      lines.push(`${f.name}${s.suffix ?? ""}${labels.length ? `{${labels.join(",")}}` : ""} ${Number.isFinite(s.value) ? s.value : 0}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Counters stored as `name{labels}` keys, grouped back into families. */
function fromCounters(counters: Record<string, number>, prefix: string, help: Record<string, [string, Family["type"]]>): Family[] {
  const families = new Map<string, Family>();
  for (const [key, value] of Object.entries(counters)) {
    const match = /^([a-z_][a-z0-9_:]*)(\{(.*)\})?$/.exec(key);
    if (!match) continue;
    let base = match[1]!;
    let suffix = "";
    for (const s of ["_bucket", "_sum", "_count"]) {
      if (base.endsWith(s) && help[base.slice(0, -s.length)]?.[1] === "histogram") {
        suffix = s;
        base = base.slice(0, -s.length);
      }
    }
    const described = help[base];
    if (!described) continue;
    const name = `${prefix}${base}`;
    if (!families.has(name)) families.set(name, { name, help: described[0], type: described[1], samples: [] });
    families.get(name)!.samples.push({ value, suffix, labels: match[3] ? parseLabels(match[3]) : undefined });
  }
  return [...families.values()];
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, ch) => (ch === "n" ? "\n" : ch));
  return labels;
}

const counterHelp: Record<string, [string, Family["type"]]> = {
  http_requests_total: ["HTTP requests by route template, method and status.", "counter"],
  http_request_duration_ms: ["HTTP request latency in milliseconds.", "histogram"],
  rate_limit_rejections_total: ["Requests refused by a rate limit, by route class.", "counter"],
  lesson_cache_hits: ["Lesson reads served from the KV cache.", "counter"],
  lesson_cache_misses: ["Lesson reads that missed the KV cache.", "counter"],
  llm_requests_total: ["Calls to the generator, by provider.", "counter"],
  llm_errors_total: ["Failed calls to the generator, by provider and error.", "counter"],
};

/** One scope's job figures; `counters` (the platform's) are added only when given. */
export async function renderMetrics(
  db: Db,
  scope: JobScope,
  counters: Record<string, number> | undefined,
  generatedAt = Date.now(),
): Promise<string> {
  const orgId = scope === PLATFORM_SCOPE ? undefined : scope.orgId;
  const figures = await jobFigures(db, orgId, JOB_DURATION_BUCKETS_S);

  const families: Family[] = [
    {
      name: "studyhall_jobs",
      help: "Jobs by kind, lane and status.",
      type: "gauge",
      samples: figures.byState.map((r) => ({ labels: { kind: r.kind, lane: r.lane, status: r.status }, value: r.n })),
    },
    {
      name: "studyhall_job_duration_seconds",
      help: "Run time of completed jobs, from first start to finish.",
      type: "histogram",
      samples: figures.durations.flatMap((r): Sample[] => [
        ...JOB_DURATION_BUCKETS_S.map((b, i) => ({ suffix: "_bucket", labels: { kind: r.kind, le: b }, value: r.withinBuckets[i] ?? 0 })),
        { suffix: "_bucket", labels: { kind: r.kind, le: "+Inf" }, value: r.count },
        { suffix: "_sum", labels: { kind: r.kind }, value: r.sum },
        { suffix: "_count", labels: { kind: r.kind }, value: r.count },
      ]),
    },
    {
      name: "studyhall_job_retries_total",
      help: "Failed attempts that were retried.",
      type: "counter",
      samples: [{ value: figures.events.retrying }],
    },
    {
      name: "studyhall_jobs_deferred_total",
      help: "Times a job waited for the shared LLM limit.",
      type: "counter",
      samples: [{ value: figures.events.deferred }],
    },
    {
      name: "studyhall_jobs_dead_lettered_total",
      help: "Jobs that reached the dead-letter queue.",
      type: "counter",
      samples: [{ value: figures.events.deadLettered }],
    },
    {
      name: "studyhall_llm_tokens_total",
      help: "LLM tokens charged to users' quotas.",
      type: "counter",
      samples: [{ value: figures.llmTokens }],
    },
    ...(counters ? fromCounters(counters, "studyhall_", counterHelp) : []),
  ];
  const whose = orgId ? `organisation ${orgId}` : "the platform";
  return `# studyhall metrics of ${whose}, generated at ${new Date(generatedAt).toISOString()}\n${render(families)}`;
}
