/** Durable Object classes: exported by the API worker, reached by both workers through their bindings. */
export { RateLimiter } from "./rate-limiter";
export type { TakeInput } from "./rate-limiter";
