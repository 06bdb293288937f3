/**
 * Where consumers announce progress: each job's live channel, a Durable
 * Object per job hosted by the API worker, which fans the change out to
 * WebSocket and Server-Sent Events subscribers. Every change is already
 * recorded in the job row by the runner, so a channel that cannot be reached
 * costs subscribers a live update, never the job: the runner catches and logs
 * a failed publish.
 */
import type { ProgressPublisher } from "@studyhall/core";
import type { JobChannel } from "@studyhall/objects";

/** The channel lives in the API worker; this worker reaches it through its binding. */
const jobChannels = (env: JobsEnv) => env.JOB_CHANNEL as unknown as DurableObjectNamespace<JobChannel>;

export function progressPublisher(env: JobsEnv): ProgressPublisher {
  return {
    async publish(update) {
      await jobChannels(env).getByName(update.jobId).publish(update);
    },
  };
}
