import { describe, expect, it } from "vitest";
import { z } from "zod";
import { readReply } from "./llm-output.ts";
import { jsonSchemaFormat, replyJsonSchema, withoutOptionalNulls } from "./strict-schema.ts";

const note = z.object({
  title: z.string().min(1).max(80),
  page: z.number().int().nullable(),
  tags: z.array(z.object({ name: z.string(), weight: z.number().optional() })),
  summary: z.string().optional(),
});

describe("strict structured output", () => {
  it("lists every property as required, optional ones as nullable, and allows nothing else", () => {
    const { json_schema } = jsonSchemaFormat("note", note);
    expect(json_schema).toMatchObject({ name: "note", strict: true });
    expect(json_schema.schema).toEqual({
      type: "object",
      properties: {
        title: { type: "string" },
        page: { anyOf: [{ type: "integer", maximum: 9007199254740991, minimum: -9007199254740991 }, { type: "null" }] },
        tags: {
          type: "array",
          items: {
            type: "object",
            properties: { name: { type: "string" }, weight: { anyOf: [{ type: "number" }, { type: "null" }] } },
            required: ["name", "weight"],
            additionalProperties: false,
          },
        },
        summary: { anyOf: [{ type: "string" }, { type: "null" }] },
      },
      required: ["title", "page", "tags", "summary"],
      additionalProperties: false,
    });
  });

  it("reads a strict reply's nulls for optional fields as absent, and keeps those zod allows to be null", () => {
    const reply = JSON.stringify({ title: "Lexers", page: null, tags: [{ name: "tokens", weight: null }], summary: null });
    const read = readReply(reply, note, (json) => withoutOptionalNulls(json, replyJsonSchema(note)));
    expect(read).toEqual({ ok: true, value: { title: "Lexers", page: null, tags: [{ name: "tokens" }] } });
    expect(readReply(reply, note).ok).toBe(false);
  });
});
