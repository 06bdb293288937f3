/**
 * Two projects: `workers` runs in workerd through @cloudflare/vitest-plugin
 * against local D1, KV, R2, Queues and Durable Objects; `e2e` drives a real
 * `wrangler dev` of every worker over HTTP and WebSocket.
 */
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { newSigningKey } from "./test/keys.ts";

const IDP_ORIGIN = "https://idp.test";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  const current = await newSigningKey("test-current");
  const retired = await newSigningKey("test-retired");
  const idp = await newSigningKey("idp-1");
  const idpJwks = JSON.stringify({ keys: [idp.publicJwk] });

  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  APP_ENV: "test",
                  TEST_MIGRATIONS: migrations,
                  JWT_SIGNING_KEYS: JSON.stringify([current.privateJwk]),
                  JWT_VERIFY_KEYS: JSON.stringify([retired.publicJwk]),
                  TEST_RETIRED_KEY: JSON.stringify(retired.privateJwk),
                  TEST_IDP_KEY: JSON.stringify(idp.privateJwk),
                  OIDC_ISSUER: IDP_ORIGIN,
                  OIDC_AUDIENCE: "studyhall-external",
                  OIDC_JWKS_URL: `${IDP_ORIGIN}/jwks.json`,
                },
                // No test reaches the internet: the identity provider's JWKS is served here, everything else fails.
                outboundService: (request: Request) =>
                  new URL(request.url).origin === IDP_ORIGIN && new URL(request.url).pathname === "/jwks.json"
                    ? new Response(idpJwks, { headers: { "Content-Type": "application/json" } })
                    : new Response(`no network in tests: ${request.url}`, { status: 599 }),
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["workers/**/*.test.ts", "packages/**/*.test.ts", "test/workers/**/*.test.ts"],
            setupFiles: ["./test/setup/apply-migrations.ts"],
            testTimeout: 30_000,
          },
        },
        {
          test: {
            name: "e2e",
            environment: "node",
            include: ["test/e2e/**/*.test.ts"],
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
