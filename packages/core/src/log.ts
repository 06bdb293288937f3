/**
 * Structured log lines, one JSON object each, filtered by `LOG_LEVEL`. Request
 * lines are sampled (`LOG_SAMPLE_RATE`): at load a line per request costs more
 * than the request, and the failures, which are what one reads logs for, are
 * always written.
 */
import type { Config } from "./config.ts";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type LogConfig = Pick<Config, "LOG_LEVEL" | "LOG_SAMPLE_RATE">;

/** Whether a line of `level` passes the configured level. */
export function logs(config: LogConfig, level: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(config.LOG_LEVEL);
}

/**
 * Writes one line when its level passes.
 * @example writeLog(config, "warn", "lesson cache unreachable", { requestId, error: String(error) })
 */
export function writeLog(config: LogConfig, level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  if (!logs(config, level)) return;
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/**
 * The level of a request's line, or undefined when it is not written: a 5xx is an error and a 4xx a warning,
 * always written while their level passes; a success is written at debug level, or else for a sampled share.
 * @example const level = requestLogLevel(config, c.res.status); if (level) writeLog(config, level, "request", {...})
 */
export function requestLogLevel(config: LogConfig, status: number, random = Math.random()): LogLevel | undefined {
  const level: LogLevel = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
  if (!logs(config, level)) return undefined;
  if (level !== "info" || config.LOG_LEVEL === "debug") return level;
  return random < config.LOG_SAMPLE_RATE ? level : undefined;
}
