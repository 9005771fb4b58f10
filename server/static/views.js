// Views of a SELECT result besides the table — bar chart, timeline, map, tree, graph — as the Wikidata Query
// Service offers them. Drawn with the vendored d3 (and topojson-client + world-atlas for the map), offline and under
// the pages' Content-Security-Policy: no inline style or script, no eval; data reaches the SVG as text.
//
// window.MgkgViews:
//   fitting(result)                  → the names of the views that fit a SPARQL JSON result's columns ("table" first)
//   render(result, view, element)    → a Promise; draws `view` into `element` (its content replaced)
//   declared(queryText)              → the view a `# view: NAME` header line of the query names, or null
//   offer(result, parts, preferred)  → the switcher: buttons for the fitting views in parts.switcher; "table" shows
//                                      parts.table, another view is drawn into parts.canvas (result null: hide all)
//   register(name, {fits, draw, most}) → used by views-*.js: fits(found columns) → a plan or null,
//                                      draw(plan, element); at most `most` rows are drawn
// The named-query page gives its result in a JSON block (#result-data, data-view = the query's declared view):
// it is offered here when the page loads.
"use strict";

(function () {
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = new Set(["decimal", "integer", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedLong",
    "unsignedInt", "unsignedShort", "unsignedByte"].map((name) => XSD + name));
  const DATES = new Set(["date", "dateTime", "dateTimeStamp", "gYear", "gYearMonth"].map((name) => XSD + name));
  const WKT = "http://www.opengis.net/ont/geosparql#wktLiteral";
  const POINT = /^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*([-+]?[0-9.eE+-]+)\s+([-+]?[0-9.eE+-]+)\s*\)\s*$/i;
  const TITLES = { table: "Table", bar: "Bar chart", timeline: "Timeline", map: "Map", tree: "Tree", graph: "Graph" };
  const ORDER = Object.keys(TITLES);
  const DECLARED = /^#\s?view:\s*([A-Za-z]+)\s*$/m;
  const drawers = new Map();
  const script = document.currentScript;
  const base = script ? new URL(".", script.src).href : "/static/";

  function kindOf(term) {
    if (term.type === "uri") return "iri";
    if (term.type !== "literal" && term.type !== "typed-literal") return "other";
    if (NUMERIC.has(term.datatype) && Number.isFinite(Number(term.value))) return "number";
    if (DATES.has(term.datatype)) return "date";
    if (term.datatype === WKT || POINT.test(term.value)) return POINT.test(term.value) ? "point" : "other";
    if (term.datatype === XSD + "boolean") return "boolean";
    return "text";
  }

  // Each column: its name, the one kind all its bound cells share ("mixed" otherwise, "empty" when none is bound),
  // and the name of its label column (?xLabel for ?x), as WDQS pairs them.
  function describeColumns(result) {
    const names = (result && result.head && result.head.vars) || [];
    const rows = (result && result.results && result.results.bindings) || [];
    return names.map((name) => {
      let kind = "empty";
      for (const row of rows) {
        if (!row[name]) continue;
        const found = kindOf(row[name]);
        kind = kind === "empty" || kind === found ? found : "mixed";
      }
      return { name, kind, label: names.includes(name + "Label") ? name + "Label" : null };
    });
  }

  function isLabelOf(column, columns) {
    return columns.some((other) => other.label === column.name);
  }

  // What fits: the columns every view needs, and the rows it draws (result.results.bindings).
  function table(result) {
    const columns = describeColumns(result);
    const rows = (result && result.results && result.results.bindings) || [];
    return {
      columns, rows,
      of: (kind) => columns.filter((column) => column.kind === kind),
      labelColumn: () => columns.find((c) => c.kind === "text" && /Label$/.test(c.name))
        || columns.find((c) => c.kind === "text") || columns.find((c) => c.kind === "iri") || null,
      isLabelOf: (column) => isLabelOf(column, columns),
    };
  }

  function fitting(result) {
    if (!result || !result.head || !result.results) return [];
    const found = table(result);
    return ORDER.filter((name) => name === "table" || (drawers.has(name) && drawers.get(name).fits(found) !== null));
  }

  function compactor() {
    const block = document.getElementById("prefixes-data");
    const known = block ? Object.entries(JSON.parse(block.textContent)).sort((a, b) => b[1].length - a[1].length)
      : [];
    return (iri) => {
      for (const [prefix, namespace] of known) {
        if (iri.startsWith(namespace)) return prefix + ":" + iri.slice(namespace.length);
      }
      const local = /[^/#]+[/#]?$/.exec(iri);
      return local ? local[0] : iri;
    };
  }
  const compact = compactor();

  // The text a cell shows: the row's label of an IRI when the result has one (?xLabel), else the IRI compacted.
  function text(row, column) {
    if (!column) return "";
    const label = column.label && row[column.label];
    if (label) return label.value;
    const term = row[column.name];
    if (!term) return "";
    return term.type === "uri" ? compact(term.value) : term.value;
  }

  function clip(value, length) {
    return value.length > length ? value.slice(0, length - 1) + "\u2026" : value;
  }

  // An <svg> of the given size (viewBox units; it scales to the element's width), described for screen readers.
  function svgIn(element, width, height, description) {
    const svg = d3.select(element).append("svg")
      .attr("viewBox", `0 0 ${width} ${height}`).attr("width", width).attr("class", "mgkg-view")
      .attr("role", "img").attr("aria-label", description);
    svg.append("title").text(description);
    return svg;
  }

  function message(element, words) {
    const note = document.createElement("p");
    note.className = "view-note";
    note.textContent = words;
    element.append(note);
  }

  // A view draws at most `drawer.most` rows (the first ones), and says so: a drawing of more says nothing.
  function render(result, view, element) {
    element.replaceChildren();
    if (!window.d3) return Promise.reject(new Error("the chart library (static/vendor/d3) did not load"));
    const drawer = drawers.get(view);
    const rows = (result && result.results && result.results.bindings) || [];
    const most = drawer && drawer.most ? drawer.most : Infinity;
    const shown = rows.length > most ? { head: result.head, results: { bindings: rows.slice(0, most) } } : result;
    const plan = drawer ? drawer.fits(table(shown)) : null;
    if (plan === null) return Promise.reject(new Error(`the ${view} view does not fit these columns`));
    if (shown !== result) {
      message(element, `The first ${most} of ${rows.length} rows are drawn; the table has them all.`);
    }
    return Promise.resolve(drawer.draw(plan, element));
  }

  function declared(queryText) {
    const header = (queryText || "").split("\n").filter((line) => line.startsWith("#")).join("\n");
    const found = DECLARED.exec(header);
    return found && ORDER.includes(found[1]) ? found[1] : null;
  }

  function offer(result, parts, preferred) {
    const { switcher, table: tableElement, canvas } = parts;
    const views = result ? fitting(result) : [];
    switcher.replaceChildren();
    canvas.replaceChildren();
    canvas.hidden = true;
    tableElement.hidden = false;
    switcher.hidden = views.length < 2;
    if (views.length < 2) return;
    const buttons = views.map((view) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "view-choice";
      button.dataset.view = view;
      button.textContent = TITLES[view];
      button.addEventListener("click", () => show(view));
      return button;
    });
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = "Show as:";
    switcher.append(label, ...buttons);

    function show(view) {
      for (const button of buttons) button.setAttribute("aria-pressed", String(button.dataset.view === view));
      switcher.dataset.shown = view;
      tableElement.hidden = view !== "table";
      canvas.hidden = view === "table";
      if (view === "table") return Promise.resolve();
      canvas.dataset.state = "drawing";
      return render(result, view, canvas).then(() => { canvas.dataset.state = "drawn"; }, (error) => {
        canvas.replaceChildren();
        message(canvas, `Cannot draw the ${TITLES[view].toLowerCase()}: ${error.message}`);
        canvas.dataset.state = "failed";
      });
    }
    show(preferred && views.includes(preferred) ? preferred : "table");
  }

  function register(name, drawer) {
    drawers.set(name, drawer);
  }

  // The named-query page: its result as a JSON block, offered next to the server-rendered table.
  function attachServerResult() {
    const block = document.getElementById("result-data");
    const switcher = document.getElementById("view-switcher");
    if (!block || !switcher) return;
    const parts = {
      switcher, table: document.getElementById("result-body"), canvas: document.getElementById("view-body"),
    };
    offer(JSON.parse(block.textContent), parts, block.dataset.view || null);
  }

  window.MgkgViews = {
    fitting, render, declared, offer, register,
    helpers: { table, text, clip, svgIn, message, compact, base, kindOf, POINT },
  };
  document.addEventListener("DOMContentLoaded", attachServerResult);
})();
