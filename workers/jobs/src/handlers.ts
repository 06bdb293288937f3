/** Job handlers by kind: what runs, and what to tidy when a job of that kind ends without success. */
import type { Db, Job } from "@studyhall/db";
import { courseGenerationSettled, generateCourse } from "./handlers/generate-course";
import { parseDocument } from "./handlers/parse-document";
import { regenerateLesson } from "./handlers/regenerate-lesson";
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
};
