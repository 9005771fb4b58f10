// Tree and graph views (registered with MgkgViews, see views.js): the first two IRI columns of each row are a link,
// from the first to the second (a parent and its unit, a donor and its project).
"use strict";

(function () {
  const { text, clip, svgIn, message } = MgkgViews.helpers;
  const WIDTH = 900;

  function fits(found) {
    const [from, to] = found.of("iri");
    return from && to ? { rows: found.rows, from, to } : null;
  }

  // The links of the rows (each once) and every node's label.
  function links(plan) {
    const seen = new Set(), pairs = [], labels = new Map();
    for (const row of plan.rows) {
      const source = row[plan.from.name], target = row[plan.to.name];
      if (!source || !target || source.value === target.value) continue;
      labels.set(source.value, text(row, plan.from));
      labels.set(target.value, text(row, plan.to));
      const key = source.value + " " + target.value;
      if (!seen.has(key)) { seen.add(key); pairs.push([source.value, target.value]); }
    }
    return { pairs, labels };
  }

  // Transitive reduction: a link a→c goes when a path a→b→…→c remains (units listed at every level below an
  // organisation are drawn under their own parents).
  function reduce(pairs) {
    const children = d3.group(pairs, (pair) => pair[0]);
    const reaches = (start, goal, skipped) => {
      const stack = [start], visited = new Set([start]);
      while (stack.length) {
        const node = stack.pop();
        for (const [, next] of children.get(node) || []) {
          if (node === start && next === skipped) continue;
          if (next === goal) return true;
          if (!visited.has(next)) { visited.add(next); stack.push(next); }
        }
      }
      return false;
    };
    return pairs.filter(([a, c]) => !reaches(a, c, c));
  }

  // Tree: the roots are the nodes no link leads to; a node under two parents appears under each (marked "also
  // under …"); a cycle is cut where it closes.
  function drawTree(plan, element) {
    const { pairs, labels } = links(plan);
    const kept = reduce(pairs);
    const children = d3.group(kept, (pair) => pair[0]);
    const parents = d3.group(kept, (pair) => pair[1]);
    let roots = [...new Set(kept.map((pair) => pair[0]))].filter((node) => !parents.has(node));
    if (!roots.length && kept.length) roots = [kept[0][0]];
    if (!roots.length) { message(element, "No row links two resources."); return; }
    const build = (id, above) => ({
      id, name: labels.get(id) || id, shared: (parents.get(id) || []).length > 1,
      children: above.has(id) ? [] : (children.get(id) || []).map(([, child]) => build(child, new Set([...above, id]))),
    });
    const root = d3.hierarchy({ id: "", name: "", children: roots.map((id) => build(id, new Set())) });
    const row = 22, column = 230;
    d3.tree().nodeSize([row, column])(root);
    const nodes = root.descendants().filter((node) => node.depth > 0);
    const [top, bottom] = d3.extent(nodes, (node) => node.x);
    const depth = d3.max(nodes, (node) => node.depth);
    const height = bottom - top + 2 * row;
    const width = Math.max(WIDTH, depth * column + 240);
    const svg = svgIn(element, width, height, `Tree: ${nodes.length} nodes, ${roots.length} roots`);
    const g = svg.append("g").attr("transform", `translate(${20 - column},${row - top})`);
    g.append("g").selectAll("path").data(root.links().filter((link) => link.source.depth > 0)).join("path")
      .attr("class", "link").attr("d", d3.linkHorizontal().x((n) => n.y).y((n) => n.x));
    const node = g.append("g").selectAll("g").data(nodes).join("g").attr("class", "tree-node")
      .attr("transform", (n) => `translate(${n.y},${n.x})`);
    node.append("circle").attr("r", 5)
      .attr("class", (n) => "mark node" + (n.children ? " inner" : "") + (n.data.shared ? " shared" : ""))
      .append("title").text((n) => (n.data.shared ? `${n.data.name} (under several parents)` : n.data.name));
    node.append("text").attr("class", "node-label").attr("x", 9).attr("dy", "0.35em")
      .text((n) => clip(n.data.name, 34));
  }

  // Graph: every resource a node, every row a link; the layout is computed to its end before drawing (no animation),
  // nodes of the first column coloured apart from those of the second.
  function drawGraph(plan, element) {
    const { pairs, labels } = links(plan);
    if (!pairs.length) { message(element, "No row links two resources."); return; }
    const first = new Set(pairs.map((pair) => pair[0]));
    const nodes = [...labels.keys()].map((id) => ({ id, name: labels.get(id), first: first.has(id) }));
    const edges = pairs.map(([source, target]) => ({ source, target }));
    const simulation = d3.forceSimulation(nodes)
      .force("link", d3.forceLink(edges).id((n) => n.id).distance(70))
      .force("charge", d3.forceManyBody().strength(-260))
      .force("collide", d3.forceCollide(26))
      .force("x", d3.forceX(0).strength(0.04)).force("y", d3.forceY(0).strength(0.06))
      .stop();
    for (let tick = 0; tick < 300; tick += 1) simulation.tick();
    const [left, right] = d3.extent(nodes, (n) => n.x), [top, bottom] = d3.extent(nodes, (n) => n.y);
    const margin = 40, labelRoom = 180;
    const width = Math.max(right - left + 2 * margin + labelRoom, 300);
    const height = Math.max(bottom - top + 2 * margin, 200);
    const svg = svgIn(element, width, height, `Graph: ${nodes.length} nodes, ${edges.length} links`);
    const g = svg.append("g").attr("transform", `translate(${margin - left},${margin - top})`);
    g.append("g").selectAll("line").data(edges).join("line").attr("class", "link")
      .attr("x1", (e) => e.source.x).attr("y1", (e) => e.source.y)
      .attr("x2", (e) => e.target.x).attr("y2", (e) => e.target.y);
    const node = g.append("g").selectAll("g").data(nodes).join("g").attr("class", "graph-node")
      .attr("transform", (n) => `translate(${n.x},${n.y})`);
    node.append("circle").attr("class", (n) => "mark node" + (n.first ? " first" : " second")).attr("r", 7)
      .append("title").text((n) => n.name);
    node.append("text").attr("class", "node-label").attr("x", 10).attr("dy", "0.35em").text((n) => clip(n.name, 30));
    svg.attr("width", Math.min(width, WIDTH * 1.4));
  }

  MgkgViews.register("tree", { fits, draw: drawTree, most: 2000 });
  MgkgViews.register("graph", { fits, draw: drawGraph, most: 500 });
})();
