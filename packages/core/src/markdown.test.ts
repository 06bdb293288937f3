/** Lesson Markdown renders as ordinary HTML, and hostile input (XSS cheat-sheet style) comes out inert. */
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown.ts";

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", colon: ":", tab: "\t", newline: "\n", sol: "/" };

/** Decodes HTML character references the way a browser would before reading an attribute. */
function decodeEntities(value: string): string {
  let previous: string;
  do {
    previous = value;
    value = value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (whole, ref: string) => {
      if (ref[0] === "#") {
        const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
      }
      return NAMED[ref.toLowerCase()] ?? whole;
    });
  } while (value !== previous);
  return value;
}

/** Tags and attributes a safe rendering may contain: what markdown-it emits for ordinary Markdown, nothing more. */
const SAFE_TAGS = new Set([
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "p",
  "ul",
  "ol",
  "li",
  "strong",
  "em",
  "s",
  "code",
  "pre",
  "blockquote",
  "a",
  "img",
  "hr",
  "br",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
]);
const SAFE_ATTRIBUTES = new Set(["href", "src", "alt", "title", "rel", "class", "start", "style"]);

/** Every reason the HTML could run a script in a browser; empty when it cannot. */
function executableVectors(html: string): string[] {
  const found: string[] = [];
  for (const tag of html.matchAll(/<\/?([a-zA-Z][\w:-]*)([^>]*)>/g)) {
    const name = tag[1]!.toLowerCase();
    if (!SAFE_TAGS.has(name)) found.push(`tag <${name}>`);
    for (const attribute of tag[2]!.matchAll(/([^\s"'=/]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g)) {
      const attributeName = attribute[1]!.toLowerCase();
      const value = decodeEntities((attribute[2] ?? "").replace(/^["']|["']$/g, ""));
      if (!SAFE_ATTRIBUTES.has(attributeName)) found.push(`attribute ${attributeName} on <${name}>`);
      // markdown-it puts text-align in style for table cells only.
      if (attributeName === "style" && !/^text-align:(left|right|center)$/.test(value)) found.push(`style ${value}`);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: a browser ignores control characters inside a URL's scheme; so must the check
      if ((attributeName === "href" || attributeName === "src") && !/^(https?:\/\/|mailto:)/i.test(value.replace(/[\u0000-\u0020]/g, ""))) {
        found.push(`${attributeName}=${value}`);
      }
    }
  }
  // Belt and braces on the raw text, whatever the tag parser above missed.
  if (/<script|<iframe|<style|<svg|<object|<embed|<math|<form|<meta|<link|<base/i.test(html)) found.push("dangerous tag text");
  // Attribute values are quoted (and quotes inside them escaped), so drop them before looking for handlers.
  if (/<[^>]*\son\w+\s*=/i.test(html.replace(/"[^"]*"/g, '""'))) found.push("event handler attribute");
  return found;
}

const hostile: Record<string, string> = {
  "script tag": "<script>alert(1)</script>",
  "script split across a tag": "<<script>script>alert(1)<</script>/script>",
  "img onerror": "<img src=x onerror=alert(1)>",
  "IMG with entity-encoded javascript src":
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
  "svg onload": "<svg onload=alert(1)>",
  "svg with script": "<svg><script>alert(1)</script></svg>",
  "iframe javascript": '<iframe src="javascript:alert(1)"></iframe>',
  "style with javascript url": "<style>body{background:url(javascript:alert(1))}</style>",
  "div style": '<div style="background:url(javascript:alert(1))">x</div>',
  "raw anchor": '<a href="javascript:alert(1)">click</a>',
  "details ontoggle": "<details open ontoggle=alert(1)>",
  "math xlink": '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  "comment then script": "<!-- x --><script>alert(1)</script>",
  "inline html inside a paragraph": "Hello <b onmouseover=alert(1)>there</b> friend",
  "markdown link javascript": "[x](javascript:alert(1))",
  "mixed case scheme": "[x](JaVaScRiPt:alert(1))",
  "tab entity inside scheme": "[x](jav&#x09;ascript:alert(1))",
  "decimal entities for the whole scheme": "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
  "hex entity first letter": "[x](&#x6A;avascript:alert(1))",
  "named colon entity": "[x](javascript&colon;alert(1))",
  "numeric colon entity": "[x](javascript&#58;alert(1))",
  "leading space": "[x]( javascript:alert(1))",
  "angle-bracket destination": "[x](<javascript:alert(1)>)",
  "angle-bracket destination with a space": "[x](<java script:alert(1)>)",
  "leading control character": "[x](\u0001javascript:alert(1))",
  "newline via percent": "[a](javascript://%0aalert(1))",
  "backslash escapes": "[x](java\\script:alert(1))",
  "data html": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "data svg image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
  "data png image": "![x](data:image/png;base64,iVBORw0KGgo=)",
  vbscript: "[x](vbscript:msgbox(1))",
  "autolink javascript": "<javascript:alert(1)>",
  "reference definition": "[x][1]\n\n[1]: javascript:alert(1)",
  "image javascript": "![x](javascript:alert(1))",
  "title breaking out of its attribute": '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
  "image title breakout": '![x](https://ok.example/x.png "a\\" onerror=\\"alert(1)")',
  "quote in the url": '![x](https://ok.example/x.png"onerror="alert(1))',
  "fence language breakout": '```js" onclick="alert(1)\ncode\n```',
  "html block": "<div>\n<script>alert(1)</script>\n</div>",
  "link text with html": "[<img src=x onerror=alert(1)>](https://ok.example)",
  "zero width space scheme": "[x](\u200Bjavascript:alert(1))",
  "null byte in scheme": "[x](java\u0000script:alert(1))",
  "protocol-relative": "[x](//evil.example/x)",
  "relative path": "[x](/v1/auth/logout)",
};

describe("renderMarkdown", () => {
  it("renders ordinary Markdown: headings, lists, bold, code, links", () => {
    const html = renderMarkdown(
      "# Trace trees\n\nA **hot** loop and *cold* code.\n\n- one\n- two\n\n1. first\n2. second\n\nUse `tracing` here.\n\n```ts\nconst x = 1 < 2;\n```\n\n> quoted\n\n[the paper](https://example.com/paper?a=1&b=2) or [mail](mailto:t@example.com)\n\n![figure](https://example.com/f.png)",
    );
    expect(html).toContain("<h1>Trace trees</h1>");
    expect(html).toContain("<strong>hot</strong>");
    expect(html).toContain("<em>cold</em>");
    expect(html).toMatch(/<ul>\s*<li>one<\/li>\s*<li>two<\/li>\s*<\/ul>/);
    expect(html).toMatch(/<ol>\s*<li>first<\/li>/);
    expect(html).toContain("<code>tracing</code>");
    expect(html).toContain('<pre><code class="language-ts">const x = 1 &lt; 2;');
    expect(html).toContain("<blockquote>");
    expect(html).toContain('<a href="https://example.com/paper?a=1&amp;b=2" rel="nofollow noopener noreferrer">the paper</a>');
    expect(html).toContain('<a href="mailto:t@example.com" rel="nofollow noopener noreferrer">mail</a>');
    expect(html).toContain('<img src="https://example.com/f.png" alt="figure">');
    expect(executableVectors(html)).toEqual([]);
  });

  it("shows raw HTML as text rather than markup", () => {
    const html = renderMarkdown("<script>alert(1)</script>");
    expect(html).toBe("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n");
  });

  it("keeps a refused link's text readable", () => {
    expect(renderMarkdown("[x](javascript:alert(1))")).toContain("[x](javascript:alert(1))");
  });

  it.each(Object.entries(hostile))("%s renders with no executable vector", (_name, source) => {
    const html = renderMarkdown(source);
    expect(executableVectors(html)).toEqual([]);
  });

  it("the checker itself catches each kind of vector it guards against", () => {
    expect(executableVectors('<a href="jav&#x09;ascript:alert(1)">x</a>')).not.toEqual([]);
    expect(executableVectors('<a href="&#106;avascript:alert(1)">x</a>')).not.toEqual([]);
    expect(executableVectors('<img src="x" onerror="alert(1)">')).not.toEqual([]);
    expect(executableVectors("<svg></svg>")).not.toEqual([]);
    expect(executableVectors('<a title="x" onmouseover="alert(1)">')).not.toEqual([]);
    expect(executableVectors('<p style="background:url(x)">')).not.toEqual([]);
  });
});
