/**
 * Finds which methods a path supports, so an unsupported method gets a 405
 * with `Allow` rather than a 404.
 */

const cache = new WeakMap<object, { method: string; pattern: RegExp }[]>();

function compile(path: string): RegExp {
  const source = path
    .split("/")
    .map((part) => {
      if (part === "*") return ".*";
      if (part.startsWith(":")) return "[^/]+";
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${source}/?$`);
}

export function methodsFor(routes: readonly { method: string; path: string }[], path: string): string[] {
  let compiled = cache.get(routes);
  if (!compiled) {
    compiled = routes.filter((r) => r.method !== "ALL").map((r) => ({ method: r.method, pattern: compile(r.path) }));
    cache.set(routes, compiled);
  }
  const methods = new Set(compiled.filter((r) => r.pattern.test(path)).map((r) => r.method));
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}
