/**
 * studyhall's typed client: the API's routes as a typed RPC client, with
 * sign-in and token refresh, read-your-writes bookmarks, problem documents as
 * `StudyhallProblemError`, PDF uploads, jobs followed live and live sessions.
 *
 * @example
 * import { createStudyhallClient } from "@studyhall/client";
 * const client = createStudyhallClient({ baseUrl: "http://127.0.0.1:8787" });
 * await client.login("teacher@demo.studyhall.test", "demo-teacher-password");
 */

export type {
  AcceptedUpload,
  CourseWithOutline,
  JobView,
  SignedIn,
  StudyhallClient,
  StudyhallClientOptions,
  StudyhallRpc,
  SuccessBody,
  UploadOptions,
} from "./client.ts";
export { createStudyhallClient } from "./client.ts";
export { type FollowJobOptions, finishedStatuses } from "./follow-job.ts";
export { type InvalidParam, type ProblemDocument, StudyhallProblemError } from "./problem-error.ts";
export type { JoinSessionOptions, SessionConnection, SessionEnd, SessionSocketStatus, WelcomeFrame } from "./session-socket.ts";
export { readSse, type SseEvent } from "./sse.ts";
export { BOOKMARK_HEADER, type StoredTokens } from "./transport.ts";
