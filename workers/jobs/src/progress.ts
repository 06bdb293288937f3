/**
 * Where consumers announce progress. Every change is already recorded in the
 * job row and its events by the runner; this publisher is the door a live
 * channel (a Durable Object per job) plugs into.
 */
import { silentPublisher, type ProgressPublisher } from "@studyhall/core";

export function progressPublisher(_env: JobsEnv): ProgressPublisher {
  return silentPublisher;
}
