/** Everything under /v1/orgs: the caller's organisation, its invitations, members and settings. */
import { newRouter } from "../openapi.ts";
import { invitationRoutes } from "./invitations.ts";
import { memberRoutes } from "./members.ts";
import { settingsRoutes } from "./settings.ts";

export const orgRoutes = newRouter().route("/", invitationRoutes).route("/", memberRoutes).route("/", settingsRoutes);
