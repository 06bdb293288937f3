/** Authentication: password hashing, access tokens (JWT), rotating refresh tokens. */

export * from "./access-token.ts";
export * from "./accounts.ts";
export * from "./current-access.ts";
export * from "./encoding.ts";
export * from "./external-identity.ts";
export * from "./membership.ts";
export * from "./password.ts";
export * from "./refresh-tokens.ts";
export * from "./sign-in.ts";
export * from "./signing-keys.ts";
