/**
 * `base` with some bindings or variables replaced, everything else its own.
 *
 * The replacements are defined on the derived object, never assigned: the test environment of
 * `cloudflare:test` takes an assignment made through an object derived from it as a write to itself,
 * so `Object.assign(Object.create(env), …)` would change `env` for every later test in the runtime.
 * @example const remote = withBindings(env, { LLM_PROVIDER: "openai" }); // env.LLM_PROVIDER unchanged
 */
export function withBindings<E extends object>(base: E, replaced: Record<string, unknown>): E {
  const changed = Object.create(base) as E;
  for (const [name, value] of Object.entries(replaced)) Object.defineProperty(changed, name, { value, enumerable: true });
  return changed;
}
