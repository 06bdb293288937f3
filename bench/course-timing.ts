/**
 * Upload to published course, through the real platform: one teacher
 * uploads a PDF (auto course generation on, the extractive provider), and the
 * clock stops when the course job's event stream says it has ended. The jobs'
 * own timestamps split the time into queue waits and work.
 */
import { type AcceptedUpload, expectJson, getJson, type JobView, streamJob, uniquePdf, uploadPdf } from "../test/e2e/studyhall-client.ts";

export interface CourseTiming {
  /** From sending the upload to the course job's `end` event, ms. */
  totalMs: number;
  acceptMs: number;
  parseWaitMs: number;
  parseRunMs: number;
  courseWaitMs: number;
  courseRunMs: number;
  provider: string;
  lessons: number;
  questions: number;
}

const at = (iso: string | null) => (iso ? Date.parse(iso) : Number.NaN);

/**
 * One timed run; `tag` makes the file distinct from earlier runs.
 *
 * @example
 * const timing = await timeCourse(url, token, await corpusPdf("tracemonkey.pdf"), "run-1");
 */
export async function timeCourse(base: string, token: string, pdf: Uint8Array, tag: string): Promise<CourseTiming> {
  const bytes = uniquePdf(pdf, tag);
  const sent = Date.now();
  const accepted = await expectJson<AcceptedUpload>(
    await uploadPdf(base, token, bytes, `?title=${encodeURIComponent(`Timed ${tag}`)}`),
    202,
  );
  const acceptMs = Date.now() - sent;
  const parse = (await streamJob(base, token, accepted.job.id)).jobs.at(-1)!;
  if (parse.status !== "completed") throw new Error(`parse ended ${parse.status}: ${JSON.stringify(parse.error)}`);
  const courseJobId = String(parse.result?.courseJobId);
  const streamed = await streamJob(base, token, courseJobId);
  const totalMs = Date.now() - sent;
  const course = streamed.jobs.at(-1)!;
  if (course.status !== "completed") throw new Error(`course generation ended ${course.status}: ${JSON.stringify(course.error)}`);
  // The stream's last state is enough for the result; the row has the timestamps however the stream was built.
  const [parseRow, courseRow] = await Promise.all([
    getJson<JobView>(base, `/v1/jobs/${parse.id}`, token),
    getJson<JobView>(base, `/v1/jobs/${courseJobId}`, token),
  ]);
  return {
    totalMs,
    acceptMs,
    parseWaitMs: at(parseRow.startedAt) - at(parseRow.createdAt),
    parseRunMs: at(parseRow.finishedAt) - at(parseRow.startedAt),
    courseWaitMs: at(courseRow.startedAt) - at(courseRow.createdAt),
    courseRunMs: at(courseRow.finishedAt) - at(courseRow.startedAt),
    provider: String(courseRow.result?.provider),
    lessons: Number(courseRow.result?.lessons),
    questions: Number(courseRow.result?.questions),
  };
}
