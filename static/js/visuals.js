// The map (Leaflet) and the timeline (uPlot) of the current filter. Their data comes from the
// same query string as the list (/incidents/map.geojson, /incidents/timeline.json); the page holds
// tables with the same data for readers without script. Redrawn after every htmx swap.
"use strict";

(function () {
  const COLOURS = {
    contested: "#b91c1c",
    corroborated: "#15803d",
    unverified: "#475569",
    retracted: "#7e22ce",
    "no-claims": "#94a3b8",
  };
  const LINE_COLOURS = ["#b45309", "#0f766e", "#9333ea", "#be123c", "#1d4ed8", "#4d7c0f"];
  const BORDER_REGION = [[23, 58], [40.5, 79]];
  const LABELLED_KINDS = ["city", "district-centre", "town"];
  const cache = {};

  async function getJSON(url) {
    // The basemap and the gazetteer do not change with the filter: fetch them once per page.
    const lasting = url.startsWith("/static/") || url === "/places.geojson";
    if (!cache[url] || !lasting) {
      cache[url] = fetch(url, { headers: { Accept: "application/json" } }).then((response) => {
        if (!response.ok) throw new Error(response.status + " " + url);
        return response.json();
      });
    }
    return cache[url];
  }

  function element(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    Object.entries(attributes || {}).forEach(([key, value]) => node.setAttribute(key, value));
    return node;
  }

  function popup(p) {
    // Built from nodes, never from HTML strings: titles are editors' text.
    const box = element("div", "", { class: "map-popup" });
    box.append(element("time", p.date === p.date_end ? p.date : p.date + " to " + p.date_end));
    const heading = element("strong");
    heading.append(element("a", p.title, { href: p.url }));
    box.append(heading);
    box.append(element("span", p.spread));
    box.append(element("span", "Claims: " + p.status));
    return box;
  }

  function markerRadius(killed) {
    return killed ? Math.min(28, 5 + 3 * Math.sqrt(killed)) : 5;
  }

  async function drawMap(container) {
    if (container.dataset.drawn || typeof L === "undefined") return;
    container.dataset.drawn = "1";
    const map = L.map(container, { zoomSnap: 0.5, scrollWheelZoom: false, minZoom: 4, maxZoom: 12 }).fitBounds(BORDER_REGION);
    map.attributionControl.setPrefix(false);
    if (container.dataset.tiles) {
      L.tileLayer(container.dataset.tiles, { attribution: container.dataset.tilesAttribution || "" }).addTo(map);
    }
    const [basemap, places, incidents] = await Promise.all([
      getJSON(container.dataset.basemap),
      getJSON(container.dataset.places),
      getJSON(container.dataset.geojson),
    ]);
    if (!container.dataset.tiles) {
      L.geoJSON(basemap, {
        interactive: false,
        style: (feature) => ({
          color: "#64748b",
          weight: 1,
          fillColor: ["Pakistan", "Afghanistan"].includes(feature.properties.name) ? "#f8fafc" : "#e2e8f0",
          fillOpacity: 1,
        }),
      }).addTo(map);
      map.attributionControl.addAttribution("Boundaries: Natural Earth");
    }
    const towns = L.layerGroup(
      places.features.map((f) =>
        L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
          radius: 2, color: "#334155", weight: 1, fillOpacity: 1,
        // A node, never a string: Leaflet writes a string tooltip as HTML, and names come from
        // editors and imported files.
        }).bindTooltip(element("span", f.properties.name), {
          // Towns are always labelled; crossings, passes and valleys name themselves on hover.
          permanent: LABELLED_KINDS.includes(f.properties.kind),
          direction: "right",
          className: LABELLED_KINDS.includes(f.properties.kind) ? "town-label" : "",
          offset: [4, 0],
        })
      )
    ).addTo(map);
    const toggleLabels = () => container.classList.toggle("show-labels", map.getZoom() >= 6);
    map.on("zoomend", toggleLabels);
    toggleLabels();

    const clusters = L.markerClusterGroup({ maxClusterRadius: 35, showCoverageOnHover: false });
    L.geoJSON(incidents, {
      pointToLayer: (feature, latlng) => {
        const p = feature.properties;
        const style = { color: COLOURS[p.status], fillColor: COLOURS[p.status], fillOpacity: 0.45, weight: 2 };
        // Located only to a district or region: a hollow dashed ring, never a precise dot.
        const area = { dashArray: "3 3", fillOpacity: 0.1, radius: Math.max(12, markerRadius(p.max_killed)) };
        return L.circleMarker(latlng, Object.assign(style, p.geo_precision > 1 ? area : { radius: markerRadius(p.max_killed) }));
      },
      onEachFeature: (feature, layer) => layer.bindPopup(popup(feature.properties)),
    }).eachLayer((layer) => clusters.addLayer(layer));
    map.addLayer(clusters);
    if (incidents.features.length) {
      // Show where these incidents are, but never closer than a district's view.
      map.fitBounds(clusters.getBounds().pad(0.4), { maxZoom: 7 });
    }

    const note = document.getElementById("map-note");
    if (note) {
      const shown = incidents.features.length;
      const missing = incidents.unlocated ? `; ${incidents.unlocated} without coordinates are not shown` : "";
      note.prepend(element("strong", `${shown} incident${shown === 1 ? "" : "s"} on the map${missing}. `));
    }
  }

  function chooseDates(from, to) {
    const form = document.getElementById("filters");
    if (form && form.elements.from && form.elements.to) {
      form.elements.from.value = from;
      form.elements.to.value = to;
      form.requestSubmit();
    } else {
      window.location.href = `/incidents?from=${from}&to=${to}`;
    }
  }

  const isoDay = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 10);

  async function drawTimeline(container) {
    if (container.dataset.drawn || typeof uPlot === "undefined") return;
    container.dataset.drawn = "1";
    const data = await getJSON(container.dataset.src);
    if (!data.starts.length) {
      container.append(element("p", "No incidents to chart."));
      return;
    }
    const xs = data.starts.map((day) => Date.parse(day + "T00:00:00Z") / 1000);
    const names = Object.keys(data.claimants);
    const barWidth = { day: 86400, week: 7 * 86400, month: 30 * 86400, year: 365 * 86400 }[data.bucket];
    const series = [
      {},
      { label: "Incidents", scale: "n", stroke: "#0b5cad", fill: "rgba(11,92,173,0.3)", paths: uPlot.paths.bars({ size: [0.8, 60] }), points: { show: false } },
      ...names.map((name, i) => ({ label: name + ": killed claimed", scale: "k", stroke: LINE_COLOURS[i % LINE_COLOURS.length], width: 2, spanGaps: true })),
    ];
    const options = {
      width: Math.max(280, container.clientWidth),
      height: 240,
      series,
      scales: { x: { time: true, range: (u, min, max) => [min - barWidth / 2, max + barWidth / 2] }, n: { range: (u, min, max) => [0, Math.max(1, max)] } },
      axes: [{}, { scale: "n", label: "Incidents" }, { scale: "k", side: 1, label: "Killed claimed", grid: { show: false } }],
      cursor: { drag: { x: true, y: false } },
      legend: { live: false },
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 3) return;
            const from = isoDay(u.posToVal(u.select.left, "x"));
            const to = isoDay(u.posToVal(u.select.left + u.select.width, "x"));
            chooseDates(from, to);
          },
        ],
      },
    };
    const chart = new uPlot(options, [xs, data.incidents, ...names.map((n) => data.claimants[n])], container);
    new ResizeObserver(() => chart.setSize({ width: Math.max(280, container.clientWidth), height: 240 })).observe(container);
  }

  function drawAll() {
    document.querySelectorAll("#map[data-geojson]").forEach((c) => drawMap(c).catch(console.error));
    document.querySelectorAll("#timeline[data-src]").forEach((c) => drawTimeline(c).catch(console.error));
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
