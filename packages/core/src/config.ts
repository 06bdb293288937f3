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

/**
 * User ids, comma-separated. Ids rather than emails: anyone may register any email first, but an id is
 * only known once the account exists.
 */
const userIdList = z
  .string()
  .optional()
  .transform((v) => (v ?? "").split(",").map((id) => id.trim()).filter((id) => id !== ""))
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "must be comma-separated user ids")));

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
  /** Questions to the tutor per minute per user, across every socket and room. */
  RATE_LIMIT_TUTOR_PER_MIN: int(5, 1),
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
  /** The people who run the deployment: platform-wide lane switches, every tenant's queues, all of /metrics. Secret. */
  PLATFORM_OPERATOR_IDS: userIdList,
  /** The scrape credential for /metrics (`Authorization: Bearer <token>`): platform-wide figures. Secret. */
  METRICS_TOKEN: optionalText.pipe(z.string().min(32, "must be at least 32 characters").optional()),
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

/**
 * Whether a user is one of the deployment's platform operators. Only configuration grants it: no
 * registration, invitation or role change can.
 * @example isPlatformOperator(loadConfig(env), user.id) // true for an id listed in PLATFORM_OPERATOR_IDS
 */
export function isPlatformOperator(config: Config, userId: string): boolean {
  return config.PLATFORM_OPERATOR_IDS.includes(userId);
}
