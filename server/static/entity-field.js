// Named-query parameter fields that take an IRI offer the matching entities as one types (issue 20, item 3).
//
// Every <input data-entity-search> of the form is an ARIA 1.2 combobox with a list of suggestions: typing asks the
// search API (the form's data-search URL, /search.json?q=…&limit=8) for entities whose names or codes match;
// ArrowDown / ArrowUp move through them (aria-activedescendant), Enter or a click chooses one, Escape closes the
// list; the list is aria-busy from a key until the answer to the field's text is shown (each key drops the answers
// still on their way). Choosing fills the field with the entity's prefixed name (place:montenegro; the graph's
// prefixes come from the #prefixes-data JSON block), else its full IRI. A polite status line says how many entities match.
// Typing a prefixed name or an IRI by hand still works: the field stays a plain text input.

const LIMIT = 8;
const DELAY = 150; // ms after the last key before asking

const form = document.querySelector("form.named-query[data-search]");
const status = document.getElementById("suggestion-status");
const prefixData = document.getElementById("prefixes-data");
const prefixes = Object.entries(prefixData ? JSON.parse(prefixData.textContent) : {})
  .sort((a, b) => b[1].length - a[1].length);

function compact(iri) {
  for (const [prefix, namespace] of prefixes) {
    const local = iri.slice(namespace.length);
    if (iri.startsWith(namespace) && /^[\w-]+(\.[\w-]+)*$/.test(local)) return prefix + ":" + local;
  }
  return iri;
}

function say(text) {
  if (status) status.textContent = text;
}

function setUp(input) {
  const list = document.getElementById(input.getAttribute("aria-controls"));
  let hits = [];
  let active = -1;
  let timer = 0;
  let asked = 0; // the number of the field's latest text: answers to older texts are dropped

  function close() {
    list.removeAttribute("aria-busy");
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    active = index;
    list.querySelectorAll('[role="option"]').forEach((option, i) => {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
      if (i === index) {
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      }
    });
    if (index < 0) input.removeAttribute("aria-activedescendant");
  }

  function choose(index) {
    const hit = hits[index];
    if (!hit) return;
    input.value = compact(hit.iri);
    close();
    say(`${hit.label || hit.iri} chosen: ${input.value}`);
  }

  function show(found) {
    list.removeAttribute("aria-busy");
    hits = found;
    list.replaceChildren();
    found.forEach((hit, i) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = hit.label || hit.iri;
      const code = document.createElement("code");
      code.textContent = compact(hit.iri);
      option.append(name, " ", code);
      option.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus in the field
      option.addEventListener("click", () => choose(i));
      list.append(option);
    });
    if (found.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      say(`${found.length} matching entit${found.length === 1 ? "y" : "ies"}: use the arrow keys to choose`);
    } else {
      close();
      say("no matching entity");
    }
  }

  async function ask(text, number) {
    const url = `${form.dataset.search}?${new URLSearchParams({ q: text, limit: String(LIMIT) })}`;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`search answered ${response.status}`);
      const data = await response.json();
      if (number === asked) show(data.hits || []);
    } catch (error) {
      if (number === asked) {
        close();
        say("the search is not available: type a prefixed name (place:montenegro) or an IRI");
      }
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const number = ++asked;
    const text = input.value.trim();
    if (text.length < 2 || /^(https?:\/\/|<)/.test(text)) {
      close();
      return;
    }
    list.setAttribute("aria-busy", "true"); // until the answer to what the field now says is shown
    timer = setTimeout(() => ask(text, number), DELAY);
  });

  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && hits.length > 0;
    if (event.key === "ArrowDown" && open) {
      highlight((active + 1) % hits.length);
    } else if (event.key === "ArrowUp" && open) {
      highlight(active <= 0 ? hits.length - 1 : active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      choose(active);
    } else if (event.key === "Escape" && open) {
      close();
    } else {
      return;
    }
    event.preventDefault();
  });

  input.addEventListener("blur", () => close());
}

if (form) form.querySelectorAll("input[data-entity-search]").forEach(setUp);
