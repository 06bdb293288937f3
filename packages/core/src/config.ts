/**
 * Configuration, validated once per isolate from the worker's variables and
 * secrets. Every knob has its default and its bounds here; the bounds are the
 * ones the components that read the knob really accept (those components
 * import the same constants), and README.md lists them all.
 */
import { z } from "zod";
import { oncePerEnv } from "./settings.ts";

/** Most requests one RateLimiter object counts per window: its log holds one timestamp per request in one storage value. */
export const RATE_LIMITER_MAX_LIMIT = 100_000;
/** Most requests per minute the LlmGate object tracks: its log holds one entry per request in one storage value. */
export const LLM_GATE_MAX_REQUESTS_PER_MIN = 10_000;
export const LLM_GATE_MAX_TOKENS_PER_MIN = 1_000_000_000;
/** Cloudflare Queues' longest delivery delay. */
export const QUEUE_MAX_DELAY_SECONDS = 43_200;
/** Longest life of an invitation, whether from configuration or asked for per invitation. */
export const INVITATION_MAX_TTL_SECONDS = 90 * 24 * 3600;
/** Longest password accepted (PBKDF2 hashes whatever it is given; this bounds the work). */
export const PASSWORD_MAX_LENGTH = 512;
/** Workers KV's shortest expiration TTL. */
export const KV_MIN_TTL_SECONDS = 60;
/** Largest upload: Cloudflare's request body limit on the Free and Pro plans (and the parser holds the file in a 128 MB isolate). */
export const UPLOAD_MAX_BYTES = 100 * 1024 * 1024;

const DAY = 24 * 3600;

/** A whole number within bounds, described the way README.md's Configuration table says it. */
const int = (fallback: number, min: number, max: number, why?: string) =>
  z.coerce
    .number()
    .int()
    .min(min)
    .max(max)
    .default(fallback)
    .describe(`an integer from ${min} to ${max}${why ? ` (${why})` : ""}`);

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
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((id) => id.trim())
      .filter((id) => id !== ""),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "must be comma-separated user ids")));

const name = (fallback: string) => z.string().trim().min(1).max(200).default(fallback).describe("1 to 200 characters");

const httpUrl = optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()).describe("an http(s) URL");

/** A JSON array of JWKs, each with a `kid`: checked here so a broken key list fails at start-up, not at the first sign-in. */
const jwkList = optionalText
  .refine((v) => {
    if (v === undefined) return true;
    try {
      const parsed: unknown = JSON.parse(v);
      const list = Array.isArray(parsed) ? parsed : [parsed];
      return list.every((k) => typeof k === "object" && k !== null && typeof (k as { kid?: unknown }).kid === "string");
    } catch {
      return false;
    }
  })
  .describe("a JSON array of JWKs, each with a kid");

const clientIds = optionalText
  .transform((v) =>
    v
      ?.split(",")
      .map((id) => id.trim())
      .filter((id) => id !== ""),
  )
  .pipe(z.array(z.string().max(200)).max(50).optional())
  .describe("a comma-separated list of at most 50 client ids");

