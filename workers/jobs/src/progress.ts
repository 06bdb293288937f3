/**
 * Where consumers announce progress: each job's live channel, a Durable
 * Object per job hosted by the API worker, which fans the change out to
 * WebSocket and Server-Sent Events subscribers. Every change is already
 * recorded in the job row by the runner, so a channel that cannot be reached
 * costs subscribers a live update, never the job: the runner catches and logs
 * a failed publish. The API publishes through the same door for the changes it
 * makes itself (a queued job cancelled).
 */
import type { ProgressPublisher } from "@studyhall/core";
import { jobChannelPublisher } from "@studyhall/objects/bindings";

export function progressPublisher(env: JobsEnv): ProgressPublisher {
  return jobChannelPublisher(env);
}
