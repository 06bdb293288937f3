/** The signed-in user: profile, organisation and this month's LLM token usage. */
import { createRoute, z } from "@hono/zod-openapi";
import { orgSchema, userSchema } from "@studyhall/core";
import { profile, usageSummary } from "@studyhall/db";
import { currentUser } from "../../middleware/auth.ts";
import { bearer, json, newRouter, pick } from "../openapi.ts";
import { orgView, userView } from "../views.ts";

const usageSchema = z
  .object({
    period: z.string(),
    metric: z.literal("llm_tokens"),
    used: z.number().int(),
    /** Set aside by accepted work that has not finished, not yet spent. */
    reserved: z.number().int(),
    limit: z.number().int(),
    remaining: z.number().int(),
    resetsAt: z.string(),
  })
  .openapi("Usage");

export const profileRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["me"],
      security: bearer,
      summary: "Who am I",
      responses: { 200: json(z.object({ user: userSchema, organisation: orgSchema }), "The signed-in user"), ...pick(401, 429) },
    }),
    async (c) => {
      const { user, organisation } = await profile(c.get("db"), currentUser(c));
      return c.json({ user: userView(user), organisation: orgView(organisation) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/usage",
      tags: ["me"],
      security: bearer,
      summary: "This month's LLM token usage against the quota: spent, reserved by work in progress, and what new work may still reserve",
      responses: { 200: json(usageSchema, "Usage for the current UTC month"), ...pick(401, 429) },
    }),
    async (c) => c.json(await usageSummary(c.get("db"), c.get("config"), currentUser(c)), 200),
  );