export const configSchema = z
  .object({
    APP_ENV: z.enum(["development", "test", "production"]).default("production").describe("development, test or production"),
    JWT_ISSUER: name("studyhall"),
    JWT_AUDIENCE: name("studyhall-api"),
    /** Access token lifetime, seconds. */
    ACCESS_TOKEN_TTL: int(600, 30, DAY),
    /** Refresh token lifetime, seconds. */
    REFRESH_TOKEN_TTL: int(30 * DAY, 60, 365 * DAY),
    /** Clock skew tolerated when checking `exp` and `nbf`, seconds. */
    JWT_CLOCK_TOLERANCE: int(30, 0, 300),
    /** JSON array of private JWKs (ES256, each with `kid`); the first signs. Secret. */
    JWT_SIGNING_KEYS: jwkList,
    /** JSON array of public JWKs of retired keys still accepted. */
    JWT_VERIFY_KEYS: jwkList,
    /** Optional external identity provider. */
    OIDC_ISSUER: optionalText.pipe(z.string().max(500).optional()).describe("at most 500 characters"),
    OIDC_AUDIENCE: optionalText.pipe(z.string().max(500).optional()).describe("at most 500 characters"),
    OIDC_JWKS_URL: httpUrl,
    /** The provider's client ids whose tokens are accepted (`azp`); unset accepts any client the audience admits. */
    OIDC_CLIENT_IDS: clientIds,
    PASSWORD_MIN_LENGTH: int(10, 8, 128),
    INVITATION_TTL: int(7 * DAY, 60, INVITATION_MAX_TTL_SECONDS, "the longest an invitation may be asked for"),
    /** Requests per minute per user and route class, and per IP on auth routes. */
    RATE_LIMIT_API_PER_MIN: int(120, 1, RATE_LIMITER_MAX_LIMIT, "the rate limiter's largest window"),
    RATE_LIMIT_UPLOADS_PER_MIN: int(5, 1, RATE_LIMITER_MAX_LIMIT, "the rate limiter's largest window"),
    RATE_LIMIT_JOBS_PER_MIN: int(10, 1, RATE_LIMITER_MAX_LIMIT, "the rate limiter's largest window"),
    RATE_LIMIT_AUTH_PER_MIN: int(20, 1, RATE_LIMITER_MAX_LIMIT, "the rate limiter's largest window"),
    /**
     * How long an isolate may spend the general API permits it leased from the rate limiter, seconds. Longer
     * leases ask the limiter less often; permits left unspent when one ends count until they leave the window.
     */
    RATE_LIMIT_LEASE_SECONDS: int(10, 1, 60, "the rate limiter's longest lease"),
    /** Questions to the tutor per minute per user, across every socket and room. */
    RATE_LIMIT_TUTOR_PER_MIN: int(5, 1, RATE_LIMITER_MAX_LIMIT, "the rate limiter's largest window"),
    /** Monthly LLM tokens per role. */
    QUOTA_TOKENS_ADMIN: int(2_000_000, 0, 1e12),
    QUOTA_TOKENS_TEACHER: int(1_000_000, 0, 1e12),
    QUOTA_TOKENS_STUDENT: int(100_000, 0, 1e12),
    /** Largest JSON request body, bytes; it is read into memory. */
    MAX_JSON_BYTES: int(1_048_576, 1024, 16 * 1024 * 1024),
    /** Largest PDF upload, bytes. */
    MAX_UPLOAD_BYTES: int(50 * 1024 * 1024, 1024, UPLOAD_MAX_BYTES, "Cloudflare's request body limit"),
    /** Documents with more pages fail to parse with pdf-too-many-pages. */
    MAX_PDF_PAGES: int(500, 1, 10_000),
    /** Retries after a failed attempt, waiting JOB_BACKOFF_BASE_MS × 2^n (with jitter) before each. */
    JOB_MAX_RETRIES: int(3, 0, 20),
    JOB_BACKOFF_BASE_MS: int(2000, 0, QUEUE_MAX_DELAY_SECONDS * 1000, "a queue's longest delay"),
    /** How long a consumer's claim on a job lasts without a progress report. */
    JOB_LEASE_SECONDS: int(120, 5, 3600),
    /** A queued job not sent after this long (its send failed) is sent by the sweep. */
    JOB_UNSENT_AFTER_SECONDS: int(30, 0, DAY),
    /** A queued job sent this long ago and still not taken is sent again. */
    JOB_STALE_AFTER_SECONDS: int(900, 1, 7 * DAY),
    /** The JobSweeper object's alarm sweeps this often; the cron's minute is the backstop. */
    JOB_SWEEP_INTERVAL_SECONDS: int(15, 1, 3600),
    /** Lessons stay in the KV cache this long, seconds. */
    LESSON_CACHE_TTL: int(86_400, KV_MIN_TTL_SECONDS, 365 * DAY, "KV's shortest TTL is 60 s"),
    /** The least severe log line written: debug, info, warn or error. */
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info").describe("debug, info, warn or error"),
    /**
     * The share of successful requests that get a log line (at info; every one at debug). Failed requests
     * (4xx at warn, 5xx at error) are always logged while their level passes.
     */
    LOG_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.01).describe("a number from 0 to 1"),
    /** Global LLM use, shared by every consumer. */
    LLM_REQUESTS_PER_MIN: int(60, 1, LLM_GATE_MAX_REQUESTS_PER_MIN, "the LLM gate's largest window"),
    LLM_TOKENS_PER_MIN: int(200_000, 1, LLM_GATE_MAX_TOKENS_PER_MIN),
    /** The people who run the deployment: platform-wide lane switches, every tenant's queues, all of /metrics. Secret. */
    PLATFORM_OPERATOR_IDS: userIdList.describe("comma-separated user ids"),
    /** The scrape credential for /metrics (`Authorization: Bearer <token>`): platform-wide figures. Secret. */
    METRICS_TOKEN: optionalText.pipe(z.string().min(32, "must be at least 32 characters").optional()).describe("at least 32 characters"),
  })
  .superRefine((config, ctx) => {
    // One without the other would silently turn the provider off.
    if (Boolean(config.OIDC_ISSUER) !== Boolean(config.OIDC_JWKS_URL)) {
      const missing = config.OIDC_ISSUER ? "OIDC_JWKS_URL" : "OIDC_ISSUER";
      ctx.addIssue({
        code: "custom",
        path: [missing],
        message: "set together with OIDC_ISSUER and OIDC_JWKS_URL (both or neither)",
        params: { across: true },
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

const readConfig = oncePerEnv(configSchema);

/**
 * Parses the environment once per env object. A bad value fails at the first
 * request with a `ConfigError` naming each variable and its bound, rather
 * than misbehaving later (a limit the rate limiter refuses, say). Each worker
 * reads its own superset of this (`apiConfig`, `jobsConfig`); the packages
 * they share read this part.
 */
export function loadConfig(env: object): Config {
  return readConfig(env);
}

/**
 * Whether a user is one of the deployment's platform operators. Only configuration grants it: no
 * registration, invitation or role change can.
 * @example isPlatformOperator(loadConfig(env), user.id) // true for an id listed in PLATFORM_OPERATOR_IDS
 */
export function isPlatformOperator(config: Config, userId: string): boolean {
  return config.PLATFORM_OPERATOR_IDS.includes(userId);
}
