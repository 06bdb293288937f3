/**
 * Finds terms the text itself defines, one sentence at a time: "X is a/an/the
 * …", "X refers to …", "… is called X", "X, which …", appositives ("a finite
 * automaton, a simple machine that …") and acronyms ("Just-In-Time (JIT)").
 * Everything returned is a span of the source sentence, so a definition is
 * always the author's words.
 */
import { isStopword } from "./words.ts";

export type DefinitionKind = "is-a" | "refers-to" | "called" | "called-previous" | "appositive" | "which" | "acronym" | "subject";

export interface Definition {
  kind: DefinitionKind;
  /** The term as printed in the sentence. */
  term: string;
  /** A noun phrase describing the term ("a component that reads …"), when the pattern gives one. */
  gloss?: string;
  /** True when the term opens the sentence (its capital may be the sentence's, not the word's). */
  atStart: boolean;
}

const ACRONYM = String.raw`\([A-Z][A-Za-z]*[A-Z]s?\)`;
const NOT_A_TERM = new Set(
  "it this that these those there here such each every our its their his her most many some all one both another which what who we they he she you".split(
    " ",
  ),
);
/** Verbs common in expository text; a phrase holding one is a clause, not a term. */
const VERB_HINT =
  /^(?:is|are|was|were|be|has|have|had|does|did|do|can|may|must|perform|performs|use|uses|produce|produces|return|returns|make|makes|take|takes|contain|contains|include|includes|provide|provides|require|requires|allow|allows|give|gives|show|shows|run|runs|build|builds|create|creates|read|reads|write|writes|add|adds|remove|removes|replace|replaces|convert|converts|apply|applies|describe|describes|introduce|introduces|compile|compiles|execute|executes|generate|generates|become|becomes|keep|keeps|need|needs|mean|means|follow|follows|note|notes|see|sees|called|known|termed)$/i;
