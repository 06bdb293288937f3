/**
 * Job handlers by kind: what runs, and what to tidy when a job of that kind ends without success. The table
 * must cover every kind of the job contract, each handler typed by its kind's payload.
 */
import { type Db, type Job, settleProduct } from "@studyhall/db";
import { exportCourse } from "./handlers/export-course.ts";
import { generateCourse } from "./handlers/generate-course.ts";
import { generateQuestions } from "./handlers/generate-questions.ts";
import { parseDocument } from "./handlers/parse-document.ts";
import { regenerateLesson } from "./handlers/regenerate-lesson.ts";
import { sessionReport } from "./handlers/session-report.ts";
import { tutorAnswer } from "./handlers/tutor-answer.ts";
import type { JobHandlers } from "./runner.ts";

/** A course marks itself FAILED (DRAFT when cancelled), a document its failed parse: the same rules the API's cancel uses. */
const settled = (db: Db, job: Job) => settleProduct(db, job);

export const handlers = {
  "parse-document": { run: parseDocument, settled },
  "generate-course": { run: generateCourse, settled },
  "regenerate-lesson": { run: regenerateLesson },
  "generate-questions": { run: generateQuestions },
  "export-course": { run: exportCourse },
  "tutor-answer": { run: tutorAnswer },
  "session-report": { run: sessionReport },
} satisfies JobHandlers;
