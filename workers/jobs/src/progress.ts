/**
 * Where consumers announce progress: each job's live channel, a Durable
 * Object per job hosted by the API worker, which fans the change out to
 * WebSocket and Server-Sent Events subscribers. Every change is already
 * recorded in the job row by the runner, so a channel that cannot be reached
 * costs subscribers a live update, never the job: the runner catches and logs
 * a failed publish.
 */
import type { ProgressPublisher } from "@studyhall/core";
import { objects } from "@studyhall/objects/bindings";

export function progressPublisher(env: JobsEnv): ProgressPublisher {
  return {
    async publish(update) {
      await objects(env).jobChannel.getByName(update.jobId).publish(update);
    },
  };
}
