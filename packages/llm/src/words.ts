/**
 * Word-level helpers shared by the extractive stages: tokens for similarity,
 * a light stemmer so "compilers" meets "compiler", and a stopword list.
 * English only, on purpose: the parser does not tell us the language yet.
 */

const STOPWORDS = new Set(
  (
    "a about above after again against all also although am an and any are as at be because been before being below " +
    "between both but by can could did do does doing down during each either else even ever every few for from " +
    "further had has have having he her here hers herself him himself his how however i if in into is it its itself " +
    "just least less let like many may me might more most much must my myself neither no nor not now of off often on " +
    "once one only or other others our ours ourselves out over own per quite rather same shall she should since so " +
    "some such than that the their theirs them themselves then there these they this those though through thus to " +
    "too under until up upon us used uses using very via was we well were what when where whether which while who " +
    "whom whose why will with within without would yet you your yours yourself yourselves"
  ).split(" "),
);

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word.toLowerCase());
}

/**
 * A deliberately small stemmer: plurals and the commonest suffixes. Good
 * enough for similarity between sentences; wrong stems cost little there.
 */
export function stem(word: string): string {
  let w = word.toLowerCase();
  if (w.length > 4 && w.endsWith("ies")) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(?:sses|xes|ches|shes)$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith("s") && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 6 && w.endsWith("ing")) w = w.slice(0, -3);
  else if (w.length > 5 && w.endsWith("ed")) w = w.slice(0, -2);
  else if (w.length > 6 && w.endsWith("ation")) w = w.slice(0, -5);
  return w;
}

/** Lower-cased words of a text, hyphenated compounds kept whole. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+(?:['’-][a-z0-9]+)*/g) ?? [];
}

/** Stemmed content words: what similarity and ranking compare. */
export function contentStems(text: string): string[] {
  return words(text)
    .filter((w) => !isStopword(w) && w.length > 1 && !/^\d+$/.test(w))
    .map(stem);
}

/** Whitespace-collapsed, lower-cased text with typographic quotes and dashes folded, for containment checks. */
export function normalizeForCompare(text: string): string {
  return text.replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/[–—]/g, "-").replace(/\s+/g, " ").trim().toLowerCase();
}

/** Upper-cases the first letter and makes sure the text ends with a full stop. */
export function asSentence(text: string): string {
  const t = text.trim().replace(/[\s,;:]+$/, "");
  if (t === "") return t;
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]["')\]]?$/.test(capital) ? capital : `${capital}.`;
}

/**
 * FNV-1a: a stable hash so "random" choices (answer position, tie-breaks)
 * are the same on every run for the same input.
 */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
