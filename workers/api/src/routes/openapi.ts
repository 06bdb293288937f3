/**
 * Shared pieces of route definitions: the problem schema every error uses, and
 * the router factory whose validation hook turns zod issues into a 400 problem.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { validationProblem } from "../errors.ts";

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string(),
    requestId: z.string(),
    invalidParams: z.array(z.object({ name: z.string(), reason: z.string() })).optional(),
  })
  .openapi("Problem");

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: problemSchema } } });

/** The error responses a route may give, for its OpenAPI entry. */
export const errors = {
  400: problem("Invalid request"),
  401: problem("Not authenticated"),
  403: problem("Not allowed for this role"),
  404: problem("Not found or not visible"),
  409: problem("Conflict"),
  413: problem("Body too large"),
  415: problem("Wrong content type"),
  422: problem("Idempotency key reused"),
  429: problem("Rate limited or over quota"),
} as const;

export const pick = <K extends keyof typeof errors>(...codes: K[]) =>
  Object.fromEntries(codes.map((code) => [code, errors[code]])) as Pick<typeof errors, K>;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const bearer = [{ bearerAuth: [] }];

/** A router whose request validation fails as an RFC 9457 problem. */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(result.error.issues, result.target === "json" ? "body" : result.target);
    },
  });
}

export const idParam = z.object({ id: z.string().min(1).max(64) });
