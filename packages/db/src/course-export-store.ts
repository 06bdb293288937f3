/**
 * Course exports: which course may be exported and by whom, who may follow
 * an export, and what a download link needs to find its file. An export holds
 * the answer key, so only its course's owner or an admin asks for one, and
 * whoever asked keeps it only while they teach.
 */
import { assertStartsWork, type ExportFormat, notFound, ProblemError } from "@studyhall/core";
import { and, eq } from "drizzle-orm";
import { canEditCourse, editableCourse, holdsOwnerPowers, type Viewer } from "./course-access.ts";
import type { Db } from "./index.ts";
import { enqueueWith } from "./job-enqueue.ts";
import { findJob } from "./job-lifecycle.ts";
import type { LaneQueues, SendOptions } from "./job-queue.ts";
import type { Job } from "./tables.ts";
import { type Course, type CourseExport, courseExports, courses } from "./tables.ts";

/**
 * A course the viewer may export now: 404 when not visible, 403 when they may not change it or start work,
 * 409 while it is still being generated.
 * @example const course = await exportableCourse(db, me, params.id);
 */
export async function exportableCourse(db: Db, viewer: Viewer, courseId: string): Promise<Course> {
  const course = await editableCourse(db, viewer, courseId);
  assertStartsWork(viewer);
  if (course.status === "GENERATING")
    throw new ProblemError("conflict", { detail: "The course is still being generated; export it once it is ready." });
  return course;
}

/**
 * An export by id, once its row is written (the caller created it or checked who may see it).
 * @example const row = await courseExport(db, exportId);
 */
export async function courseExport(db: Db, exportId: string): Promise<CourseExport | undefined> {
  return db.query.courseExports.findFirst({ where: eq(courseExports.id, exportId) });
}

/**
 * An export of the viewer's organisation and its job (undefined once the job is gone from D1), for whoever
 * asked for it while they teach, the course's owner or an admin.
 * @throws ProblemError not-found (another organisation's or no such export), forbidden (anyone else).
 * @example const { row, job } = await visibleExport(db, me, params.id);
 */
export async function visibleExport(db: Db, viewer: Viewer, exportId: string): Promise<{ row: CourseExport; job: Job | undefined }> {
  const row = await db.query.courseExports.findFirst({
    where: and(eq(courseExports.id, exportId), eq(courseExports.orgId, viewer.orgId)),
  });
  if (!row) throw notFound("export");
  // Whoever asked keeps it only while they teach: an export holds the answer key.
  if (viewer.role !== "admin" && !holdsOwnerPowers(viewer, row.ownerId)) {
    const course = await db.query.courses.findFirst({ where: eq(courses.id, row.courseId) });
    if (!course || !canEditCourse(viewer, course))
      throw new ProblemError("forbidden", { detail: "Only whoever asked for the export, the course's owner or an admin can see it." });
  }
  const job = await findJob(db, row.jobId);
  return { row, job };
}

/**
 * What a signed download link needs: the export (any organisation's: the link's signature is the credential)
 * and its course's title for the file name, null once the course is gone.
 * @example const found = await exportForDownload(db, params.id);
 */
export async function exportForDownload(db: Db, exportId: string): Promise<{ row: CourseExport; courseTitle: string | null } | undefined> {
  const [found] = await db
    .select({ row: courseExports, courseTitle: courses.title })
    .from(courseExports)
    .leftJoin(courses, eq(courses.id, courseExports.courseId))
    .where(eq(courseExports.id, exportId));
  return found;
}

/** Records an export's stored file; false when the export (with its course) was deleted meanwhile. */
export async function recordExportFile(
  db: Db,
  exportId: string,
  file: { r2Key: string; bytes: number; pages: number | null },
): Promise<boolean> {
  const [recorded] = await db.update(courseExports).set(file).where(eq(courseExports.id, exportId)).returning({ id: courseExports.id });
  return recorded !== undefined;
}

/**
 * Queues an export of a course the viewer may export: its row and its job, written together, then the job sent.
 * @throws ProblemError not-found, forbidden (see `exportableCourse`).
 * @example const { row, job } = await requestExport(db, laneQueues(env), me, courseId, "pdf", { maxAttempts: 4 }, { defer });
 */
export async function requestExport(
  db: Db,
  queues: LaneQueues,
  viewer: Viewer,
  courseId: string,
  format: ExportFormat,
  limits: { maxAttempts: number },
  options: SendOptions = {},
): Promise<{ row: CourseExport; job: Job }> {
  const course = await exportableCourse(db, viewer, courseId);
  const exportId = crypto.randomUUID();
  const jobId = crypto.randomUUID();
  const { job, alongside } = await enqueueWith(
    db,
    queues,
    {
      id: jobId,
      orgId: viewer.orgId,
      ownerId: viewer.id,
      kind: "export-course",
      lane: "normal",
      payload: { exportId, courseId: course.id, format },
      maxAttempts: limits.maxAttempts,
    },
    {
      ...options,
      alongside: (tx) => [
        tx
          .insert(courseExports)
          .values({ id: exportId, orgId: viewer.orgId, ownerId: viewer.id, courseId: course.id, format, jobId })
          .returning(),
      ],
    },
  );
  return { row: (alongside[0] as CourseExport[])[0]!, job };
}
