/** How rows are shown to clients: never a password hash, a code hash or an internal column. */
import type { Organisation, User } from "@studyhall/db";

export const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

export function userView(user: User) {
  return { id: user.id, email: user.email, name: user.name, role: user.role, orgId: user.orgId, createdAt: user.createdAt.toISOString() };
}

export function orgView(org: Organisation) {
  return { id: org.id, name: org.name, createdAt: org.createdAt.toISOString() };
}
