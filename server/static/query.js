// The query page: CodeMirror editor, named-query examples, POST /sparql, results (results.js), downloads; the
// page's URL holds the query that ran (a `/?query=` link runs on load).
// Every piece of data reaches the page as text (textContent) or an attribute value, never as markup.
"use strict";

(function () {
  const RESULT_FORMATS = [
    ["json", "SPARQL JSON", "srj"], ["xml", "SPARQL XML", "srx"], ["csv", "CSV", "csv"], ["tsv", "TSV", "tsv"],
  ];
  const GRAPH_FORMATS = [
    ["turtle", "Turtle", "ttl"], ["nt", "N-Triples", "nt"], ["jsonld", "JSON-LD", "jsonld"],
    ["xml", "RDF/XML", "rdf"], ["trig", "TriG", "trig"], ["nquads", "N-Quads", "nq"],
  ];
  const ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9";
  const LINKABLE = /^(https?|mailto|tel):/i;

  const form = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  const runButton = document.getElementById("run");
  const statusLine = document.getElementById("status");
  const errorBox = document.getElementById("error");
  const note = document.getElementById("example-note");
  const results = document.getElementById("results");
  const resultBody = document.getElementById("result-body");
  const downloads = document.getElementById("downloads");
  const viewParts = {
    switcher: document.getElementById("view-switcher"), table: resultBody, canvas: document.getElementById("view-body"),
  };
  const endpoint = form.getAttribute("action");
  const examples = JSON.parse(document.getElementById("examples-data").textContent);
  const prefixes = JSON.parse(document.getElementById("prefixes-data").textContent);

  const editor = window.CodeMirror
    ? CodeMirror.fromTextArea(textarea, {
      mode: "application/sparql-query", lineNumbers: true, matchBrackets: true, indentUnit: 2,
      inputStyle: "contenteditable", screenReaderLabel: "SPARQL query",  // a labelled, focusable editor (axe-core)
      extraKeys: { "Ctrl-Enter": () => run(), "Cmd-Enter": () => run() },
    })
    : plainEditor(textarea);
  let markedLine = null;
  let markedColumn = null;

  function plainEditor(area) {
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
    });
    return {
      getValue: () => area.value, setValue: (value) => { area.value = value; }, focus: () => area.focus(),
      lineCount: () => 0, addLineClass: () => null, removeLineClass: () => null, setCursor: () => null,
      on: () => null,
    };
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // N-Triples → [[subject, predicate, object]] in SPARQL JSON term form; null when a line is not understood.
  const NT_TERM = /^(?:<([^>]*)>|_:(\S+)|"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?)\s*/;
  const ESCAPES = { t: "\t", b: "\b", n: "\n", r: "\r", f: "\f", '"': '"', "'": "'", "\\": "\\" };

  function unescapeNT(text) {
    return text.replace(/\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))/g, (all, u4, u8, other) =>
      u4 || u8 ? String.fromCodePoint(parseInt(u4 || u8, 16)) : (ESCAPES[other] ?? all));
  }

  function parseNTriples(body) {
    const rows = [];
    for (const raw of body.split("\n")) {
      let line = raw.trim();
      if (!line || line.startsWith("#")) continue;
      const row = [];
      while (row.length < 3) {
        const match = NT_TERM.exec(line);
        if (!match) return null;
        line = line.slice(match[0].length);
        if (match[1] !== undefined) row.push({ type: "uri", value: unescapeNT(match[1]) });
        else if (match[2] !== undefined) row.push({ type: "bnode", value: match[2] });
        else {
          const literal = { type: "literal", value: unescapeNT(match[3]) };
          if (match[4]) literal["xml:lang"] = match[4];
          if (match[5]) literal.datatype = match[5];
          row.push(literal);
        }
      }
      if (line.trim() !== ".") return null;
      rows.push(row);
    }
    return rows;
  }

  // Rows of terms (N-Triples' subject, predicate, object) as a SPARQL JSON result.
  function asResult(names, rows) {
    const bindings = rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]])));
    return { head: { vars: names }, results: { bindings } };
  }

  async function showTable(data) {
    const labels = await MgkgResults.fetchLabels(results.dataset.labels, data);
    MgkgResults.render(resultBody, data, { labels, prefixes });
  }

  function showDownloads(text, formats) {
    const label = element("span", "Download: ", "label");
    const links = formats.map(([format, name, extension]) => {
      const link = element("a", name);
      link.href = endpoint + "?" + new URLSearchParams({ query: text, format: format });
      link.setAttribute("download", "mgkg-results." + extension);
      link.dataset.format = format;
      return link;
    });
    downloads.replaceChildren(label, ...links);
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.replaceChildren();
    if (markedLine !== null) editor.removeLineClass(markedLine, "background", "error-line");
    if (markedColumn !== null) markedColumn.clear();
    markedLine = markedColumn = null;
  }

  function clearResults() {
    results.hidden = true;
    resultBody.replaceChildren();
    downloads.replaceChildren();
  }

  // The error, with the line and column the server names marked in the editor; old results go.
  function showError(message) {
    clearResults();
    const position = /error at (\d+):(\d+)/.exec(message);
    const where = position ? `Error at line ${position[1]}, column ${position[2]}: ` : "Error: ";
    errorBox.replaceChildren(element("strong", where), message);
    errorBox.hidden = false;
    if (position && Number(position[1]) <= editor.lineCount()) {
      markedLine = Number(position[1]) - 1;
      const ch = Math.max(Number(position[2]) - 1, 0);
      editor.addLineClass(markedLine, "background", "error-line");
      if (editor.markText) {
        markedColumn = editor.markText({ line: markedLine, ch }, { line: markedLine, ch: ch + 1 },
          { className: "error-at" });
      }
      editor.setCursor({ line: markedLine, ch });
    }
  }

  function setStatus(text) {
    statusLine.textContent = text;
  }

  function summary(response, count, unit, started) {
    const header = response.headers.get("X-MGKG-Rows");
    const shown = header === null ? count : Number(header);
    const truncated = response.headers.get("X-MGKG-Truncated") === "true" ? " (cut at the server's row limit)" : "";
    const ms = Math.round(performance.now() - started);
    return `${shown} ${unit}${shown === 1 ? "" : "s"} in ${ms} ms${truncated}`;
  }

  // The views that fit a SELECT result (views.js), first the one the query's `# view:` header line names.
  function offerViews(data, text) {
    if (window.MgkgViews) MgkgViews.offer(data, viewParts, MgkgViews.declared(text));
  }

  async function render(response, body, text, started) {
    const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
    if (type === "application/sparql-results+json") {
      const data = JSON.parse(body);
      showDownloads(text, RESULT_FORMATS);
      offerViews(typeof data.boolean === "boolean" ? null : data, text);
      if (typeof data.boolean === "boolean") {
        MgkgResults.render(resultBody, data, {});
        return `ASK: ${data.boolean} in ${Math.round(performance.now() - started)} ms`;
      }
      await showTable(data);
      return summary(response, data.results.bindings.length, "row", started);
    }
    showDownloads(text, GRAPH_FORMATS);
    offerViews(null, text);
    const triples = type === "application/n-triples" ? parseNTriples(body) : null;
    if (triples === null) resultBody.replaceChildren(element("pre", body, "raw"));
    else await showTable(asResult(["subject", "predicate", "object"], triples));
    return summary(response, triples === null ? 0 : triples.length, "triple", started);
  }

  // The page's own URL with the query in it (a link that runs it), replacing the current history entry.
  function remember(text) {
    history.replaceState(null, "", form.dataset.page + "?" + new URLSearchParams({ query: text }));
  }

  async function run() {
    const text = editor.getValue();
    clearError();
    remember(text);
    runButton.disabled = true;
    setStatus("Running…");
    const started = performance.now();
    try {
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: ACCEPT },
        body: new URLSearchParams({ query: text }),
      });
      const body = await response.text();
      if (!response.ok) {
        setStatus("");
        showError(body.trim() || `${response.status} ${response.statusText}`);
        return;
      }
      setStatus(await render(response, body, text, started));
      results.hidden = false;
    } catch (error) {
      setStatus("");
      showError(`the query could not be run: ${error.message}`);
    } finally {
      runButton.disabled = false;
    }
  }

  function loadExample(button) {
    const chosen = examples.find((item) => item.name === button.dataset.name);
    if (!chosen) return;
    editor.setValue(chosen.query);
    clearError();
    for (const other of document.querySelectorAll(".example[aria-pressed]")) other.removeAttribute("aria-pressed");
    button.setAttribute("aria-pressed", "true");
    note.replaceChildren(element("strong", chosen.title), " — " + chosen.description);
    if (chosen.parameters.length) {
      const list = element("ul", null, "parameters");
      for (const p of chosen.parameters) {
        list.append(element("li", `?${p.name} (${p.type}${p.optional ? ", optional" : ""}): ${p.description}`));
      }
      const form = element("a", "the named query's form");
      if (LINKABLE.test(chosen.links.html)) form.href = chosen.links.html;
      const intro = element("p", "Parameters, unbound here so they do not filter; bind them in ");
      intro.append(form, ":");
      note.append(intro, list);
    }
    note.hidden = false;
    editor.focus();
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  for (const button of document.querySelectorAll(".example")) {
    button.addEventListener("click", () => loadExample(button));
  }
  editor.on("change", () => { if (markedLine !== null) clearError(); });
  if (new URLSearchParams(location.search).has("query")) run();  // a shared link runs its query
})();
