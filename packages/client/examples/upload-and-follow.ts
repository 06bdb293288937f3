/**
 * Upload a PDF and watch it become a course, with the typed client:
 *
 *   node packages/client/examples/upload-and-follow.ts [file.pdf] [--base-url URL] [--email E] [--password P] [--title T]
 *   npm run example:upload -- [same arguments]
 *
 * Signs in (the demo teacher by default), uploads the PDF (tracemonkey.pdf
 * from the shared corpus by default), follows the parse job and then the
 * course job live, printing a line per progress step, and prints the course
 * outline. Defaults come from STUDYHALL_BASE_URL, STUDYHALL_EMAIL and
 * STUDYHALL_PASSWORD when set. Plain Node 24 runs this file as is.
 */
import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createStudyhallClient, type JobView, type StudyhallClient, StudyhallProblemError } from "../src/index.ts";

/** The shared corpus sits beside the repository: ../shared/corpus from its root. */
const DEFAULT_PDF = resolve(import.meta.dirname, "../../../../shared/corpus/pdfjs/tracemonkey.pdf");

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "base-url": { type: "string", default: process.env.STUDYHALL_BASE_URL ?? "http://127.0.0.1:8787" },
    email: { type: "string", default: process.env.STUDYHALL_EMAIL ?? "teacher@demo.studyhall.test" },
    password: { type: "string", default: process.env.STUDYHALL_PASSWORD ?? "demo-teacher-password" },
    title: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

/** One line per change: `parse-document    40 %  active · parsing page 4 of 12`. */
function progressLine(job: JobView): string {
  return `${job.kind.padEnd(16)} ${String(job.progress).padStart(3)} %  ${job.status} · ${job.stage}`;
}

/** Follows a job to its end, printing each step; exits if it did not complete. */
async function follow(client: StudyhallClient, jobId: string): Promise<JobView> {
  const job = await client.followJob(jobId, (update) => console.log(progressLine(update)), {
    onFallback: (reason) => console.log(`(no live stream: ${reason instanceof Error ? reason.message : String(reason)}; polling instead)`),
  });
  if (job.status !== "completed") {
    const error = job.error ? `: ${job.error.title}${job.error.detail ? ` (${job.error.detail})` : ""}` : "";
    throw new Error(`${job.kind} job ${job.id} ended ${job.status}${error}`);
  }
  return job;
}

async function main(): Promise<void> {
  if (values.help) {
    console.log(
      "usage: node packages/client/examples/upload-and-follow.ts [file.pdf] [--base-url URL] [--email E] [--password P] [--title T]",
    );
    return;
  }
  const file = positionals[0] ? resolve(positionals[0]) : DEFAULT_PDF;
  const client = createStudyhallClient({ baseUrl: values["base-url"] });

  const { user, organisation } = await client.login(values.email, values.password);
  console.log(`signed in to ${values["base-url"]} as ${user.name} <${user.email}> (${user.role}, ${organisation.name})`);

  const bytes = await readFile(file);
  console.log(`uploading ${basename(file)} (${bytes.byteLength} bytes)`);
  const accepted = await client.uploadDocument(bytes, { title: values.title ?? basename(file, ".pdf") });
  console.log(`document ${accepted.document.id} "${accepted.document.title}" is ${accepted.document.status}`);
  if (!accepted.job) throw new Error("the upload came back without a parse job (an earlier upload of the same file without one?)");

  const parsed = await follow(client, accepted.job.id);
  const courseJobId = (parsed.result as { courseJobId?: string | null } | null)?.courseJobId;
  if (!courseJobId) throw new Error("the parse job started no course job");

  const generated = await follow(client, courseJobId);
  const courseId = (generated.result as { courseId?: string } | null)?.courseId;
  if (!courseId) throw new Error("the course job names no course");

  // The typed RPC client: the path, the parameters and the body's type all come from the API's route definitions.
  const course = await client.json(client.rpc.v1.courses[":id"].$get({ param: { id: courseId } }));
  console.log(`\ncourse ${course.id} "${course.title}" (${course.status}): ${course.modules.length} modules`);
  for (const module of course.modules) {
    const count = module.quiz?.questionCount;
    const quiz = module.quiz ? `, quiz "${module.quiz.title}" (${count} question${count === 1 ? "" : "s"})` : "";
    console.log(`  ${module.position + 1}. ${module.title}${quiz}`);
    for (const lesson of module.lessons)
      console.log(`     ${module.position + 1}.${lesson.position + 1} ${lesson.title}${lesson.ready ? "" : " (not written yet)"}`);
  }
}

try {
  await main();
} catch (error) {
  if (error instanceof StudyhallProblemError) {
    console.error(
      `error: ${error.status} ${error.type}: ${error.detail ?? error.title}${error.requestId ? ` (request ${error.requestId})` : ""}`,
    );
    for (const param of error.invalidParams) console.error(`  ${param.name}: ${param.reason}`);
  } else if (error instanceof TypeError && /fetch failed/.test(error.message)) {
    console.error(`error: nothing answers at ${values["base-url"]} (start it with npm run dev, or pass --base-url)`);
  } else {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = 1;
}
