// Map view (registered with MgkgViews, see views.js): points from latitude/longitude columns or WKT points, on an
// offline basemap — Natural Earth's countries at 1:50m from the vendored world-atlas, drawn with d3-geo.
"use strict";

(function () {
  const { text, clip, svgIn, message, base, POINT } = MgkgViews.helpers;
  const WIDTH = 900, HEIGHT = 560;
  const LATITUDE = /^(lat|latitude)$/i;
  const LONGITUDE = /^(lon|long|lng|longitude)$/i;
  const BASEMAP = "vendor/world-atlas/countries-50m.json";
  let basemap = null; // the countries as GeoJSON, fetched once a page

  function fits(found) {
    const numbers = found.of("number");
    const latitude = numbers.find((c) => LATITUDE.test(c.name));
    const longitude = numbers.find((c) => LONGITUDE.test(c.name));
    const wkt = found.of("point")[0];
    if (!(latitude && longitude) && !wkt) return null;
    const label = found.columns.find((c) => c.kind === "text" && /Label$/.test(c.name)) || found.labelColumn();
    return { rows: found.rows, latitude, longitude, wkt, label };
  }

  // [longitude, latitude] of a row, or null.
  function where(plan, row) {
    if (plan.latitude && plan.longitude && row[plan.latitude.name] && row[plan.longitude.name]) {
      const point = [Number(row[plan.longitude.name].value), Number(row[plan.latitude.name].value)];
      if (point.every(Number.isFinite)) return point;
    }
    const found = plan.wkt && row[plan.wkt.name] ? POINT.exec(row[plan.wkt.name].value) : null;
    return found ? [Number(found[1]), Number(found[2])] : null;
  }

  function countries() {
    if (basemap === null) {
      basemap = fetch(base + BASEMAP).then((response) => {
        if (!response.ok) throw new Error(`the basemap answered ${response.status}`);
        return response.json();
      }).then((world) => topojson.feature(world, world.objects.countries));
      basemap.catch(() => { basemap = null; });
    }
    return basemap;
  }

  // The rows' points, one per place on the map: rows at the same coordinates share it and its label.
  function points(plan) {
    const byPlace = new Map();
    for (const row of plan.rows) {
      const at = where(plan, row);
      if (at === null || Math.abs(at[1]) > 90 || Math.abs(at[0]) > 180) continue;
      const key = at.join(" ");
      const entry = byPlace.get(key) || { at, labels: [] };
      const label = text(row, plan.label);
      if (label && !entry.labels.includes(label)) entry.labels.push(label);
      byPlace.set(key, entry);
    }
    return [...byPlace.values()];
  }

  // The area to show: the points' box, widened so that a lone point or a short row still shows its surroundings.
  function extent(found) {
    const [west, east] = d3.extent(found, (p) => p.at[0]);
    const [south, north] = d3.extent(found, (p) => p.at[1]);
    const padX = Math.max((east - west) * 0.15, 3), padY = Math.max((north - south) * 0.15, 2);
    const box = [[west - padX, south - padY], [east + padX, north + padY]]
      .map(([x, y]) => [Math.max(-180, Math.min(180, x)), Math.max(-85, Math.min(85, y))]);
    return { type: "MultiPoint", coordinates: [box[0], [box[0][0], box[1][1]], box[1], [box[1][0], box[0][1]]] };
  }

  function draw(plan, element) {
    const found = points(plan);
    if (!found.length) { message(element, "No row has coordinates to draw."); return null; }
    return countries().then((land) => {
      const projection = d3.geoMercator().fitExtent([[10, 10], [WIDTH - 10, HEIGHT - 10]], extent(found));
      const path = d3.geoPath(projection);
      const svg = svgIn(element, WIDTH, HEIGHT, `Map: ${found.length} places`);
      svg.append("rect").attr("class", "sea").attr("width", WIDTH).attr("height", HEIGHT);
      svg.append("g").attr("class", "basemap").selectAll("path").data(land.features).join("path")
        .attr("class", "land").attr("d", path);
      const place = svg.append("g").selectAll("g").data(found).join("g").attr("class", "place")
        .attr("transform", (p) => `translate(${projection(p.at).join(",")})`);
      place.append("circle").attr("class", "mark point").attr("r", 5)
        .append("title").text((p) => `${p.labels.join("; ")} (${p.at[1]}, ${p.at[0]})`);
      place.append("text").attr("class", "place-label").attr("x", 8).attr("dy", "0.35em")
        .text((p) => clip(p.labels.join("; "), 40));
      svg.append("text").attr("class", "attribution").attr("x", WIDTH - 8).attr("y", HEIGHT - 8)
        .attr("text-anchor", "end").text("Basemap: Natural Earth (public domain), via world-atlas");
    });
  }

  MgkgViews.register("map", { fits, draw, most: 5000 });
})();
