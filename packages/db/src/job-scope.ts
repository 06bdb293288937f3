/**
 * Whose jobs a query touches: one organisation's (its admins' dashboard) or
 * every organisation's (the platform operators'). Every job query of the
 * dashboards takes one, so no query can forget to say.
 */
import { eq, type SQL } from "drizzle-orm";
import { jobs, PLATFORM_SCOPE } from "./tables.ts";

export type JobScope = { orgId: string } | typeof PLATFORM_SCOPE;

/** The `where` part that keeps a jobs query inside its scope (none for the platform). */
export function inScope(scope: JobScope): SQL | undefined {
  return scope === PLATFORM_SCOPE ? undefined : eq(jobs.orgId, scope.orgId);
}

/** The scope's key among the lane switches: the organisation's id, or `PLATFORM_SCOPE`. */
export function switchScope(scope: JobScope): string {
  return scope === PLATFORM_SCOPE ? PLATFORM_SCOPE : scope.orgId;
}
