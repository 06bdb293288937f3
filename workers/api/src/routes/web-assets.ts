/**
 * The pages' browser modules and stylesheet (../web/assets), bundled into the
 * worker as text and served by routes/web.ts as `/web/{name}`. The root
 * wrangler.toml's Text rule matches the import specifiers, so they must keep
 * the `web/assets/` in their path; `npm run types` declares the imports. The
 * modules import each other by relative URL, so they live in one flat folder
 * under the names they are served by.
 */

import admin from "../web/assets/admin.mjs";
import adminJobs from "../web/assets/admin-jobs.mjs";
import adminLanes from "../web/assets/admin-lanes.mjs";
import api from "../web/assets/api.mjs";
import css from "../web/assets/app.css";
import dom from "../web/assets/dom.mjs";
import jobFollow from "../web/assets/job-follow.mjs";
import lessonHtml from "../web/assets/lesson-html.mjs";
import signin from "../web/assets/signin.mjs";
import studio from "../web/assets/studio.mjs";
import studioCourse from "../web/assets/studio-course.mjs";
import studioCourses from "../web/assets/studio-courses.mjs";
import studioLesson from "../web/assets/studio-lesson.mjs";
import studioQuiz from "../web/assets/studio-quiz.mjs";
import studioSessions from "../web/assets/studio-sessions.mjs";
import studioUpload from "../web/assets/studio-upload.mjs";

const JS = "text/javascript; charset=utf-8";

const sources: Record<string, { body: string; type: string }> = {
  "app.css": { body: css, type: "text/css; charset=utf-8" },
  "api.mjs": { body: api, type: JS },
  "dom.mjs": { body: dom, type: JS },
  "lesson-html.mjs": { body: lessonHtml, type: JS },
  "signin.mjs": { body: signin, type: JS },
  "job-follow.mjs": { body: jobFollow, type: JS },
  "admin.mjs": { body: admin, type: JS },
  "admin-lanes.mjs": { body: adminLanes, type: JS },
  "admin-jobs.mjs": { body: adminJobs, type: JS },
  "studio.mjs": { body: studio, type: JS },
  "studio-upload.mjs": { body: studioUpload, type: JS },
  "studio-courses.mjs": { body: studioCourses, type: JS },
  "studio-course.mjs": { body: studioCourse, type: JS },
  "studio-lesson.mjs": { body: studioLesson, type: JS },
  "studio-quiz.mjs": { body: studioQuiz, type: JS },
  "studio-sessions.mjs": { body: studioSessions, type: JS },
};

export interface WebAsset {
  body: string;
  type: string;
  /** A strong validator from the content, so a deploy changes it and nothing else does. */
  etag: string;
}

const withEtags = new Map<string, WebAsset>();

/** The asset served as `/web/{name}`, or undefined. */
export async function webAsset(name: string): Promise<WebAsset | undefined> {
  const known = withEtags.get(name);
  if (known) return known;
  const source = Object.hasOwn(sources, name) ? sources[name] : undefined;
  if (!source) return undefined;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(source.body));
  const hex = [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const asset = { ...source, etag: `"${hex}"` };
  withEtags.set(name, asset);
  return asset;
}
