/** Job handlers by kind: what runs, and what to tidy when a job of that kind ends without success. */
import type { Db, Job } from "@studyhall/db";
import { exportCourse } from "./handlers/export-course";
import { courseGenerationSettled, generateCourse } from "./handlers/generate-course";
import { generateQuestions } from "./handlers/generate-questions";
import { parseDocument } from "./handlers/parse-document";
import { regenerateLesson } from "./handlers/regenerate-lesson";
import { sessionReport } from "./handlers/session-report";
import { tutorAnswer } from "./handlers/tutor-answer";
import type { JobHandler } from "./runner";

export interface HandlerEntry {
  run: JobHandler;
  /** Called once the job is failed or cancelled for good. */
  settled?: (db: Db, job: Job) => Promise<void>;
}

export const handlers: Record<string, HandlerEntry> = {
  "parse-document": { run: parseDocument },
  "generate-course": { run: generateCourse, settled: courseGenerationSettled },
  "regenerate-lesson": { run: regenerateLesson },
  "generate-questions": { run: generateQuestions },
  "export-course": { run: exportCourse },
  "tutor-answer": { run: tutorAnswer },
  "session-report": { run: sessionReport },
};
