/**
 * The job contract between the API (which writes a job row and sends its id)
 * and the consumers (which claim the row and do the work). The queue message
 * carries only ids: the row in D1 is the source of truth.
 */
import { z } from "zod";

export const jobMessageSchema = z.object({
  jobId: z.string().min(1).max(64),
  kind: z.string().min(1).max(64),
});
export type JobMessage = z.infer<typeof jobMessageSchema>;
