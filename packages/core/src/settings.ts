/**
 * Reading a worker's variables against a schema, with an error that names
 * every bad variable and its bound (never its value: some are secrets). The
 * API worker, the jobs worker and the start-up checks in scripts/ all read
 * configuration through here, so they accept and refuse exactly the same.
 *
 * This file and the config schemas import only zod, with no extensionless
 * relative imports, so plain Node (type stripping) can load them from a script.
 */
import { z } from "zod";

/** Document characters per LLM request unless `LLM_MAX_INPUT_CHARS` says otherwise; the token estimates assume it. */
export const LLM_DEFAULT_INPUT_CHARS = 24_000;

/** One variable that does not fit its bound. */
export interface SettingProblem {
  name: string;
  /** What the variable must be, as the README's Configuration table says it. */
  bound: string;
}

/**
 * The configuration cannot be used as it is.
 * @example
 * catch (e) { if (e instanceof ConfigError) for (const p of e.problems) console.error(`${p.name} must be ${p.bound}`); }
 */
export class ConfigError extends Error {
  readonly problems: readonly SettingProblem[];

  constructor(problems: readonly SettingProblem[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.name} must be ${p.bound}`).join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/**
 * What a worker's configuration is read with: one object of variables, or two read together
 * (`base.and(own)`), whose problems are listed part by part, each part's cross-checks after its fields.
 */
export type SettingsSchema = z.ZodObject | z.ZodIntersection<z.ZodObject, z.ZodObject>;

/** Every variable a schema reads, with the schema of its value. */
function variablesOf(schema: SettingsSchema): Record<string, z.ZodType | undefined> {
  return "shape" in schema ? schema.shape : { ...schema.def.left.shape, ...schema.def.right.shape };
}

/** The variables a schema reads, from a worker's env: empty strings count as unset, so a blank variable takes its default. */
export function settingsSource(shape: Record<string, unknown>, env: object): Record<string, unknown> {
  const source: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    const value = (env as Record<string, unknown>)[key];
    if (typeof value === "string" || typeof value === "number") source[key] = value === "" ? undefined : value;
  }
  return source;
}

/** Every variable that fails `schema`, with the bound its schema describes (or the check's own message). */
export function settingProblems(schema: SettingsSchema, env: object): SettingProblem[] {
  const variables = variablesOf(schema);
  const result = schema.safeParse(settingsSource(variables, env));
  if (result.success) return [];
  const problems = new Map<string, string>();
  for (const issue of result.error.issues) {
    const name = String(issue.path[0] ?? "configuration");
    if (problems.has(name)) continue;
    const described = variables[name]?.description;
    // A check across variables says its own bound; a single variable's bound is its description.
    const across = issue.code === "custom" && (issue.params as { across?: boolean } | undefined)?.across === true;
    problems.set(name, across ? issue.message : (described ?? issue.message));
  }
  return [...problems].map(([name, bound]) => ({ name, bound }));
}

/**
 * Parses a worker's variables.
 * @throws ConfigError naming every variable out of its bound.
 */
export function readSettings<S extends z.ZodType>(schema: S & SettingsSchema, env: object): z.infer<S> {
  const result = z.safeParse<S>(schema, settingsSource(variablesOf(schema), env));
  if (!result.success) throw new ConfigError(settingProblems(schema, env));
  return result.data;
}

/**
 * A reader of `schema` that parses each env object once. workerd hands every request of an isolate the
 * same env object, so the work is done at the first request; a bad value throws every time until fixed.
 * @example
 * const apiConfig = oncePerEnv(apiConfigSchema);
 * apiConfig(env).EXPORT_URL_SECRET; // parsed at the first call, cached for this env after it
 */
export function oncePerEnv<S extends z.ZodType>(schema: S & SettingsSchema): (env: object) => z.infer<S> {
  const cache = new WeakMap<object, z.infer<S>>();
  return (env) => {
    let parsed = cache.get(env);
    if (parsed === undefined) {
      parsed = readSettings<S>(schema, env);
      cache.set(env, parsed);
    }
    return parsed;
  };
}
