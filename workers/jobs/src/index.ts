/**
 * The queue consumer worker. It validates each message, dispatches it by job
 * kind and acknowledges only when the handler has committed its result.
 * A message that can never succeed (malformed, unknown kind) is logged and
 * acknowledged so it does not loop; everything else is retried.
 */
import { jobMessageSchema } from "@studyhall/core";
import { handlers } from "./handlers";

export default {
  async queue(batch, env) {
    for (const message of batch.messages) {
      const parsed = jobMessageSchema.safeParse(message.body);
      if (!parsed.success) {
        console.error(JSON.stringify({ level: "error", msg: "malformed job message", queue: batch.queue, id: message.id }));
        message.ack();
        continue;
      }
      const handler = handlers[parsed.data.kind];
      if (!handler) {
        console.error(JSON.stringify({ level: "error", msg: "unknown job kind", kind: parsed.data.kind, jobId: parsed.data.jobId }));
        message.ack();
        continue;
      }
      try {
        await handler(parsed.data, env);
        message.ack();
      } catch (error) {
        console.error(JSON.stringify({ level: "error", msg: "job attempt failed", jobId: parsed.data.jobId, error: String(error) }));
        message.retry();
      }
    }
  },
} satisfies ExportedHandler<JobsEnv>;
