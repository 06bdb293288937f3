/** Everything under /v1/auth: sign-up, sign-in, refresh and sign-out, rate-limited per client IP. */
import { newRouter } from "../openapi.ts";
import { signInRoutes } from "./auth.ts";

export const authRoutes = newRouter().route("/", signInRoutes);
