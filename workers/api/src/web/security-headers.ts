/**
 * Headers for the web pages and their scripts. The pages render only what the
 * API returns, much of it written by an LLM from an uploaded PDF, so the
 * browser is told to run nothing but our own modules: no inline script, no
 * plugin, no framing, no HTML sink but the one named Trusted Types policy that
 * parses lesson HTML into an inert document (see assets/lesson-html.mjs).
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

/** The one Trusted Types policy the pages create (assets/lesson-html.mjs). */
export const LESSON_HTML_POLICY = "studyhall-lesson-html";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // `data:` only for the empty favicon, so browsers do not ask for /favicon.ico.
  "img-src 'self' data:",
  // 'self' covers ws: and wss: to this origin too (the session WebSocket).
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  `trusted-types ${LESSON_HTML_POLICY}`,
].join("; ");

/** Sets the pages' security headers on the response of the route it guards. */
export const webSecurityHeaders = () =>
  createMiddleware<AppEnv>(async function webSecurityHeaders(c, next) {
    await next();
    c.res.headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    c.res.headers.set("X-Content-Type-Options", "nosniff");
    c.res.headers.set("Referrer-Policy", "no-referrer");
    c.res.headers.set("Cross-Origin-Opener-Policy", "same-origin");
    c.res.headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  });
