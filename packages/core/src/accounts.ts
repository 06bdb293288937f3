/**
 * Account and organisation contracts shared by the API, its client and tests:
 * roles, what each role may grant, and the request and response shapes.
 */
import { z } from "zod";
import { PASSWORD_MAX_LENGTH } from "./config.ts";
import { ProblemError } from "./problems.ts";

/** `operator` watches the job queues read-only; it has a student's view of courses. */
export const roles = ["admin", "teacher", "student", "operator"] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

/**
 * Refuses read-only callers before they start work: every job may spend (LLM
 * tokens, storage), and an operator only watches.
 * @throws ProblemError forbidden for the `operator` role.
 */
export function assertStartsWork(user: { role: Role }): void {
  if (user.role === "operator")
    throw new ProblemError("forbidden", { detail: "The operator role is read-only: it starts no jobs and spends nothing." });
}

/** Roles a member of `role` may grant with an invitation. */
export function grantableRoles(role: Role): readonly Role[] {
  if (role === "admin") return roles;
  if (role === "teacher") return ["student"];
  return [];
}

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: "must be an email address" }));

export const passwordSchema = z.string().max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  orgId: z.string(),
  createdAt: z.string(),
});
export type UserView = z.infer<typeof userSchema>;

export const orgSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });

export const tokenPairSchema = z.object({
  tokenType: z.literal("Bearer"),
  accessToken: z.string(),
  expiresIn: z.number().int(),
  refreshToken: z.string(),
  refreshExpiresIn: z.number().int(),
});
export type TokenPair = z.infer<typeof tokenPairSchema>;
