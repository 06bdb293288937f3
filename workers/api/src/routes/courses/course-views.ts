/**
 * How courses are shown to clients: the course itself, its outline, and a
 * student's progress in it. The catalogue and `/v1/me/courses` show courses
 * the same way.
 */
import { z } from "@hono/zod-openapi";
import { type Course, courseStatuses } from "@studyhall/db";
import { iso } from "../views.ts";

export const courseSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    audience: z.string().nullable(),
    status: z.enum(courseStatuses),
    visibility: z.enum(["org", "invited"]),
    ownerId: z.string(),
    documentId: z.string().nullable(),
    jobId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    publishedAt: z.string().nullable(),
  })
  .openapi("Course");

export const courseView = (c: Course) => ({
  id: c.id,
  title: c.title,
  description: c.description,
  audience: c.audience,
  status: c.status,
  visibility: c.visibility,
  ownerId: c.ownerId,
  documentId: c.documentId,
  jobId: c.jobId,
  createdAt: iso(c.createdAt)!,
  updatedAt: iso(c.updatedAt)!,
  publishedAt: iso(c.publishedAt),
});

export const outlineSchema = z.array(
  z.object({
    id: z.string(),
    position: z.number().int(),
    title: z.string(),
    summary: z.string(),
    lessons: z.array(z.object({ id: z.string(), position: z.number().int(), title: z.string(), ready: z.boolean() })),
    quiz: z.object({ id: z.string(), title: z.string(), questionCount: z.number().int() }).nullable(),
  }),
);

export const progressSchema = z
  .object({
    enrolledAt: z.string(),
    lessonsRead: z.number().int(),
    lessonsTotal: z.number().int(),
    percent: z.number().int().min(0).max(100),
    quizzesPassed: z.number().int(),
    quizzesTotal: z.number().int(),
    lastActivityAt: z.string().nullable(),
    completed: z.boolean(),
    completedAt: z.string().nullable(),
  })
  .openapi("Progress");
