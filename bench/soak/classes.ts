/**
 * The school the soak runs: one organisation, each teacher with one class.
 * Made through the public API as a school would: teachers invited by the
 * organisation's admin (bench/teacher-accounts.ts), each student invited by
 * their class's teacher; each class's course generated through the platform
 * from a corpus PDF (and so published), the students enrolled in it, and a
 * study room opened on it for the class's live chat.
 */

import {
  type AcceptedUpload,
  corpusPdf,
  expectJson,
  getJson,
  postJson,
  randomIp,
  streamJob,
  uniquePdf,
  uploadPdf,
} from "../../test/e2e/studyhall-client.ts";
import { inBatches, registerTeachers, type Teacher } from "../teacher-accounts.ts";

export interface Student {
  /** Short and unique in the run: what the student's chat messages are tagged with. */
  key: string;
  token: string;
}

export interface SoakClass {
  index: number;
  teacher: Teacher;
  courseId: string;
  sessionId: string;
  lessonIds: string[];
  quizIds: string[];
  students: Student[];
}

interface Outline {
  status: string;
  modules: { lessons: { id: string; ready: boolean }[]; quiz: { id: string; questionCount: number } | null }[];
}

const PASSWORD = "soak password, long enough";
/** The class course's source: the corpus paper the bench also generates from. */
const CLASS_PDF = "tracemonkey.pdf";

/** Generates a course from the class PDF and waits until it is published; its id. */
async function generateCourse(base: string, token: string, title: string): Promise<string> {
  const pdf = uniquePdf(await corpusPdf(CLASS_PDF), `${title} ${Date.now()}`);
  const accepted = await expectJson<AcceptedUpload>(await uploadPdf(base, token, pdf, `?title=${encodeURIComponent(title)}`), 202);
  const parse = (await streamJob(base, token, accepted.job.id, { timeoutMs: 300_000 })).jobs.at(-1);
  if (parse?.status !== "completed") throw new Error(`${title}: parsing ended ${parse?.status}: ${JSON.stringify(parse?.error)}`);
  const course = (await streamJob(base, token, String(parse.result?.courseJobId), { timeoutMs: 300_000 })).jobs.at(-1);
  if (course?.status !== "completed") throw new Error(`${title}: generation ended ${course?.status}: ${JSON.stringify(course?.error)}`);
  return String(course.result?.courseId);
}

/**
 * Registers `teachers` teachers and `students` students (dealt round-robin into the teachers' classes),
 * then gives each class its course and room.
 *
 * @example
 * const classes = await setUpClasses(platform.url, { teachers: 2, students: 60, log: console.error });
 */
export async function setUpClasses(
  base: string,
  options: { teachers: number; students: number; log: (line: string) => void },
): Promise<SoakClass[]> {
  const teachers = await registerTeachers(base, options.teachers);
  options.log(`  ${teachers.length} teachers registered; registering ${options.students} students…`);
  const students = await inBatches(
    Array.from({ length: options.students }, (_, i) => i),
    4,
    async (i) => {
      const teacher = teachers[i % teachers.length]!;
      const { code } = await postJson<{ code: string }>(
        base,
        "/v1/orgs/invitations",
        { role: "student" },
        { token: teacher.token, status: 201 },
      );
      const session = await postJson<{ tokens: { accessToken: string } }>(
        base,
        "/v1/auth/register",
        { email: `soak-student-${i}-${Date.now()}@example.test`, password: PASSWORD, name: `Soak Student ${i}`, invitationCode: code },
        { status: 201, headers: { "CF-Connecting-IP": randomIp() } },
      );
      return { key: `s${i}`, token: session.tokens.accessToken };
    },
  );

  options.log(`  generating ${teachers.length} class courses from ${CLASS_PDF}…`);
  return Promise.all(
    teachers.map(async (teacher, index) => {
      const courseId = await generateCourse(base, teacher.token, `Soak class ${index}`);
      const outline = await getJson<Outline>(base, `/v1/courses/${courseId}`, teacher.token);
      if (outline.status !== "PUBLISHED") throw new Error(`class course ${courseId} is ${outline.status}, not published`);
      const room = await postJson<{ id: string }>(
        base,
        "/v1/sessions",
        { kind: "study-room", courseId },
        { token: teacher.token, status: 201 },
      );
      const mine = students.filter((_, i) => i % teachers.length === index);
      await inBatches(mine, 4, async (student) => {
        const response = await fetch(`${base}/v1/courses/${courseId}/enrolment`, {
          method: "POST",
          headers: { Authorization: `Bearer ${student.token}` },
        });
        await expectJson(response, 201);
      });
      return {
        index,
        teacher,
        courseId,
        sessionId: room.id,
        lessonIds: outline.modules.flatMap((m) => m.lessons.filter((l) => l.ready).map((l) => l.id)),
        quizIds: outline.modules.flatMap((m) => (m.quiz && m.quiz.questionCount > 0 ? [m.quiz.id] : [])),
        students: mine,
      };
    }),
  );
}
