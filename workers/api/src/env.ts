/** The API worker's Hono environment: generated bindings plus what middleware puts on the context. */

import type { Principal } from "@studyhall/auth";
import type { Role } from "@studyhall/core";
import type { Db, LessonPrefetch } from "@studyhall/db";
import type { ApiConfig } from "./config.ts";

export interface CurrentUser {
  id: string;
  orgId: string;
  role: Role;
  email: string;
  name: string;
  /**
   * One of the deployment's platform operators (PLATFORM_OPERATOR_IDS), whatever their role in their own
   * organisation; worked out from the configuration on every request, so it follows the configuration at once.
   */
  platformOperator: boolean;
  /** The login session (refresh-token family) behind the token, if any. */
  sessionId?: string;
}

export interface AppEnv {
  Bindings: ApiEnv;
  Variables: {
    requestId: string;
    config: ApiConfig;
    /** The request's handle; on a lesson read, set only once `requestDb` made it (middleware/d1-session.ts). */
    db: Db;
    /** Makes a lesson read's handle, which only a miss, a decision from the store or a student's progress needs. */
    openDb?: () => Db;
    principal?: Principal;
    user?: CurrentUser;
    /** A lesson read's one KV bulk get, made by `authenticateLessonRead()` and used by the route. */
    lessonPrefetch?: LessonPrefetch;
  };
}
