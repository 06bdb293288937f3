/**
 * One live session (a study room or a tutoring session): it owns the room's
 * WebSockets through the Hibernation API, orders and stores its messages,
 * and fans them out.
 */
import { DurableObject } from "cloudflare:workers";

export class SessionRoom extends DurableObject {}
