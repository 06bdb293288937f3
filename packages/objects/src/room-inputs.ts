/**
 * What a session room accepts from outside, checked with zod before it acts:
 * its RPC inputs (from the API and the jobs worker) and the query of a
 * forwarded WebSocket upgrade. Nothing that crossed a wire is trusted.
 */

import { citationSchema, roleSchema } from "@studyhall/core";
import { z } from "zod";
import { MAX_TICKET_TTL_MS } from "./room-tickets.ts";

/** An id as the room stores it. */
export const id = z.string().min(1).max(64);
export const initInput = z.object({
  sessionId: id,
  orgId: id,
  kind: z.enum(["study-room", "tutoring"]),
  courseId: id.nullable(),
  createdBy: id,
  studentId: id.nullable(),
  title: z.string().min(1).max(200),
});
export const ticketInput = z.object({
  userId: id,
  name: z.string().max(200),
  role: roleSchema,
  ttlMs: z.number().int().min(1).max(MAX_TICKET_TTL_MS).optional(),
});
export const historyInput = z.object({ before: z.number().int().positive().optional(), limit: z.number().int().min(1).max(200) });
export const botInput = z
  .object({
    text: z.string().max(20_000),
    citations: z.array(citationSchema).max(20).optional(),
    replyToSeq: z.number().int().positive().optional(),
    streamId: z.string().min(1).max(100).optional(),
    final: z.boolean().optional(),
  })
  .refine((b) => b.streamId !== undefined || b.text.trim() !== "", { message: "a message needs text", path: ["text"] });
export const connectQuery = z.object({ ticket: z.string().max(200).default(""), lastSeq: z.coerce.number().int().min(0).optional() });
