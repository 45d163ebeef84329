// The map (Leaflet) and the timeline (uPlot) of the current filter. Their data comes from the
// same query string as the list (/incidents/map.geojson, /incidents/timeline.json); the page holds
// tables with the same data for readers without script. Redrawn after every htmx swap.
"use strict";

(function () {
  const LINE_COLOURS = ["#b45309", "#0f766e", "#9333ea", "#be123c", "#1d4ed8", "#4d7c0f"];
  // Which labels show from which zoom: provinces while the whole region is in view, then the
  // reference towns by rank (1 cities, 2 district centres, 3 towns) and the districts (4).
  const LABEL_ZOOM = { 1: 5, 2: 6.5, 3: 7.5, 4: 8 };
  const PROVINCE_ZOOM = [4, 7];
  const LABEL_FONT = { province: "italic 600 12px system-ui, sans-serif", town: "12px system-ui, sans-serif", district: "11px system-ui, sans-serif" };
  const cache = {};

  async function getJSON(url) {
    // The basemap does not change with the filter: fetch it once per page.
    const lasting = url.startsWith("/static/");
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

  // Text in the page's language (window.pageText, static/js/app.js): the English given here
  // where the page has none. Called once the page has loaded, after every deferred script.
  const t = (key, english, values) => window.pageText.text(key, english, values);
  const num = (n) => window.pageText.number(n);
  const link = (path) => window.pageText.link(path);
  const incidentCount = (n) => window.pageText.counted("incidentCount", n, "{n} incident", "{n} incidents");
  const pointCount = (n) => window.pageText.counted("pointCount", n, "{n} point", "{n} points");

  // A marker's incidents by the colour each takes, and the newest one's.
  const STATUS_COUNTS = {
    contested: (n) => t("countContested", "{n} contested", { n }),
    corroborated: (n) => t("countCorroborated", "{n} corroborated", { n }),
    unverified: (n) => t("countUnverified", "{n} unverified", { n }),
    retracted: (n) => t("countRetracted", "{n} retracted", { n }),
    "no-claims": (n) => t("countNoClaims", "{n} without claims", { n }),
  };
  const CLAIMS = {
    contested: () => t("claimsContested", "Claims: contested"),
    corroborated: () => t("claimsCorroborated", "Claims: corroborated"),
    unverified: () => t("claimsUnverified", "Claims: unverified"),
    retracted: () => t("claimsRetracted", "Claims: retracted"),
    "no-claims": () => t("claimsNoClaims", "Claims: no-claims"),
  };

  function statusText(statuses) {
    return Object.entries(statuses)
      .map(([status, n]) => (STATUS_COUNTS[status] ? STATUS_COUNTS[status](n) : `${num(n)} ${status}`))
      .join(t("listSeparator", ", "));
  }

  function popup(p, query, grid) {
    // Built from nodes, never from HTML strings: titles are editors' text.
    const box = element("div", "", { class: "map-popup" });
    const latest = p.latest;
    if (p.count > 1) {
      const incidents = incidentCount(p.count);
      box.append(element("strong", grid > 100
        ? t("spotNearby", "{incidents} within about {km} km", { incidents, km: grid / 1000 })
        : t("spotHere", "{incidents} here", { incidents })));
      box.append(element("span", statusText(p.statuses)));
      box.append(element("span", t("spotNewest", "The newest:")));
    }
    box.append(element("time", window.pageText.digits(latest.date), { datetime: latest.date }));
    const heading = element("strong");
    heading.append(element("a", latest.title, { href: link(latest.url) }));
    box.append(heading);
    box.append(element("span", CLAIMS[latest.status] ? CLAIMS[latest.status]() : "Claims: " + latest.status));
    if (p.max_killed !== null) {
      const killed = p.max_killed;
      box.append(element("span", p.count > 1
        ? t("spotKilledOfMany", "Highest killed claimed in one of them: {killed}", { killed })
        : t("spotKilled", "Highest killed claimed: {killed}", { killed })));
    }
    if (p.geo_precision > 1) box.append(element("em", t("spotArea", "Located only to its district or region.")));
    if (p.district) {
      // The list of this filter in that district: where the rest of them are listed.
      const params = new URLSearchParams(query);
      params.delete("district");
      params.delete("page");
      params.append("district", p.district.slug);
      const more = element("span");
      more.append(element("a", t("spotListThem", "List them: this view in {district}", { district: p.district.name }), { href: link("/incidents?" + params) }));
      box.append(more);
    }
    return box;
  }

  // Area grows with the number of incidents, so a town with hundreds stands out; a cluster is
  // no wider than the distance that keeps clusters apart, so two never overlap.
  const spotSize = (count) => Math.round(Math.min(44, 14 + 5 * Math.log2(count)));
  const clusterSize = (count) => Math.round(Math.min(46, 22 + 3 * Math.log2(count)));
  const clusterCount = (cluster) => cluster.getAllChildMarkers().reduce((sum, m) => sum + m.options.count, 0);

  function spotIcon(count, status, precision) {
    const size = spotSize(count);
    const html = element("span", count > 1 ? num(count) : "");
    return L.divIcon({ html, className: `spot spot-${status}${precision > 1 ? " spot-area" : ""}`, iconSize: [size, size] });
  }

  function clusterIcon(cluster) {
    const count = clusterCount(cluster);
    const contested = cluster.getAllChildMarkers().reduce((sum, m) => sum + (m.options.statuses.contested || 0), 0);
    const size = clusterSize(count);
    const title = t("clusterTitle", "{incidents}, {contested} contested: zoom in to separate them", { incidents: incidentCount(count), contested });
    const html = element("span", num(count), { title });
    return L.divIcon({ html, className: `spot-cluster${contested ? " has-contested" : ""}`, iconSize: [size, size] });
  }

  // Labels: each wants a box on screen; the most important get theirs first and the rest wait
  // for a zoom where they fit, so no two labels ever overlap.
  const measure = document.createElement("canvas").getContext("2d");

  function labelCandidates(basemap) {
    return basemap.features
      .filter((f) => ["province", "town", "district"].includes(f.properties.layer))
      .map((f) => {
        const { layer, name, rank } = f.properties;
        measure.font = LABEL_FONT[layer];
        const width = Math.ceil(measure.measureText(name).width);
        const latlng = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
        const html = element("span", name);
        const icon = L.divIcon({ html, className: `map-label map-label-${layer}`, iconSize: [width + 8, 16], iconAnchor: layer === "province" ? [width / 2 + 4, 8] : [-3, 8] });
        return {
          layer, width, latlng,
          order: layer === "province" ? 0 : rank,
          shownAt: (zoom) => (layer === "province" ? zoom >= PROVINCE_ZOOM[0] && zoom <= PROVINCE_ZOOM[1] : zoom >= LABEL_ZOOM[rank]),
          marker: L.marker(latlng, { icon, interactive: false, keyboard: false, pane: "labels" }),
          dot: layer === "province" ? null : L.circleMarker(latlng, { radius: 2, color: "#334155", weight: 1, fillOpacity: 1, interactive: false, pane: "labels" }),
        };
      })
      .sort((a, b) => a.order - b.order);
  }

  function markerBoxes(map, shown) {
    // Where the incidents' markers stand once drawn, in the map's pixels, from their positions
    // and icon sizes rather than the page: during the clusters' animation the page shows them
    // on their way. A label never covers one.
    return shown().map((marker) => {
      const at = map.latLngToContainerPoint(marker.getLatLng());
      const half = (marker.getAllChildMarkers ? clusterSize(clusterCount(marker)) : spotSize(marker.options.count)) / 2;
      return { left: at.x - half, right: at.x + half, top: at.y - half, bottom: at.y + half };
    });
  }

  function placeLabels(map, candidates, layer, shown) {
    layer.clearLayers();
    const zoom = map.getZoom();
    const view = map.getSize();
    const taken = markerBoxes(map, shown);
    for (const label of candidates) {
      if (!label.shownAt(zoom)) continue;
      const at = map.latLngToContainerPoint(label.latlng);
      const box = label.layer === "province"
        ? { left: at.x - label.width / 2 - 4, right: at.x + label.width / 2 + 4, top: at.y - 8, bottom: at.y + 8 }
        : { left: at.x - 4, right: at.x + label.width + 12, top: at.y - 8, bottom: at.y + 8 };
      if (box.left < 0 || box.top < 0 || box.right > view.x || box.bottom > view.y) continue;
      if (taken.some((t) => box.left < t.right && t.left < box.right && box.top < t.bottom && t.top < box.bottom)) continue;
      taken.push(box);
      layer.addLayer(label.marker);
      if (label.dot) layer.addLayer(label.dot);
    }
  }

  function drawBasemap(map, basemap) {
    const style = {
      country: (p) => ({ color: "#94a3b8", weight: 1, fillColor: ["Pakistan", "Afghanistan"].includes(p.name) ? "#f8fafc" : "#e2e8f0", fillOpacity: 1 }),
      "province-line": (p) => ({ color: "#94a3b8", weight: p.former ? 1.2 : 1, dashArray: p.former ? "4 4" : null }),
      // The border drawn as the border: darker and wider than any other line.
      border: () => ({ color: "#1e293b", weight: 2.5 }),
    };
    const order = ["country", "province-line", "border"];
    order.forEach((layer) => {
      L.geoJSON({ type: "FeatureCollection", features: basemap.features.filter((f) => f.properties.layer === layer) }, {
        interactive: false,
        style: (feature) => style[layer](feature.properties),
      }).addTo(map);
    });
    map.attributionControl.addAttribution(t("attribution", "Boundaries: Natural Earth"));
  }

  function note(container, incidents) {
    const noteId = container.getAttribute("aria-describedby");
    const box = noteId && document.getElementById(noteId);
    if (!box) return;
    const { drawn, located, unlocated } = incidents;
    const parts = [t("mapDrawn", "{incidents} on the map at {points}.", { incidents: incidentCount(drawn), points: pointCount(incidents.features.length) })];
    if (incidents.grid_m > 100) parts.push(t("mapGathered", "So many places that incidents within about {km} km share a marker, at their middle: choose dates, a sector or an actor to see them apart.", { km: incidents.grid_m / 1000 }));
    if (incidents.truncated) parts.push(t("mapTruncated", "Only the newest {drawn} of {located} with coordinates are drawn: choose dates, a sector or an actor to see the rest.", { drawn, located }));
    if (unlocated) parts.push(window.pageText.counted("mapUnlocated", unlocated, "{n} incident without coordinates is not on it.", "{n} incidents without coordinates are not on it."));
    box.querySelector(".map-count")?.remove();
    box.prepend(element("strong", parts.join(" ") + " ", { class: "map-count" }));
  }

  function zoomToCover(container, edge) {
    // The lowest zoom at which the basemap still fills the container (Web Mercator, 256 px
    // tiles), so the reader never sees past its edge.
    const y = (lat) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
    const width = (edge.getEast() - edge.getWest()) / 360;
    const height = (y(edge.getNorth()) - y(edge.getSouth())) / (2 * Math.PI);
    const zoom = Math.log2(Math.max(container.clientWidth / (256 * width), container.clientHeight / (256 * height)));
    // A whole zoom: the clustering plugin loses markers under a fractional lowest zoom.
    return Math.max(4, Math.ceil(zoom));
  }

  async function drawMap(container) {
    if (container.dataset.drawn || typeof L === "undefined") return;
    container.dataset.drawn = "1";
    const small = container.classList.contains("map-small");
    const [basemap, incidents] = await Promise.all([
      getJSON(container.dataset.basemap),
      container.dataset.geojson ? getJSON(container.dataset.geojson) : null,
    ]);
    // The basemap covers more than both countries; the view never goes past its edge.
    const [west, south, east, north] = basemap.bbox;
    const edge = L.latLngBounds([[south, west], [north, east]]);
    const minZoom = zoomToCover(container, edge);
    const map = L.map(container, { zoomSnap: 0.5, scrollWheelZoom: false, maxZoom: 12, minZoom, maxBounds: edge, maxBoundsViscosity: 1, zoomControl: false });
    container.leafletMap = map; // for the page's tests: where the view is, what it shows
    // Leaflet's own words, in the page's language.
    map.zoomControl = L.control.zoom({ zoomInTitle: t("zoomIn", "Zoom in"), zoomOutTitle: t("zoomOut", "Zoom out") }).addTo(map);
    map.on("popupopen", (event) => {
      const close = event.popup.getElement()?.querySelector(".leaflet-popup-close-button");
      if (close) close.setAttribute("aria-label", t("closePopup", "Close popup"));
    });
    map.setView(edge.getCenter(), minZoom, { animate: false });
    map.attributionControl.setPrefix(false);
    if (container.dataset.tiles) {
      L.tileLayer(container.dataset.tiles, { attribution: container.dataset.tilesAttribution || "" }).addTo(map);
    }
    if (!container.dataset.tiles) drawBasemap(map, basemap);

    // Labels lie under the markers: a marker is what a reader clicks.
    map.createPane("labels").style.zIndex = 450;
    const labels = L.layerGroup().addTo(map);
    const candidates = labelCandidates(basemap);
    // After the markers have moved: the clusters redraw on the same events.
    let shown = () => [];
    const relabel = () => setTimeout(() => placeLabels(map, candidates, labels, shown), 0);
    map.on("zoomend moveend resize", relabel);

    // Show where these incidents are, but never closer than a district's view.
    const fitTo = (bounds) => map.fitBounds(bounds.pad(0.4), { maxZoom: small && incidents ? 9 : 7, animate: false });
    if (incidents) {
      const query = container.dataset.geojson.split("?")[1] || "";
      const clusters = L.markerClusterGroup({ maxClusterRadius: 50, showCoverageOnHover: false, iconCreateFunction: clusterIcon });
      const markers = incidents.features.map((feature) => {
        const p = feature.properties;
        const [lon, lat] = feature.geometry.coordinates;
        const marker = L.marker([lat, lon], {
          icon: spotIcon(p.count, p.status, p.geo_precision),
          count: p.count,
          statuses: p.statuses || { [p.latest.status]: 1 },
          title: p.count > 1 ? t("markerTitle", "{incidents}: {statuses}", { incidents: incidentCount(p.count), statuses: statusText(p.statuses) }) : p.latest.title,
          alt: p.latest.title,
        });
        marker.bindPopup(() => popup(p, query, incidents.grid_m));  // built when opened, not thousands up front
        return marker;
      });
      // Fit the view first: clusters added to a map that then moves are drawn mid-animation.
      if (markers.length) fitTo(L.latLngBounds(markers.map((m) => m.getLatLng())));
      // In one call: the plugin clusters them all at once, far faster than one by one. Its bulk
      // call draws nothing for a lone marker (markercluster 1.5.3), so one goes in by itself.
      if (markers.length === 1) clusters.addLayer(markers[0]);
      else clusters.addLayers(markers);
      map.addLayer(clusters);
      // What the reader sees of them: a marker on its own, or the cluster it is in.
      shown = () => [...new Set(markers.map((m) => clusters.getVisibleParent(m)).filter(Boolean))];
      clusters.on("animationend", relabel);
      note(container, incidents);
    } else if (container.dataset.point) {
      const [lat, lon, precision] = container.dataset.point.split(",").map(Number);
      fitTo(L.latLngBounds([[lat, lon], [lat, lon]]));
      const marker = L.marker([lat, lon], { icon: spotIcon(1, container.dataset.status || "no-claims", precision), count: 1, keyboard: false, interactive: false });
      marker.addTo(map);
      shown = () => [marker];
    }
    placeLabels(map, candidates, labels, shown);
  }

  function chooseDates(from, to) {
    const form = document.getElementById("filters");
    if (form && form.elements.from && form.elements.to) {
      form.elements.from.value = from;
      form.elements.to.value = to;
      form.requestSubmit();
    } else {
      window.location.href = link(`/incidents?from=${from}&to=${to}`);
    }
  }

  const isoDay = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 10);

  // The timeline's dates and numbers as the page's language writes them: uPlot's own are
  // English, in the browser's digits.
  function dateNames() {
    const lang = document.documentElement.lang || "en";
    const name = (options, day) => new Intl.DateTimeFormat(lang, { ...options, timeZone: "UTC" }).format(day);
    const months = (month) => Array.from({ length: 12 }, (_, i) => name({ month }, Date.UTC(2021, i, 15)));
    const days = (weekday) => Array.from({ length: 7 }, (_, i) => name({ weekday }, Date.UTC(2021, 0, 3 + i))); // a Sunday first
    return { MMMM: months("long"), MMM: months("short"), WWWW: days("long"), WWW: days("short") };
  }
  const axisNumbers = (u, splits) => splits.map((v) => (v == null ? "" : num(v)));

  async function drawTimeline(container) {
    if (container.dataset.drawn || typeof uPlot === "undefined") return;
    container.dataset.drawn = "1";
    const data = await getJSON(container.dataset.src);
    if (!data.starts.length) {
      container.append(element("p", t("chartEmpty", "No incidents to chart.")));
      return;
    }
    const xs = data.starts.map((day) => Date.parse(day + "T00:00:00Z") / 1000);
    const names = Object.keys(data.claimants);
    const dates = dateNames();
    const barWidth = { day: 86400, week: 7 * 86400, month: 30 * 86400, year: 365 * 86400 }[data.bucket];
    const series = [
      {},
      { label: t("chartIncidents", "Incidents"), scale: "n", stroke: "#0b5cad", fill: "rgba(11,92,173,0.3)", paths: uPlot.paths.bars({ size: [0.8, 60] }), points: { show: false } },
      ...names.map((name, i) => ({ label: t("chartClaimantKilled", "{claimant}: killed claimed", { claimant: name }), scale: "k", stroke: LINE_COLOURS[i % LINE_COLOURS.length], width: 2, spanGaps: true })),
    ];
    const options = {
      width: Math.max(280, container.clientWidth),
      height: 240,
      series,
      scales: { x: { time: true, range: (u, min, max) => [min - barWidth / 2, max + barWidth / 2] }, n: { range: (u, min, max) => [0, Math.max(1, max)] } },
      axes: [
        {},
        { scale: "n", label: t("chartIncidents", "Incidents"), values: axisNumbers },
        { scale: "k", side: 1, label: t("chartKilled", "Killed claimed"), values: axisNumbers, grid: { show: false } },
      ],
      fmtDate: (template) => {
        const format = uPlot.fmtDate(template, dates);
        return (date) => window.pageText.digits(format(date));
      },
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
    document.querySelectorAll(".map[data-basemap]").forEach((c) => drawMap(c).catch(console.error));
    document.querySelectorAll("#timeline[data-src]").forEach((c) => drawTimeline(c).catch(console.error));
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
