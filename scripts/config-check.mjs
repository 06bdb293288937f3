/**
 * Checks each worker's configuration before anything starts or builds, with
 * the schema the worker itself reads (workers/api/src/config.ts and
 * workers/jobs/src/config.ts, loaded as TypeScript by Node): a variable out
 * of bounds is one line naming the worker, the variable and its bound.
 *
 * The variables are what wrangler would give the worker: its wrangler.toml
 * `[vars]`, then (for `npm run dev`) the `.dev.vars` beside it, then the run's
 * vars file; later ones win. `[vars]` is read as this project writes it, one
 * `NAME = "value"` per line.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseEnv } from "node:util";
import { settingProblems } from "../packages/core/src/settings.ts";
import { apiConfigSchema } from "../workers/api/src/config.ts";
import { jobsConfigSchema } from "../workers/jobs/src/config.ts";

/** The schema each worker reads: the API worker's has its secrets, the consumers' the LLM settings. */
const schemaOf = (config) => (/jobs/.test(config) ? jobsConfigSchema : apiConfigSchema);

/** The `[vars]` table of a wrangler.toml. */
export function tomlVars(text) {
  const vars = {};
  let inVars = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      inVars = line === "[vars]";
      continue;
    }
    if (!inVars || line === "" || line.startsWith("#")) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*(#.*)?$/.exec(line);
    if (!match) continue;
    const value = match[2];
    // Basic strings are JSON strings for what a config holds; literal strings have no escapes at all.
    if (value.startsWith('"')) vars[match[1]] = JSON.parse(value);
    else if (value.startsWith("'")) vars[match[1]] = value.slice(1, -1);
    else vars[match[1]] = value;
  }
  return vars;
}

/** The variables one worker gets: `[vars]`, then each dotenv file that exists, in order. */
export function workerVars(configPath, dotenvFiles = []) {
  const vars = tomlVars(readFileSync(configPath, "utf8"));
  for (const file of dotenvFiles) if (file && existsSync(file)) Object.assign(vars, parseEnv(readFileSync(file, "utf8")));
  return vars;
}

/**
 * One line per bad variable of each worker (none when all is well).
 * @param {{ root: string, configs: string[], devVars?: boolean, varsFile?: string }} options
 */
export function configProblems({ root, configs, devVars = false, varsFile }) {
  const lines = [];
  for (const config of configs) {
    const path = join(root, config);
    const vars = workerVars(path, [devVars ? join(dirname(path), ".dev.vars") : undefined, varsFile]);
    for (const problem of settingProblems(schemaOf(config), vars))
      lines.push(`invalid configuration (${config}): ${problem.name} must be ${problem.bound}`);
  }
  return lines;
}

/** Prints one line per problem and exits with 1 if there are any. */
export function exitOnConfigProblems(options) {
  const lines = configProblems(options);
  if (lines.length === 0) return;
  for (const line of lines) console.error(line);
  process.exit(1);
}
