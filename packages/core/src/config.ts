/**
 * Configuration, validated once per isolate from the worker's variables and
 * secrets. Every knob has its default here; README.md lists them all.
 */
import { z } from "zod";

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined));

export const configSchema = z.object({
  APP_ENV: z.enum(["development", "test", "production"]).default("production"),
  JWT_ISSUER: z.string().min(1).default("studyhall"),
  JWT_AUDIENCE: z.string().min(1).default("studyhall-api"),
  /** Access token lifetime, seconds. */
  ACCESS_TOKEN_TTL: int(600, 30),
  /** Refresh token lifetime, seconds. */
  REFRESH_TOKEN_TTL: int(30 * 24 * 3600, 60),
  /** Clock skew tolerated when checking `exp` and `nbf`, seconds. */
  JWT_CLOCK_TOLERANCE: int(30),
  /** JSON array of private JWKs (ES256, each with `kid`); the first signs. Secret. */
  JWT_SIGNING_KEYS: optionalText,
  /** JSON array of public JWKs of retired keys still accepted. */
  JWT_VERIFY_KEYS: optionalText,
  /** Optional external identity provider. */
  OIDC_ISSUER: optionalText,
  OIDC_AUDIENCE: optionalText,
  OIDC_JWKS_URL: optionalText,
  PASSWORD_MIN_LENGTH: int(10, 8),
  INVITATION_TTL: int(7 * 24 * 3600, 60),
  /** Requests per minute per user and route class, and per IP on auth routes. */
  RATE_LIMIT_API_PER_MIN: int(120, 1),
  RATE_LIMIT_UPLOADS_PER_MIN: int(5, 1),
  RATE_LIMIT_JOBS_PER_MIN: int(10, 1),
  RATE_LIMIT_AUTH_PER_MIN: int(20, 1),
  /** Monthly LLM tokens per role. */
  QUOTA_TOKENS_ADMIN: int(2_000_000),
  QUOTA_TOKENS_TEACHER: int(1_000_000),
  QUOTA_TOKENS_STUDENT: int(100_000),
  /** Largest JSON request body, bytes. */
  MAX_JSON_BYTES: int(1_048_576, 1024),
  /** Largest PDF upload, bytes. */
  MAX_UPLOAD_BYTES: int(50 * 1024 * 1024, 1024),
  /** Documents with more pages fail to parse with pdf-too-many-pages. */
  MAX_PDF_PAGES: int(500, 1),
  /** Retries after a failed attempt, waiting JOB_BACKOFF_BASE_MS × 2^n (with jitter) before each. */
  JOB_MAX_RETRIES: int(3, 0),
  JOB_BACKOFF_BASE_MS: int(2000, 0),
  /** How long a consumer's claim on a job lasts without a progress report. */
  JOB_LEASE_SECONDS: int(120, 5),
  /** A queued job not sent after this long (its send failed) is sent by the sweep. */
  JOB_UNSENT_AFTER_SECONDS: int(30, 0),
  /** A queued job sent this long ago and still not taken is sent again. */
  JOB_STALE_AFTER_SECONDS: int(900, 1),
  /** Lessons stay in the KV cache this long, seconds. */
  LESSON_CACHE_TTL: int(86_400, 60),
  /** Global LLM use, shared by every consumer. */
  LLM_REQUESTS_PER_MIN: int(60, 1),
  LLM_TOKENS_PER_MIN: int(200_000, 1),
});

export type Config = z.infer<typeof configSchema>;

const cache = new WeakMap<object, Config>();

/**
 * Parses the environment once per env object; a bad value fails loudly at the
 * first request rather than misbehaving later.
 */
export function loadConfig(env: object): Config {
  let config = cache.get(env);
  if (!config) {
    const source: Record<string, unknown> = {};
    for (const key of Object.keys(configSchema.shape)) {
      const value = (env as Record<string, unknown>)[key];
      if (typeof value === "string" || typeof value === "number") source[key] = value === "" ? undefined : value;
    }
    config = configSchema.parse(source);
    cache.set(env, config);
  }
  return config;
}
