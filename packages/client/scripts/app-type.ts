/**
 * What the client's published route types are made from: the API worker's
 * route schema, as `typeof newApp()` carries it, on a Hono app with no
 * bindings. scripts/emit-app-type.ts compiles this file's declaration into
 * src/generated/app-type.d.ts, where the compiler writes the schema out in
 * full, so the declaration needs neither the worker's sources nor the
 * Workers runtime types. Nothing runs this module.
 */
import type { Env, Hono, Schema } from "hono";
import type { BlankEnv } from "hono/types";
import { newApp } from "../../../workers/api/src/app.ts";

/** Keeps an app's schema and drops its environment, which the client never sees. */
declare function routesOf<E extends Env, S extends Schema, B extends string>(app: Hono<E, S, B>): Hono<BlankEnv, S, "/">;

// An inferred type, so the declaration spells the schema out instead of naming newApp.
const routes = routesOf(newApp());

/** The API's routes, for `hc<AppType>()`: a changed route changes this type. */
export type AppType = typeof routes;
