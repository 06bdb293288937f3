/** How jobs are shown to clients, with links to follow them. */
import { z } from "@hono/zod-openapi";
import { jobKinds, jobViewSchema } from "@studyhall/core";
import { type Job, jobViewOf } from "@studyhall/db";

/** The job as every client sees it: the same schema the live channel streams. */
export const jobSchema = jobViewSchema.openapi("Job");

export const jobKindSchema = z.enum(jobKinds);

/** The client's view of a job: one definition, shared with the live channel so a stream's last event equals a poll. */
export const jobView = (job: Job) => jobViewOf(job);