const GLOSS_END =
  /(?:;|,\s+(?:and|but|so|although|whereas|because|while|though|such as|e\.g\.|i\.e\.)\s|,\s+which\s+is\s+why|\s\((?:e\.g\.|i\.e\.|see)\s)/i;
const LEADING_ARTICLE = /^(?:a|an|the)\s+/i;

/** True when the words could name a concept: one to four content words, optionally with an acronym. */
export function isTermPhrase(phrase: string): boolean {
  const bare = phrase.replace(new RegExp(`\\s*${ACRONYM}`, "g"), "").trim();
  const parts = bare.split(/\s+/);
  if (parts.length < 1 || parts.length > 4 || bare.length < 3 || bare.length > 60) return false;
  if (!parts.every((w) => /^[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*$/.test(w))) return false;
  if (NOT_A_TERM.has(parts[0]?.toLowerCase() ?? "")) return false;
  return parts.every((w) => !isStopword(w) && !VERB_HINT.test(w) && !/ly$/i.test(w));
}

/** Cuts a gloss at the first clause that stops describing the term, and drops the closing stop. */
export function trimGloss(gloss: string): string {
  const end = GLOSS_END.exec(gloss);
  return (end ? gloss.slice(0, end.index) : gloss).replace(/[\s.,;:!?]+$/, "").trim();
}

/** The last one to four content words before `index`: the noun phrase a "which" or an appositive hangs on. */
function phraseBefore(text: string, index: number): string | undefined {
  const tokens = text.slice(0, index).trim().split(/\s+/);
  const taken: string[] = [];
  while (tokens.length > 0 && taken.length < 5) {
    const token = tokens.pop() ?? "";
    const isAcronym = new RegExp(`^${ACRONYM}$`).test(token);
    if (!isAcronym && (!/^[A-Za-z][\w'-]*$/.test(token) || isStopword(token) || VERB_HINT.test(token) || /ly$/i.test(token))) break;
    taken.unshift(token);
  }
  const phrase = taken.join(" ");
  return phrase !== "" && isTermPhrase(phrase) ? phrase : undefined;
}

/** The sentence's opening noun phrase without its article, if it is one. */
function subjectOf(text: string): string {
  return text.replace(LEADING_ARTICLE, "").trim();
}

/**
 * Every definition the sentence holds, strongest pattern first.
 *
 * @example
 * findDefinitions("A lexer is a component that groups characters into tokens.")
 * // -> [{ kind: "is-a", term: "lexer", gloss: "a component that groups characters into tokens", atStart: true }]
 */
export function findDefinitions(sentence: string): Definition[] {
  const found: Definition[] = [];
  const s = sentence.trim();

  const isA =
    /^(.{2,90}?)\s+(?:is|are)\s+(?:(?:also|usually|simply|often|typically|essentially|generally|commonly)\s+)?((?:a|an|the|any)\s.+)$/.exec(
      s,
    );
  if (isA?.[1] && isA[2] && isTermPhrase(subjectOf(isA[1])) && !/^(?:called|known|termed)\b/i.test(isA[2])) {
    found.push({ kind: "is-a", term: subjectOf(isA[1]), gloss: trimGloss(isA[2]), atStart: !LEADING_ARTICLE.test(isA[1]) });
  }

  const refers = /^(.{2,90}?)\s+(?:refers to|is defined as|are defined as|denotes|stands for)\s+(.+)$/.exec(s);
  if (refers?.[1] && refers[2] && isTermPhrase(subjectOf(refers[1]))) {
    found.push({ kind: "refers-to", term: subjectOf(refers[1]), gloss: trimGloss(refers[2]), atStart: !LEADING_ARTICLE.test(refers[1]) });
  }

  const calledAsPredicate =
    /^(.{3,120}?)\s+(?:is|are)\s+(?:called|known as|termed|referred to as)\s+(?:an?\s+|the\s+)?([^,.;:]+?)(?:,\s+((?:a|an)\s.+?))?(?:,\s.*)?[.!?]?$/.exec(
      s,
    );
  if (calledAsPredicate?.[1] && calledAsPredicate[2] && isTermPhrase(calledAsPredicate[2])) {
    const subject = calledAsPredicate[1];
    const term = calledAsPredicate[2];
    const appositive = calledAsPredicate[3];
    const demonstrative = /^(?:this|these|that|those|such)\s+/i;
    if (appositive) found.push({ kind: "called", term, gloss: trimGloss(appositive), atStart: false });
    else if (demonstrative.test(subject)) {
      const rest = subject.replace(demonstrative, "");
      // "Such frequently executed code is known as a hot spot": the subject is the definition.
      if (
        rest.split(/\s+/).filter((w) => !isStopword(w)).length >= 2 &&
        !/\b(?:technique|process|method|approach|step|idea|rule)$/i.test(rest)
      ) {
        found.push({ kind: "called", term, gloss: rest, atStart: false });
      } else found.push({ kind: "called-previous", term, atStart: false });
    } else found.push({ kind: "called", term, gloss: subject.charAt(0).toLowerCase() + subject.slice(1), atStart: false });
  } else {
    const calledInline =
      /\b(?:called|known as|termed)\s+(?:an?\s+|the\s+)?([A-Za-z][\w'-]*(?:\s+[A-Za-z][\w'-]*){0,3}?)(?=\s*[,.;:)]|\s+(?:which|that|and|or|is|are)\b)/.exec(
        s,
      );
    if (calledInline?.[1] && isTermPhrase(calledInline[1])) found.push({ kind: "called", term: calledInline[1], atStart: false });
  }

  const appositive = /\b(?:a|an|the)\s+([^,;]+?),\s+((?:a|an)\s[^,;]*\b(?:that|which|whose|in which|used to|for|of)\b[^;]*?)[.!?]?$/.exec(
    s,
  );
  if (appositive?.[1] && appositive[2]) {
    const term = phraseBefore(appositive[1], appositive[1].length) ?? "";
    if (term !== "" && term.split(/\s+/).length <= 4)
      found.push({ kind: "appositive", term, gloss: trimGloss(appositive[2]), atStart: false });
  }

  // "…, which these notes follow": a relative clause whose subject is another noun says nothing about the term.
  for (const which of s.matchAll(
    /,\s+which\s+(?!is why|means|in turn|(?:the|a|an|this|these|those|we|it|they|you|our|its|their|he|she)\b)/g,
  )) {
    const term = phraseBefore(s, which.index);
    if (term) found.push({ kind: "which", term, atStart: s.startsWith(term) });
  }

  for (const acronym of s.matchAll(new RegExp(ACRONYM, "g"))) {
    const expansion = expansionBefore(s.slice(0, acronym.index), acronym[0].slice(1, -1));
    if (expansion) found.push({ kind: "acronym", term: `${expansion} ${acronym[0]}`, atStart: s.startsWith(expansion) });
  }
  return found;
}

/** The words before "(JIT)" whose initials spell it: "Just-In-Time", "abstract syntax tree". */
export function expansionBefore(text: string, acronym: string): string | undefined {
  const letters = acronym
    .replace(/s$/, "")
    .toUpperCase()
    .replace(/[^A-Z]/g, "");
  const tokens = text.trimEnd().split(/\s+/);
  let needed = letters.length;
  const taken: string[] = [];
  while (tokens.length > 0 && needed > 0) {
    const token = tokens.pop() ?? "";
    const parts = token.split("-").reverse();
    const isGlue = isStopword(token) && taken.length > 0 && letters[needed - 1]?.toLowerCase() !== token[0]?.toLowerCase();
    if (isGlue) {
      taken.unshift(token);
      continue;
    }
    for (const part of parts) {
      if (needed > 0 && part[0]?.toUpperCase() === letters[needed - 1]) needed--;
      else if (part !== "") return undefined;
    }
    taken.unshift(token);
  }
  if (needed > 0 || taken.length === 0) return undefined;
  return taken.join(" ").replace(/^[("'“]+/, "");
}
