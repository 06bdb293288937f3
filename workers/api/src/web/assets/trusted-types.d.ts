/**
 * The part of the Trusted Types API that lesson-html.mjs uses, which
 * TypeScript's DOM library does not describe: the pages' CSP requires
 * Trusted Types, so the one string that reaches an HTML parser goes through
 * a named policy first. Only types; nothing here is served.
 */

interface TrustedHTML {
  readonly brand: unique symbol;
}

interface TrustedTypePolicy {
  createHTML(input: string): TrustedHTML;
}

interface TrustedTypePolicyFactory {
  createPolicy(name: string, rules: { createHTML?: (input: string) => string }): TrustedTypePolicy;
}

/** Missing where the browser has no Trusted Types, hence the optional chaining at its one use. */
declare var trustedTypes: TrustedTypePolicyFactory | undefined;

interface DOMParser {
  parseFromString(string: string | TrustedHTML, type: DOMParserSupportedType): Document;
}
