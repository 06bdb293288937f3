/**
 * Guards JSON request bodies before any handler reads them: 413 past
 * MAX_JSON_BYTES (by Content-Length, or while streaming when there is none)
 * and 415 for a body that is not `application/json`.
 */

import { ProblemError } from "@studyhall/core";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

export interface JsonBodyOptions {
  /** Paths whose bodies are not JSON (uploads) and that check their own. */
  skip?: (path: string) => boolean;
}

export const jsonBody = (options: JsonBodyOptions = {}) =>
  createMiddleware<AppEnv>(async function jsonBody(c, next) {
    if (["GET", "HEAD", "OPTIONS", "DELETE"].includes(c.req.method) || options.skip?.(c.req.path)) return next();
    const length = c.req.header("Content-Length");
    const hasBody = c.req.raw.body !== null && length !== "0";
    if (hasBody) {
      const type = c.req.header("Content-Type") ?? "";
      if (!/^application\/([a-z.+-]*\+)?json\s*(;|$)/i.test(type)) {
        throw new ProblemError("unsupported-media-type", {
          detail: `This endpoint takes application/json, not ${type || "a body without a Content-Type"}.`,
          headers: { "Accept-Post": "application/json" },
        });
      }
    }
    const maxSize = c.get("config").MAX_JSON_BYTES;
    return bodyLimit({
      maxSize,
      onError: () => {
        throw new ProblemError("payload-too-large", { detail: `JSON bodies are limited to ${maxSize} bytes.` });
      },
    })(c, next);
  });
