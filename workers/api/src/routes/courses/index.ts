/**
 * Everything under `/v1/courses`, chained so `typeof app` still types the
 * client: the courses themselves, their lessons and answer key, enrolment,
 * invited students, exports and analytics.
 */
import { newRouter } from "../openapi.ts";
import { courseAnalyticsRoutes } from "./analytics.ts";
import { courseCrudRoutes } from "./courses.ts";
import { enrolmentRoutes } from "./enrolment.ts";
import { courseExportRoutes } from "./exports.ts";
import { courseInvitationRoutes } from "./invitations.ts";
import { lessonRoutes } from "./lessons.ts";

export const courseRoutes = newRouter()
  .route("/", courseCrudRoutes)
  .route("/", lessonRoutes)
  .route("/", enrolmentRoutes)
  .route("/", courseInvitationRoutes)
  .route("/", courseExportRoutes)
  .route("/", courseAnalyticsRoutes);
