/** How documents are shown to clients: what the parser found, never where the file is kept. */
import { z } from "@hono/zod-openapi";
import { outlineEntrySchema } from "@studyhall/core";

export const documentSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    status: z.enum(["uploaded", "parsing", "parsed", "failed"]),
    bytes: z.number().int(),
    sha256: z.string(),
    pageCount: z.number().int().nullable(),
    outline: z.array(outlineEntrySchema).nullable(),
    error: z.unknown().nullable(),
    ownerId: z.string(),
    createdAt: z.string(),
  })
  .openapi("Document");
