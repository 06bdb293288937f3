/** Authentication: password hashing, access tokens (JWT), rotating refresh tokens. */
export * from "./encoding";
export * from "./password";
export * from "./signing-keys";
export * from "./access-token";
export * from "./refresh-tokens";
export * from "./accounts";
export * from "./current-access";
export * from "./membership";
