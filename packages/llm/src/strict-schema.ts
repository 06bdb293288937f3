/**
 * Structured output: the JSON Schema of a reply, as OpenAI's strict mode
 * (`response_format: { type: "json_schema", strict: true }`) accepts it.
 * Strict mode wants every property listed in `required` and
 * `additionalProperties: false` on every object, and refuses keywords it
 * cannot enforce while decoding (string lengths, defaults). An optional field
 * therefore becomes a required one that may be null, and the nulls are taken
 * out again before zod reads the reply; the keywords left out, and every
 * refinement, are still checked by zod on our side.
 */
import { z } from "zod";

type JsonSchema = Record<string, unknown>;

/** Keywords strict mode accepts; the rest are dropped (zod still enforces them). */
const KEPT = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "prefixItems",
  "anyOf",
  "enum",
  "const",
  "description",
  "title",
  "$defs",
  "$ref",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
]);

const isSchema = (value: unknown): value is JsonSchema => typeof value === "object" && value !== null && !Array.isArray(value);

/** The reply's JSON Schema as zod writes it (draft 2020-12), without `$schema`. */
export function replyJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as JsonSchema;
  return rest;
}

function strict(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (!KEPT.has(key)) continue;
    if (key === "items" && isSchema(value)) out.items = strict(value);
    else if ((key === "anyOf" || key === "prefixItems") && Array.isArray(value)) out[key] = value.map((v) => (isSchema(v) ? strict(v) : v));
    else if (key === "$defs" && isSchema(value))
      out.$defs = Object.fromEntries(Object.entries(value).map(([name, v]) => [name, isSchema(v) ? strict(v) : v]));
    else if (key !== "properties" && key !== "required" && key !== "additionalProperties") out[key] = value;
  }
  if (isSchema(node.properties)) {
    const required = new Set(Array.isArray(node.required) ? node.required : []);
    const properties: JsonSchema = {};
    for (const [name, value] of Object.entries(node.properties)) {
      if (!isSchema(value)) continue;
      const property = strict(value);
      properties[name] = required.has(name) ? property : { anyOf: [property, { type: "null" }] };
    }
    out.properties = properties;
    out.required = Object.keys(properties);
    out.additionalProperties = false;
  } else if (node.type === "object") {
    out.properties = {};
    out.required = [];
    out.additionalProperties = false;
  }
  return out;
}

/**
 * The `response_format` that asks for a reply matching `schema` in strict mode.
 *
 * @example
 * jsonSchemaFormat("lesson", lessonOutputSchema).json_schema.schema.additionalProperties // false
 */
export function jsonSchemaFormat(name: string, schema: z.ZodType) {
  return { type: "json_schema" as const, json_schema: { name, strict: true, schema: strict(replyJsonSchema(schema)) } };
}

/**
 * Removes the nulls strict mode made the model write for optional fields, walking the
 * reply beside the schema zod wrote, so that a field zod itself allows to be null keeps it.
 *
 * @example
 * withoutOptionalNulls({ a: 1, note: null }, replyJsonSchema(z.object({ a: z.number(), note: z.string().optional() }))) // { a: 1 }
 */
export function withoutOptionalNulls(value: unknown, schema: JsonSchema, defs: JsonSchema = {}): unknown {
  const resolved = typeof schema.$ref === "string" ? defs[schema.$ref.replace(/^#\/\$defs\//, "")] : schema;
  const node = isSchema(resolved) ? resolved : {};
  const allDefs = isSchema(schema.$defs) ? { ...defs, ...schema.$defs } : defs;
  if (Array.isArray(value))
    return isSchema(node.items) ? value.map((v) => withoutOptionalNulls(v, node.items as JsonSchema, allDefs)) : value;
  if (!isSchema(value)) return value;
  const object = Array.isArray(node.anyOf) ? node.anyOf.find((s) => isSchema(s) && isSchema(s.properties)) : node;
  if (!isSchema(object) || !isSchema(object.properties)) return value;
  const properties = object.properties;
  const required = new Set(Array.isArray(object.required) ? object.required : []);
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === null && !required.has(key)) continue;
    const sub = properties[key];
    out[key] = isSchema(sub) ? withoutOptionalNulls(field, sub, allDefs) : field;
  }
  return out;
}
