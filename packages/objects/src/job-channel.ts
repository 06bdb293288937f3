/**
 * One job's live channel: consumers publish each progress change here and it
 * fans them out to WebSocket and Server-Sent Events subscribers.
 */
import { DurableObject } from "cloudflare:workers";

export class JobChannel extends DurableObject {}
