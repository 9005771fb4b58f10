// Bar chart and timeline views (registered with MgkgViews, see views.js).
"use strict";

(function () {
  const { text, clip, svgIn, message } = MgkgViews.helpers;
  const WIDTH = 900;
  const COLOURS = ["#1a5fb4", "#c64600", "#26a269", "#9141ac", "#a51d2d", "#986a44", "#5e5c64", "#1c71d8"];

  // Bar chart: a label column (text, else an IRI) and a number column; a second text column, such as a currency,
  // splits the bars into one panel each, never on one axis (amounts in two currencies do not compare).
  // Rows with the same label in one panel add up.
  function barFits(found) {
    const value = found.of("number")[0];
    const category = found.labelColumn();
    if (!value || !category) return null;
    const series = found.columns.find((c) => c.kind === "text" && c !== category && !found.isLabelOf(c)) || null;
    return { rows: found.rows, value, category, series };
  }

  function drawBars(plan, element) {
    const panels = d3.rollups(
      plan.rows.filter((row) => row[plan.value.name]),
      (rows) => d3.sum(rows, (row) => Number(row[plan.value.name].value)),
      (row) => (plan.series ? text(row, plan.series) : ""),
      (row) => text(row, plan.category),
    );
    if (!panels.length) { message(element, "No row has a number to draw."); return; }
    const format = d3.format(",~r");
    const left = 300, right = 90, bar = 22, top = 28;
    for (const [series, bars] of panels) {
      bars.sort((a, b) => d3.descending(a[1], b[1]));
      const height = top + bars.length * bar + 30;
      const what = `${plan.value.name} by ${plan.category.name.replace(/Label$/, "")}`
        + (series ? ` (${plan.series.name} ${series})` : "");
      const most = d3.max(bars, (d) => d[1]) || 1;
      const whole = bars.every((d) => Number.isInteger(d[1]));
      const svg = svgIn(element, WIDTH, height, `Bar chart: ${what}, ${bars.length} bars`);
      const x = d3.scaleLinear().domain([0, most]).nice().range([left, WIDTH - right]);
      const y = d3.scaleBand().domain(bars.map((d) => d[0])).range([top, top + bars.length * bar]).padding(0.2);
      svg.append("text").attr("class", "view-heading").attr("x", 0).attr("y", 16).text(what);
      svg.append("g").attr("class", "axis").attr("transform", `translate(0,${top + bars.length * bar})`)
        .call(d3.axisBottom(x).ticks(whole ? Math.min(6, most) : 6).tickFormat(d3.format("~s")));  // counts: whole
      const row = svg.append("g").selectAll("g").data(bars).join("g").attr("class", "bar-row");
      row.append("rect").attr("class", "mark bar").attr("x", left).attr("y", (d) => y(d[0]))
        .attr("width", (d) => Math.max(x(d[1]) - left, 1)).attr("height", y.bandwidth())
        .append("title").text((d) => `${d[0]}: ${format(d[1])}${series ? " " + series : ""}`);
      row.append("text").attr("class", "bar-label").attr("x", left - 6).attr("y", (d) => y(d[0]) + y.bandwidth() / 2)
        .attr("dy", "0.35em").attr("text-anchor", "end").text((d) => clip(d[0], 48));
      row.append("text").attr("class", "bar-value").attr("x", (d) => x(d[1]) + 4)
        .attr("y", (d) => y(d[0]) + y.bandwidth() / 2).attr("dy", "0.35em").text((d) => format(d[1]));
    }
  }

  // Dates keep their precision: a year or a month is a span, a day or an instant a point.
  function when(term) {
    const value = term.value.trim();
    let found = /^(-?\d{4,})$/.exec(value);
    if (found) return span(Number(found[1]), 0, 12);
    found = /^(-?\d{4,})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$/.exec(value);
    if (found) return span(Number(found[1]), Number(found[2]) - 1, 1);
    found = /^(-?\d{4,})-(\d{2})-(\d{2})/.exec(value);
    if (!found) return null;
    const day = new Date(Date.UTC(0, Number(found[2]) - 1, Number(found[3])));
    day.setUTCFullYear(Number(found[1]));
    return { start: day, end: null };
  }

  function span(year, month, months) {
    const start = new Date(Date.UTC(0, month, 1));
    start.setUTCFullYear(year);
    const end = new Date(start);
    end.setUTCMonth(end.getUTCMonth() + months);
    return { start, end };
  }

  // Timeline: a date column (the first), a label column and, when there is one, a text column to colour by.
  function timelineFits(found) {
    const date = found.of("date")[0];
    if (!date) return null;
    const label = found.labelColumn();
    const colour = found.columns.find((c) => c.kind === "text" && c !== label && !found.isLabelOf(c)) || null;
    return { rows: found.rows, date, label, colour };
  }

  function drawTimeline(plan, element) {
    const items = plan.rows.filter((row) => row[plan.date.name])
      .map((row) => ({ row, at: when(row[plan.date.name]) })).filter((item) => item.at !== null)
      .sort((a, b) => d3.ascending(a.at.start, b.at.start));
    if (!items.length) { message(element, "No row has a date to draw."); return; }
    const lane = 22, top = 30, left = 20, right = 20;
    const kinds = plan.colour ? [...new Set(items.map((item) => text(item.row, plan.colour)))] : [];
    const height = top + items.length * lane + 40;
    const svg = svgIn(element, WIDTH, height, `Timeline: ${items.length} dated rows by ${plan.date.name}`);
    const earliest = d3.min(items, (item) => item.at.start);
    const latest = d3.max(items, (item) => item.at.end || item.at.start);
    const x = d3.scaleUtc().domain([d3.utcYear.floor(earliest), d3.utcYear.ceil(latest)]).nice()
      .range([left, WIDTH * 0.55]);
    const colour = (item) => COLOURS[Math.max(kinds.indexOf(plan.colour ? text(item.row, plan.colour) : ""), 0)
      % COLOURS.length];
    svg.append("g").attr("class", "axis").attr("transform", `translate(0,${top + items.length * lane + 4})`)
      .call(d3.axisBottom(x).ticks(Math.min(10, d3.utcYear.count(...x.domain()))));
    kinds.forEach((kind, index) => {
      const key = svg.append("g").attr("class", "legend").attr("transform", `translate(${left + index * 170},10)`);
      key.append("circle").attr("r", 5).attr("cx", 5).attr("cy", 0).attr("fill", COLOURS[index % COLOURS.length]);
      key.append("text").attr("x", 14).attr("dy", "0.35em").text(clip(kind, 24));
    });
    const row = svg.append("g").selectAll("g").data(items).join("g").attr("class", "timeline-row")
      .attr("transform", (item, index) => `translate(0,${top + index * lane + lane / 2})`);
    row.append("line").attr("class", "lane").attr("x1", left).attr("x2", WIDTH - right);
    row.each(function (item) {
      const group = d3.select(this);
      const mark = item.at.end
        ? group.append("rect").attr("class", "mark span").attr("x", x(item.at.start)).attr("y", -6)
          .attr("width", Math.max(x(item.at.end) - x(item.at.start), 3)).attr("height", 12)
        : group.append("circle").attr("class", "mark point").attr("cx", x(item.at.start)).attr("r", 6);
      mark.attr("fill", colour(item)).append("title")
        .text(`${item.row[plan.date.name].value}: ${text(item.row, plan.label)}`);
    });
    row.append("text").attr("class", "timeline-label").attr("x", (item) => x(item.at.end || item.at.start) + 10)
      .attr("dy", "0.35em")
      .text((item) => `${item.row[plan.date.name].value} \u00b7 ${clip(text(item.row, plan.label), 55)}`);
  }

  MgkgViews.register("bar", { fits: barFits, draw: drawBars, most: 500 });
  MgkgViews.register("timeline", { fits: timelineFits, draw: drawTimeline, most: 500 });
})();
