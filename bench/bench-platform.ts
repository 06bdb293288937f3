/**
 * The platform instance the bench measures: started as the e2e suite starts
 * one (test/e2e/platform.ts), with every request limit raised to the rate
 * limiter's largest window so that no figure is a 429, while the limiter
 * itself stays on (each limited request still takes from its bucket), access
 * tokens that outlast a run, and with
 * binding calls counted per request (`X-Binding-Calls`, see
 * workers/api/src/middleware/binding-calls.ts).
 */
import { RATE_LIMITER_MAX_LIMIT } from "../packages/core/src/config.ts";
import { type Platform, startPlatform } from "../test/e2e/platform.ts";

const outOfReach = String(RATE_LIMITER_MAX_LIMIT);

/** Variables of the bench's platform, on top of wrangler.toml's. */
export const BENCH_VARS: Record<string, string> = {
  RATE_LIMIT_API_PER_MIN: outOfReach,
  RATE_LIMIT_UPLOADS_PER_MIN: outOfReach,
  RATE_LIMIT_JOBS_PER_MIN: outOfReach,
  RATE_LIMIT_AUTH_PER_MIN: outOfReach,
  COUNT_BINDING_CALLS: "1",
  // A full run lasts longer than the default 10-minute access token, and the bench signs its teachers in once.
  ACCESS_TOKEN_TTL: String(2 * 60 * 60),
};

/**
 * @example
 * const platform = await startBenchPlatform("bench");
 * const onPostgres = await startBenchPlatform("bench-pg", "postgres");
 */
export function startBenchPlatform(label: string, store: "d1" | "postgres" = "d1"): Promise<Platform> {
  return startPlatform({ label, vars: BENCH_VARS, store });
}
