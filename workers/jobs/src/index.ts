/**
 * The queue consumer worker: drains the three priority lanes and the
 * dead-letter queue, and sweeps for jobs whose message was lost or whose
 * consumer died (cron, the backstop of the JobSweeper object's alarm). It
 * validates each message, runs its job, and acknowledges only after the
 * outcome is committed to D1.
 */
import { ConfigError, jobMessageSchema, writeLog } from "@studyhall/core";
import { closeDb, type Db, laneQueues, openDb, sendJob } from "@studyhall/db";
import { type JobsConfig, jobsConfig } from "./config.ts";
import { recordDeadLetter } from "./dead-letter.ts";
import { handlers } from "./handlers.ts";
import { progressPublisher } from "./progress.ts";
import { backoffMs, runJob } from "./runner.ts";
import { ensureSweeper, sweep } from "./sweep.ts";

const MISCONFIGURED_RECHECK_SECONDS = 60;

/**
 * This worker's configuration, or undefined (logged with each bad variable and its bound) while it
 * cannot be used: a misconfigured deployment must not spend its jobs' attempts failing one by one.
 */
function configOf(env: JobsEnv): JobsConfig | undefined {
  try {
    return jobsConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(
      JSON.stringify({ level: "error", msg: "the jobs worker is misconfigured; nothing runs until it is fixed", problems: error.problems }),
    );
    return undefined;
  }
}

/** Runs one batch of job messages over one handle; each is acknowledged only once its outcome is stored. */
async function consume(batch: MessageBatch, env: JobsEnv, config: JobsConfig, db: Db): Promise<void> {
  const deadLetters = batch.queue.endsWith("-dead");
  for (const message of batch.messages) {
    const parsed = jobMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      // It can never succeed: say so loudly, and don't let it loop.
      console.error(JSON.stringify({ level: "error", msg: "malformed job message dropped", queue: batch.queue, messageId: message.id }));
      message.ack();
      continue;
    }
    try {
      if (deadLetters) {
        await recordDeadLetter(db, handlers, progressPublisher(env), parsed.data, message.attempts);
        message.ack();
        continue;
      }
      // A held lane's job is parked ("ack"): the resume sends it again, and it loses nothing.
      const outcome = await runJob(parsed.data, { db, env, config, handlers, publisher: progressPublisher(env) });
      if (outcome === "ack") message.ack();
      else if (
        await sendJob(laneQueues(env), { id: parsed.data.jobId, kind: parsed.data.kind, lane: outcome.lane }, outcome.retryInSeconds)
      )
        message.ack();
      else message.retry({ delaySeconds: outcome.retryInSeconds });
    } catch (error) {
      // D1 or R2 unreachable before anything was recorded: let the queue redeliver this message.
      console.error(
        JSON.stringify({
          level: "error",
          msg: "job message not processed; redelivering",
          jobId: parsed.data.jobId,
          error: String(error),
        }),
      );
      message.retry({ delaySeconds: Math.ceil(backoffMs(config, message.attempts) / 1000) });
    }
  }
}

export default {
  async queue(batch, env, ctx) {
    const config = configOf(env);
    if (!config) return batch.retryAll({ delaySeconds: MISCONFIGURED_RECHECK_SECONDS });
    ctx.waitUntil(ensureSweeper(env));
    const db = openDb(env, { accessCache: env.LESSONS });
    try {
      await consume(batch, env, config, db);
    } finally {
      await closeDb(db);
    }
  },

  async scheduled(_controller, env) {
    const config = configOf(env);
    if (!config) return;
    // Every minute, in case the object's alarm chain broke (it sets one only if none is set).
    await ensureSweeper(env, { everyTime: true });
    const db = openDb(env);
    const resent = await sweep(db, laneQueues(env), config).finally(() => closeDb(db));
    if (resent.length) writeLog(config, "info", "sweep resent jobs", { count: resent.length, jobIds: resent });
  },
} satisfies ExportedHandler<JobsEnv>;
