/** A self-contained page that lists the API from /openapi.json: no CDN, no framework, works offline. */
export function docsPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>studyhall API</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2330; background: #fafbfc; }
  header { background: #1d2330; color: #fff; padding: 1rem 2rem; }
  main { max-width: 960px; margin: 0 auto; padding: 1rem 2rem 4rem; }
  h2 { margin-top: 2rem; border-bottom: 1px solid #d8dde6; text-transform: capitalize; }
  details { background: #fff; border: 1px solid #d8dde6; border-radius: 6px; margin: .5rem 0; }
  summary { cursor: pointer; padding: .5rem .75rem; display: flex; gap: .75rem; align-items: baseline; }
  .method { font: 700 12px/1 ui-monospace, monospace; padding: .3rem .5rem; border-radius: 4px; color: #fff; min-width: 3.5rem; text-align: center; }
  .get { background: #2f6fdf; } .post { background: #1f8a4c; } .put, .patch { background: #b7791f; } .delete { background: #c53030; }
  code, pre { font: 13px/1.45 ui-monospace, monospace; }
  pre { background: #f3f5f8; padding: .75rem; overflow: auto; border-radius: 4px; }
  .body { padding: 0 .75rem .75rem; }
</style>
</head>
<body>
<header><h1>studyhall API</h1><p>Generated from <a style="color:#9cc3ff" href="/openapi.json">/openapi.json</a>.</p></header>
<main id="docs" aria-live="polite">Loading…</main>
<script type="module">
  const spec = await (await fetch("/openapi.json")).json();
  const main = document.getElementById("docs");
  main.textContent = "";
  const intro = document.createElement("p");
  intro.textContent = spec.info.description;
  main.append(intro);
  const byTag = new Map();
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op });
    }
  }
  for (const [tag, ops] of byTag) {
    const h = document.createElement("h2");
    h.textContent = tag;
    main.append(h);
    for (const { path, method, op } of ops) {
      const d = document.createElement("details");
      const s = document.createElement("summary");
      const m = document.createElement("span");
      m.className = "method " + method;
      m.textContent = method.toUpperCase();
      const p = document.createElement("code");
      p.textContent = path;
      const t = document.createElement("span");
      t.textContent = op.summary || "";
      s.append(m, p, t);
      const body = document.createElement("div");
      body.className = "body";
      const pre = document.createElement("pre");
      pre.textContent = JSON.stringify({ parameters: op.parameters, requestBody: op.requestBody, responses: op.responses }, null, 2);
      body.append(pre);
      d.append(s, body);
      main.append(d);
    }
  }
</script>
</body>
</html>`;
}
