/**
 * The API worker's configuration, secrets included: core's settings (shared
 * with the jobs worker) and the API's own, read as one schema, once per env
 * object. Like the schemas it builds on it imports only zod and `.ts` files,
 * so the start-up check (scripts/config-check.mjs) runs it under plain Node
 * and refuses exactly what the worker would.
 */
import { configSchema } from "@studyhall/core/config";
import { oncePerEnv } from "@studyhall/core/settings";
import { z } from "zod";

/** The settings only the API worker reads. */
export const apiSettingsSchema = z.object({
  /**
   * Signs export download links (HMAC-SHA256). Unset, exports cannot be downloaded; a short one is
   * refused outright, as a key that weak would let anyone forge a link. Secret.
   */
  EXPORT_URL_SECRET: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined)
    .pipe(z.string().min(32, "must be at least 32 characters").optional())
    .describe("at least 32 characters"),
});

/** Core's settings, then the API's own: a bad variable of each is named, in that order. */
export const apiConfigSchema = configSchema.and(apiSettingsSchema);

export type ApiConfig = z.infer<typeof apiConfigSchema>;

const readApiConfig = oncePerEnv(apiConfigSchema);

/**
 * The API worker's configuration from its env, parsed at the first request and cached for that env.
 * @throws ConfigError naming every variable out of its bound (never its value).
 * @example
 * const secret = apiConfig(env).EXPORT_URL_SECRET; // undefined when exports are not set up
 */
export function apiConfig(env: object): ApiConfig {
  return readApiConfig(env);
}
