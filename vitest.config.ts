/**
 * Two projects: `workers` runs in workerd through @cloudflare/vitest-plugin
 * against local D1, KV, R2, Queues and Durable Objects; `e2e` drives a real
 * `wrangler dev` of every worker over HTTP and WebSocket.
 */
import { globSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { FAKE_LLM_ORIGIN, fakeLlm } from "./test/fake-llm-endpoint.ts";
import { newSigningKey } from "./test/keys.ts";

const IDP_ORIGIN = "https://idp.test";
const WORKERD_TESTS = ["workers/**/*.test.ts", "packages/**/*.test.ts", "test/workers/**/*.test.ts"];
/**
 * Tests that need a runtime of their own: what they check is the first request a runtime serves, a memo
 * not yet filled, or a limit shared by the whole deployment (the LLM gate) that other files would fill.
 */
const FRESH_RUNTIME_TESTS = [
  "test/workers/job-sweeper-start.test.ts",
  "workers/api/src/middleware/binding-calls.test.ts",
  "workers/jobs/test/course-content.test.ts",
  "workers/jobs/test/spending-model.test.ts",
  "test/workers/ops-endpoints-flood.test.ts",
  "test/workers/metrics.test.ts",
];
const E2E_TESTS = globSync("test/e2e/**/*.test.ts").sort();
/** End-to-end files that check both stores themselves (the schema on PostgreSQL, the move from D1), so run once. */
const E2E_OF_BOTH_STORES = ["test/e2e/d1-to-postgres.e2e.test.ts", "test/e2e/postgres-schema.e2e.test.ts"];
/**
 * End-to-end files that start platforms of their own (to kill and restart one, or to point it at a local
 * OpenAI-compatible server): on PostgreSQL they are the `e2e-pg-own-platforms` project, which `npm test`
 * runs after the `e2e-pg` files (scripts/test-suites.ts).
 */
const E2E_OWN_PLATFORMS = E2E_TESTS.filter((file) => /\bstartPlatform\(/.test(readFileSync(file, "utf8")));
/**
 * The Worker tests that run on PostgreSQL as well (the `workers-pg` and `workers-pg-fresh` projects): those
 * that reach the store (through the API, the jobs' handlers or the tests' helpers) and only through the data
 * layer and the routes. Unit tests of code that never touches it (a parser, a prompt, a layout) would only
 * run twice. The rest set up or read rows with D1's own SQL (`env.DB`), or make D1 itself fail, so they run on D1.
 */
const runsOnBothStores = (file: string) => {
  const source = readFileSync(file, "utf8");
  const reachesStore = /"cloudflare:test"|\/helpers\/|"\.\/run-jobs\.ts"/.test(source);
  return reachesStore && !/\benv\.DB\b/.test(source);
};
const ON_BOTH_STORES = WORKERD_TESTS.flatMap((pattern) => globSync(pattern))
  .filter((file) => !FRESH_RUNTIME_TESTS.includes(file) && runsOnBothStores(file))
  .sort();
const FRESH_ON_BOTH_STORES = FRESH_RUNTIME_TESTS.filter(runsOnBothStores);
const CORPUS_ORIGIN = "https://corpus.test";
/** An OpenAI-compatible endpoint that refuses every request with a body full of its own details, as real ones do. */
const REFUSING_LLM_ORIGIN = "https://refusing-llm.test";
const refusingLlm = () =>
  new Response(
    JSON.stringify({
      error: {
        message: "The model `gpt-canary` does not exist; org-LEAKCANARY has no access to it.",
        type: "invalid_request_error",
        code: "model_not_found",
      },
    }),
    {
      status: 400,
      headers: { "Content-Type": "application/json" },
    },
  );
/** The shared PDF corpus, beside the repository (../shared/corpus in CI and locally). */
const CORPUS_DIR = new URL("../shared/corpus/pdfjs/", import.meta.url);

/** Serves one corpus file by name, so tests in workerd (no filesystem) can fetch the PDFs. */
async function corpusFile(pathname: string): Promise<Response> {
  const name = decodeURIComponent(pathname.slice(1));
  if (!/^[\w.-]+$/.test(name) || name.startsWith(".")) return new Response("bad corpus name", { status: 400 });
  try {
    const bytes = await readFile(new URL(name, CORPUS_DIR));
    const type = name.endsWith(".pdf") ? "application/pdf" : "text/plain; charset=utf-8";
    return new Response(bytes, { headers: { "Content-Type": type } });
  } catch {
    return new Response(`not in the corpus: ${name}`, { status: 404 });
  }
}

/**
 * `.ttf` imports load as their bytes, as wrangler bundles them (a Data module, see workers/jobs/wrangler.toml).
 * Vite's asset handling would otherwise make them a URL string: a `modulesRules` entry for the pool did not
 * reach them in this setup.
 */
const fontsAsBytes = {
  name: "fonts-as-bytes",
  enforce: "pre" as const,
  async load(id: string) {
    if (!id.endsWith(".ttf")) return undefined;
    const base64 = (await readFile(id)).toString("base64");
    return `export default Uint8Array.from(atob(${JSON.stringify(base64)}), (c) => c.charCodeAt(0)).buffer;`;
  },
};

/** A loopback port nobody listens on now, for the `workers-pg` project's PostgreSQL. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  const current = await newSigningKey("test-current");
  const retired = await newSigningKey("test-retired");
  const idp = await newSigningKey("idp-1");
  const idpJwks = JSON.stringify({ keys: [idp.publicJwk] });

  // The workers-pg project's PostgreSQL (test/setup/postgres-for-workers.ts starts it on this port). The
  // password is there because a Hyperdrive binding needs one; the private cluster trusts loopback connections.
  process.env.STUDYHALL_TEST_PG_PORT ??= String(await freePort());
  // The proxy in front of it that cuts a chosen statement's connection (test/setup/store-fault-proxy.ts).
  process.env.STUDYHALL_TEST_PG_FAULT_PORT ??= String(await freePort());
  // The pool of its connections the binding reaches, as a deployment's binding reaches Hyperdrive's (scripts/pg-pool.ts).
  process.env.STUDYHALL_TEST_PG_POOL_PORT ??= String(await freePort());
  const pgUrl = `postgres://studyhall:studyhall@127.0.0.1:${process.env.STUDYHALL_TEST_PG_POOL_PORT}/studyhall`;

  /**
   * The workerd runtime of the Worker tests, with the API's bindings and the jobs worker's producers; with
   * `store: "postgres"`, the relational store is PostgreSQL through a Hyperdrive binding, as a deployment
   * switched to it has.
   */
  const workerd = (store: "d1" | "postgres" = "d1") =>
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          APP_ENV: "test",
          // Only errors, so the suite's output stays readable (packages/core/src/log.test.ts covers the levels and sampling).
          LOG_LEVEL: "error",
          TEST_MIGRATIONS: migrations,
          JWT_SIGNING_KEYS: JSON.stringify([current.privateJwk]),
          JWT_VERIFY_KEYS: JSON.stringify([retired.publicJwk]),
          TEST_RETIRED_KEY: JSON.stringify(retired.privateJwk),
          TEST_IDP_KEY: JSON.stringify(idp.privateJwk),
          OIDC_ISSUER: IDP_ORIGIN,
          OIDC_AUDIENCE: "studyhall-external",
          OIDC_JWKS_URL: `${IDP_ORIGIN}/jwks.json`,
          OIDC_CLIENT_IDS: "studyhall-web,studyhall-cli",
          // Short leases so an abandoned job can be recovered within a test.
          JOB_LEASE_SECONDS: "5",
          EXPORT_URL_SECRET: "test-export-url-secret-of-at-least-32-characters",
          // The one platform operator of the tests (test/helpers/platform.ts creates the account) and the scrape credential.
          PLATFORM_OPERATOR_IDS: "00000000-0000-4000-8000-0000000000f1",
          METRICS_TOKEN: "test-metrics-scrape-token-of-at-least-32-characters",
          ...(store === "postgres"
            ? { RELATIONAL_STORE: "postgres", TEST_STORE_FAULT_PORT: process.env.STUDYHALL_TEST_PG_FAULT_PORT }
            : {}),
        },
        ...(store === "postgres" ? { hyperdrives: { HYPERDRIVE: pgUrl } } : {}),
        // The jobs worker's producers too: its handlers run inside this runtime in tests.
        queueProducers: {
          JOBS_HIGH: { queueName: "studyhall-jobs-high" },
          JOBS_NORMAL: { queueName: "studyhall-jobs-normal" },
          JOBS_LOW: { queueName: "studyhall-jobs-low" },
          JOBS_DEAD: { queueName: "studyhall-jobs-dead" },
        },
        // No test reaches the internet: the identity provider's JWKS, the PDF corpus and a fake
        // OpenAI-compatible endpoint are served here, everything else fails.
        outboundService: (request: Request) => {
          const url = new URL(request.url);
          if (url.origin === IDP_ORIGIN && url.pathname === "/jwks.json")
            return new Response(idpJwks, { headers: { "Content-Type": "application/json" } });
          if (url.origin === CORPUS_ORIGIN) return corpusFile(url.pathname);
          if (url.origin === FAKE_LLM_ORIGIN) return fakeLlm(request);
          if (url.origin === REFUSING_LLM_ORIGIN) return refusingLlm();
          return new Response(`no network in tests: ${request.url}`, { status: 599 });
        },
      },
    });

  return {
    test: {
      // Vitest's default is one worker per core but one, which on a 2-core machine runs every file in turn. Much of a
      // file's time is waiting (queue delivery, leases, a wrangler dev), so two at a time overlap it.
      maxWorkers: 2,
      projects: [
        {
          plugins: [fontsAsBytes, workerd()],
          test: {
            name: "workers",
            include: WORKERD_TESTS,
            exclude: FRESH_RUNTIME_TESTS,
            // One runtime per worker for all its files, as one isolate serves many requests in production: module
            // state (memos, config per env) and storage carry over from file to file, so each test makes its own
            // organisation, users and documents. Starting a runtime per file took most of the suite's time.
            isolate: false,
            setupFiles: ["./test/setup/apply-migrations.ts"],
            testTimeout: 30_000,
          },
        },
        {
          plugins: [fontsAsBytes, workerd()],
          test: {
            name: "workers-fresh",
            include: FRESH_RUNTIME_TESTS,
            setupFiles: ["./test/setup/apply-migrations.ts"],
            testTimeout: 30_000,
          },
        },
        {
          // The same Worker tests with PostgreSQL as the relational store, through a Hyperdrive binding.
          plugins: [fontsAsBytes, workerd("postgres")],
          test: {
            name: "workers-pg",
            include: ON_BOTH_STORES,
            isolate: false,
            globalSetup: ["./test/setup/postgres-for-workers.ts"],
            setupFiles: ["./test/setup/apply-migrations.ts"],
            testTimeout: 30_000,
            hookTimeout: 180_000,
          },
        },
        {
          // The fresh-runtime files on PostgreSQL, sharing the workers-pg project's cluster.
          plugins: [fontsAsBytes, workerd("postgres")],
          test: {
            name: "workers-pg-fresh",
            include: FRESH_ON_BOTH_STORES,
            globalSetup: ["./test/setup/postgres-for-workers.ts"],
            setupFiles: ["./test/setup/apply-migrations.ts"],
            testTimeout: 30_000,
            hookTimeout: 180_000,
          },
        },
        {
          // The data layer's own modules over a real PostgreSQL, opened as a deployment opens it (test/postgres/pg-store.ts).
          test: {
            name: "postgres",
            environment: "node",
            include: ["test/postgres/**/*.test.ts"],
            testTimeout: 60_000,
            hookTimeout: 180_000,
          },
        },
        {
          // The end-to-end files again, against a platform whose relational store is PostgreSQL.
          test: {
            name: "e2e-pg",
            environment: "node",
            include: E2E_TESTS.filter((file) => !E2E_OF_BOTH_STORES.includes(file) && !E2E_OWN_PLATFORMS.includes(file)),
            globalSetup: ["./test/e2e/global-setup-postgres.ts"],
            testTimeout: 120_000,
            hookTimeout: 180_000,
            fileParallelism: false,
          },
        },
        {
          // The files that start platforms of their own, starting them on PostgreSQL.
          test: {
            name: "e2e-pg-own-platforms",
            environment: "node",
            include: E2E_OWN_PLATFORMS,
            provide: { store: "postgres" as const },
            testTimeout: 120_000,
            hookTimeout: 180_000,
            fileParallelism: false,
          },
        },
        {
          test: {
            name: "e2e",
            environment: "node",
            include: E2E_TESTS,
            globalSetup: ["./test/e2e/global-setup.ts"],
            testTimeout: 120_000,
            hookTimeout: 180_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
