// Result tables people can read: IRIs as labels linked to their pages on this server, numbers grouped, money
// with its currency, dates at their precision, datatypes hidden unless asked; rows sorted, filtered and paged
// in the browser (the server has capped them already). Every value reaches the page as text, never as markup.
//
//   MgkgResults.render(container, data, {labels, prefixes})  a SPARQL JSON result (SELECT or ASK) as a table
//   MgkgResults.fetchLabels(url, data)                       Promise of labels for the IRIs of a result
//   MgkgResults.enhance(container)                           sorting, filter, paging for a table already there
// Tables the server made (the named-query pages) in an element with `data-results-table` are enhanced on load.
"use strict";

window.MgkgResults = (function () {
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMBERS = new Set(["decimal", "integer", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt",
    "unsignedLong", "unsignedShort", "unsignedByte"].map((name) => XSD + name));
  const WHOLE = new Set(["integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte"]
    .map((name) => XSD + name));
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];
  const LINKABLE = /^(https?|mailto|tel):/i;
  const BATCH = 1000;  // graph.pages.labels.MAX_IRIS
  const PAGE_SIZES = [25, 50, 100, 500];
  let pageSize = 50;
  let showTypes = false;

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function compacter(prefixes) {
    const sorted = Object.entries(prefixes || {}).sort((a, b) => b[1].length - a[1].length);
    return function compact(iri) {
      for (const [prefix, namespace] of sorted) {
        const local = iri.slice(namespace.length);
        if (iri.startsWith(namespace) && /^[\w-]*(\.[\w-]+)*$/.test(local)) return prefix + ":" + local;
      }
      return "<" + iri + ">";
    };
  }

  // "1234567.50" → "1,234,567.50": the digits as given, grouped (the text itself when it is no plain number).
  function grouped(text) {
    const match = /^([+-]?)(\d+)(\.\d+)?$/.exec(text.trim());
    if (!match) return text;
    return match[1] + match[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (match[3] || "");
  }

  function dateText(value, datatype) {
    const day = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
    if (datatype === XSD + "date" && day && Number(day[2]) >= 1 && Number(day[2]) <= 12) {
      return `${Number(day[3])} ${MONTHS[Number(day[2]) - 1]} ${day[1]}`;
    }
    const month = /^(\d{4})-(\d{2})/.exec(value);
    if (datatype === XSD + "gYearMonth" && month && Number(month[2]) >= 1 && Number(month[2]) <= 12) {
      return `${MONTHS[Number(month[2]) - 1]} ${month[1]}`;
    }
    return null;
  }

  // Money: a decimal column `x` whose row binds `xCurrency`, or else `currency`, to an ISO 4217 code.
  function currencyOf(name, binding) {
    for (const key of [name + "Currency", "currency"]) {
      const term = binding[key];
      if (term && /^[A-Z]{3}$/.test(term.value)) return term.value;
    }
    return null;
  }

  function iriCell(td, iri, about, compact) {
    const label = about && about.label ? about.label : compact(iri);
    const target = about && about.page ? about.page : (LINKABLE.test(iri) ? iri : null);
    const node = element(target ? "a" : "span", label, "iri" + (about && about.label ? " labelled" : ""));
    if (target) node.href = target;
    node.title = iri;
    td.append(node);
    td.dataset.search = (label + " " + iri).toLowerCase();
  }

  function literalCell(td, term, currency, compact) {
    const datatype = term.datatype || "";
    const lang = term["xml:lang"];
    let text = term.value;
    if (NUMBERS.has(datatype)) {
      text = grouped(term.value);
      const number = Number(term.value);
      if (!Number.isNaN(number)) td.dataset.number = String(number);
      td.classList.add("number");
      if (currency && !WHOLE.has(datatype)) text = currency + " " + text;
    } else {
      text = dateText(term.value, datatype) || text;
      td.dataset.key = term.value;
    }
    td.append(element("span", text, "literal"));
    if (lang) td.append(element("span", "@" + lang, "datatype"));
    else if (datatype && datatype !== XSD + "string") td.append(element("span", "^^" + compact(datatype), "datatype"));
    td.dataset.search = (text + " " + term.value).toLowerCase();
  }

  function cell(term, about, currency, compact) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") iriCell(td, term.value, about, compact);
    else if (term.type === "bnode") td.append(element("span", "_:" + term.value, "bnode"));
    else if (term.type === "literal" || term.type === "typed-literal") literalCell(td, term, currency, compact);
    else td.append(element("span", typeof term.value === "string" ? term.value : JSON.stringify(term.value)));
    return td;
  }

  // A `xCurrency` column beside a column `x` is shown in x's amounts: folded away until details are asked for.
  function folded(name, names) {
    return name.endsWith("Currency") && names.includes(name.slice(0, -"Currency".length));
  }

  function table(data, options) {
    const names = data.head.vars || [];
    const labels = options.labels || new Map();
    const compact = compacter(options.prefixes);
    const result = element("table", null, "result-table");
    const head = result.createTHead().insertRow();
    head.append(element("th", "#", "row-number"));
    for (const name of names) head.append(element("th", name, folded(name, names) ? "folded" : null));
    const body = result.createTBody();
    data.results.bindings.forEach((binding, index) => {
      const tr = body.insertRow();
      tr.append(element("td", String(index + 1), "row-number"));
      for (const name of names) {
        const term = binding[name];
        const currency = term && term.type === "literal" ? currencyOf(name, binding) : null;
        const td = cell(term, term && term.type === "uri" ? labels.get(term.value) : null, currency, compact);
        if (folded(name, names)) td.classList.add("folded");
        tr.append(td);
      }
    });
    return result;
  }

  // The table's controls: filter, datatypes, page size, pager; rows kept aside and shown a page at a time.
  function enhance(container) {
    const grid = container.querySelector("table.result-table");
    if (!grid || grid.dataset.enhanced) return;
    grid.dataset.enhanced = "true";
    const body = grid.tBodies[0];
    const rows = Array.from(body.rows).map((tr, index) => ({
      tr, index,
      search: Array.from(tr.cells).slice(1).map((td) => td.dataset.search || td.textContent.toLowerCase()).join(" "),
    }));
    const state = { column: null, descending: false, filter: "", page: 0 };
    const heads = Array.from(grid.tHead.rows[0].cells);

    const filter = element("input", null, "result-filter");
    filter.type = "search";
    filter.placeholder = "Filter rows";
    filter.setAttribute("aria-label", "Filter rows");
    const types = element("input");
    types.type = "checkbox";
    types.checked = showTypes;
    const typesLabel = element("label", null, "toggle");
    typesLabel.append(types, " details: datatypes, languages, currency columns");
    const size = element("select", null, "page-size");
    size.setAttribute("aria-label", "Rows per page");
    for (const option of PAGE_SIZES) {
      const item = element("option", `${option} a page`);
      item.value = String(option);
      item.selected = option === pageSize;
      size.append(item);
    }
    const previous = element("button", "Previous", "page-previous");
    const next = element("button", "Next", "page-next");
    previous.type = next.type = "button";
    const shown = element("span", null, "page-status");
    shown.setAttribute("aria-live", "polite");
    const controls = element("div", null, "result-controls");
    controls.append(filter, typesLabel, size, previous, next, shown);
    container.prepend(controls);
    container.classList.toggle("show-datatypes", showTypes);

    heads.forEach((th, column) => {
      if (column === 0) return;
      const button = element("button", th.textContent, "sort");
      button.type = "button";
      button.title = "Sort by " + th.textContent;
      th.replaceChildren(button);
      button.addEventListener("click", () => {
        if (state.column !== column) Object.assign(state, { column, descending: false });
        else if (!state.descending) state.descending = true;
        else Object.assign(state, { column: null, descending: false });
        state.page = 0;
        draw();
      });
    });

    function key(row, column) {
      const td = row.tr.cells[column];
      if (!td.childNodes.length) return null;
      return td.dataset.number !== undefined ? Number(td.dataset.number)
        : (td.dataset.key !== undefined ? td.dataset.key : td.textContent);
    }

    function compare(a, b) {
      const x = key(a, state.column), y = key(b, state.column);
      if (x === null || y === null) return x === y ? a.index - b.index : (x === null ? 1 : -1);  // unbound last
      const order = typeof x === "number" && typeof y === "number" ? x - y
        : String(x).localeCompare(String(y), undefined, { numeric: true, sensitivity: "base" });
      return (state.descending ? -order : order) || a.index - b.index;
    }

    function draw() {
      const needle = state.filter.trim().toLowerCase();
      let chosen = needle ? rows.filter((row) => row.search.includes(needle)) : rows.slice();
      if (state.column !== null) chosen.sort(compare);
      const pages = Math.max(1, Math.ceil(chosen.length / pageSize));
      state.page = Math.min(state.page, pages - 1);
      const first = state.page * pageSize;
      body.replaceChildren(...chosen.slice(first, first + pageSize).map((row) => row.tr));
      heads.forEach((th, column) => {
        if (column === 0) return;
        if (column === state.column) th.setAttribute("aria-sort", state.descending ? "descending" : "ascending");
        else th.removeAttribute("aria-sort");
      });
      previous.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
      const of = needle ? ` (filtered from ${grouped(String(rows.length))})` : "";
      shown.textContent = chosen.length
        ? `Rows ${grouped(String(first + 1))}–${grouped(String(Math.min(first + pageSize, chosen.length)))} of ` +
          `${grouped(String(chosen.length))}${of}`
        : `No rows match${of}`;
    }

    filter.addEventListener("input", () => { state.filter = filter.value; state.page = 0; draw(); });
    types.addEventListener("change", () => {
      showTypes = types.checked;
      container.classList.toggle("show-datatypes", showTypes);
    });
    size.addEventListener("change", () => { pageSize = Number(size.value); state.page = 0; draw(); });
    previous.addEventListener("click", () => { state.page -= 1; draw(); });
    next.addEventListener("click", () => { state.page += 1; draw(); });
    draw();
  }

  function render(container, data, options) {
    if (typeof data.boolean === "boolean") {
      container.replaceChildren(element("p", data.boolean ? "true" : "false", "boolean"));
      return;
    }
    const scroller = element("div", null, "result-scroll");
    scroller.append(table(data, options || {}));
    container.replaceChildren(scroller);
    enhance(container);
  }

  function iris(data) {
    const found = new Set();
    for (const binding of (data.results && data.results.bindings) || []) {
      for (const term of Object.values(binding)) if (term && term.type === "uri") found.add(term.value);
    }
    return Array.from(found);
  }

  // Labels and local pages of the IRIs of `data`, from POST `url` in batches; a failed batch just has none.
  async function fetchLabels(url, data) {
    const all = iris(data);
    const labels = new Map();
    for (let start = 0; start < all.length; start += BATCH) {
      try {
        const response = await fetch(url, {
          method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ iris: all.slice(start, start + BATCH) }),
        });
        if (!response.ok) continue;
        for (const item of (await response.json()).labels) labels.set(item.iri, item);
      } catch (error) {
        continue;
      }
    }
    return labels;
  }

  for (const container of document.querySelectorAll("[data-results-table]")) enhance(container);  // server-made
  return { render, enhance, fetchLabels, iris };
})();
