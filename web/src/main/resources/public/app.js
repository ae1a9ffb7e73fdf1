// kilowatch dashboard: polls the JSON API and redraws. No inline script (CSP-friendly).
"use strict";

const REFRESH_MS = 5000;
const charts = {};
let timer = null;

function $(sel) { return document.querySelector(sel); }

async function getJson(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error(url + ": HTTP " + r.status);
  return r.json();
}

function fmt(v, digits) { return v === null || v === undefined ? "–" : Number(v).toFixed(digits); }

function ago(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.round(s / 60) + " min ago";
  return Math.round(s / 3600) + " h ago";
}

function setTile(id, latest, unit, digits, stepSeconds, extra) {
  const el = $(id);
  const now = Date.now();
  if (!latest) {
    el.querySelector(".value").textContent = "–";
    el.querySelector(".sub").textContent = "no data yet" + (extra ? " · " + extra : "");
    el.classList.remove("stale");
    return;
  }
  const [t, v] = latest;
  const age = now - (t + stepSeconds * 1000);
  el.querySelector(".value").textContent = fmt(v, digits) + " " + unit;
  el.querySelector(".sub").textContent = "as of " + ago(Math.max(0, age)) + (extra ? " · " + extra : "");
  // Older than three steps: show it, but as stale, so nobody steers by an old number.
  el.classList.toggle("stale", age > 3 * stepSeconds * 1000);
}

function lineSeries(s, name) {
  return { name, type: "line", showSymbol: false, connectNulls: false, data: s.points.map(p => [p[0], p[1]]) };
}

function chart(id) {
  if (!charts[id]) {
    charts[id] = echarts.init(document.getElementById(id), "dark", { renderer: "canvas" });
    window.addEventListener("resize", () => charts[id].resize());
  }
  return charts[id];
}

function drawPower(o) {
  const byName = Object.fromEntries(o.series.map(s => [s.name, s]));
  chart("chart-power").setOption({
    backgroundColor: "transparent",
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: v => v === null || v === undefined ? "gap" : v.toFixed(1) + " kW" },
    legend: { top: 0 },
    grid: { left: 60, right: 20, top: 30, bottom: 30 },
    xAxis: { type: "time" },
    yAxis: { type: "value", name: "kW", scale: true },
    series: [
      lineSeries(byName.facility_power, "Facility"),
      lineSeries(byName.it_power, "IT"),
      lineSeries(byName.cooling_power, "Cooling"),
    ],
  }, true);
}

function drawPue(o) {
  const s = o.series.find(x => x.name === "pue");
  chart("chart-pue").setOption({
    backgroundColor: "transparent",
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: v => v === null || v === undefined ? "gap" : v.toFixed(3) },
    grid: { left: 60, right: 20, top: 30, bottom: 30 },
    xAxis: { type: "time" },
    yAxis: { type: "value", name: "PUE", scale: true },
    series: [Object.assign(lineSeries(s, "PUE"), { markLine: { silent: true, symbol: "none", data: [{ yAxis: 1, name: "ideal" }] } })],
  }, true);
}

function drawDevices(devices) {
  const body = $("#devices tbody");
  body.replaceChildren();
  const now = Date.now();
  for (const d of devices) {
    const tr = document.createElement("tr");
    const cells = [
      d.deviceId,
      d.kind.toLowerCase().replace("_", "-"),
      d.state.toLowerCase(),
      d.lastSuccess ? ago(now - Date.parse(d.lastSuccess)) : "never",
      d.lastRoundTrip ? (parseDurationMs(d.lastRoundTrip).toFixed(0) + " ms") : "–",
      String(d.consecutiveFailures),
      d.lastError || "",
    ];
    cells.forEach((c, i) => {
      const td = document.createElement("td");
      td.textContent = c;
      if (i === 2) td.className = "state-" + c;
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
}

// ISO-8601 durations such as PT0.012S, as Jackson writes java.time.Duration.
function parseDurationMs(iso) {
  const m = /PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?/.exec(iso);
  if (!m) return NaN;
  return ((+(m[1] || 0)) * 3600 + (+(m[2] || 0)) * 60 + (+(m[3] || 0))) * 1000;
}

async function refresh() {
  const range = $("#range").value;
  try {
    const [health, overview, devices] = await Promise.all([
      getJson("/api/health"),
      getJson("/api/overview?from=-" + range),
      getJson("/api/devices"),
    ]);
    $("#site-name").textContent = health.site;
    const badge = $("#health");
    const st = health.devices.byState;
    badge.textContent = health.status + " · " + st.up + " up, " + st.down + " down";
    badge.className = "badge " + health.status;
    const byName = Object.fromEntries(overview.series.map(s => [s.name, s]));
    const step = overview.stepSeconds;
    const cov = s => "coverage " + Math.round(100 * s.coverage) + "% of " + range;
    setTile("#tile-facility", byName.facility_power.latest, "kW", 1, step, cov(byName.facility_power));
    setTile("#tile-it", byName.it_power.latest, "kW", 1, step, cov(byName.it_power));
    setTile("#tile-cooling", byName.cooling_power.latest, "kW", 1, step, cov(byName.cooling_power));
    setTile("#tile-pue", byName.pue.latest, "", 3, step,
      "category " + overview.pueCategory + (overview.windowPue ? " · " + range + ": " + overview.windowPue.toFixed(3) : ""));
    drawPower(overview);
    drawPue(overview);
    drawDevices(devices);
  } catch (e) {
    const badge = $("#health");
    badge.textContent = "unreachable: " + e.message;
    badge.className = "badge down";
  }
}

function start() {
  $("#range").addEventListener("change", refresh);
  refresh();
  timer = setInterval(refresh, REFRESH_MS);
}

window.addEventListener("DOMContentLoaded", start);
