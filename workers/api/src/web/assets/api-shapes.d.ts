/**
 * The API's answers as the pages use them, for the browser modules' JSDoc.
 * They are read from the route types the typed client is built on
 * (packages/client/src/generated/app-type.d.ts, rebuilt by `npm run check`),
 * so a route that changes shape fails the pages' type-check too. Nothing
 * here is served: the modules only name these types in comments.
 */

import type { Hono } from "hono";
import type { AppType } from "../../../../../packages/client/src/generated/app-type.d.ts";
import type { RoomMessage, ServerFrame } from "../../../../../packages/core/src/session-protocol.ts";

type Routes = AppType extends Hono<infer _Env, infer Schema, infer _Base> ? Schema : never;
/** What `method` on `path` answers with when it succeeds. */
type Ok<Path extends keyof Routes, Method extends keyof Routes[Path]> =
  Extract<Routes[Path][Method], { status: 200 | 201 | 202 }> extends {
    output: infer Output;
  }
    ? Output
    : never;

export type SignedIn = Ok<"/v1/auth/login", "$post">;
export type TokenPair = Ok<"/v1/auth/refresh", "$post">;

export type Job = Ok<"/v1/jobs/:id", "$get">;
export type JobTicket = Ok<"/v1/jobs/:id/ticket", "$post">;
export type AcceptedUpload = Ok<"/v1/documents", "$post">;

export type CoursePage = Ok<"/v1/courses", "$get">;
export type CataloguePage = Ok<"/v1/catalogue", "$get">;
export type MyCoursesPage = Ok<"/v1/me/courses", "$get">;
export type Progress = MyCoursesPage["items"][number]["progress"];
export type Course = Ok<"/v1/courses/:id", "$get">;
export type CourseModule = Course["modules"][number];
export type UpdatedCourse = Ok<"/v1/courses/:id", "$patch">;
export type StartedExport = Ok<"/v1/courses/:id/exports", "$post">;
export type CourseExport = Ok<"/v1/exports/:id", "$get">;
export type Lesson = Ok<"/v1/courses/:id/lessons/:lessonId", "$get">;

export type Quiz = Ok<"/v1/quizzes/:id", "$get">;
export type Attempt = Ok<"/v1/quizzes/:id/attempts", "$post">;
export type GradedAttempt = Ok<"/v1/attempts/:id/submit", "$post">;

export type SessionPage = Ok<"/v1/sessions", "$get">;
export type CreatedSession = Ok<"/v1/sessions", "$post">;
export type SessionRoom = Ok<"/v1/sessions/:id", "$get">;
export type SessionHistory = Ok<"/v1/sessions/:id/messages", "$get">;
export type SessionTicket = Ok<"/v1/sessions/:id/ticket", "$post">;
export type { RoomMessage, ServerFrame };

export type QueueStats = Ok<"/v1/admin/queues", "$get">;
export type LaneStats = QueueStats["lanes"][number];
export type LaneState = Ok<"/v1/admin/lanes/:lane/:action", "$post">;
export type AdminJobPage = Ok<"/v1/admin/jobs", "$get">;
export type AdminJobRow = AdminJobPage["items"][number];
export type AdminJob = Ok<"/v1/admin/jobs/:id", "$get">;
export type JobCount = Ok<"/v1/admin/jobs/retry-failed", "$post">;
