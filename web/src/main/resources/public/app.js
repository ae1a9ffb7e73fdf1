// Site overview: power, PUE and a cluster grid, redrawn on every live tick.
"use strict";

function setTile(id, latest, unit, digits, stepSeconds, extra) {
  const el = document.querySelector(id);
  if (!latest) {
    el.querySelector(".value").textContent = "–";
    el.querySelector(".sub").textContent = "no data yet" + (extra ? " · " + extra : "");
    el.classList.remove("stale");
    return;
  }
  const [t, v] = latest;
  const age = Date.now() - (t + stepSeconds * 1000);
  el.querySelector(".value").textContent = kw.fmt(v, digits) + " " + unit;
  el.querySelector(".sub").textContent = "as of " + kw.ago(age) + (extra ? " · " + extra : "");
  // Older than three steps: shown, but as stale, so nobody steers by an old number.
  el.classList.toggle("stale", age > 3 * stepSeconds * 1000);
}

function totals(series) {
  // A device's total carries no phase/outlet tag; per-phase siblings would count it twice.
  return series.filter(s => !("phase" in s.tags) && !("outlet" in s.tags));
}

async function clusterCard(c) {
  const [pdu, temp, slow] = await Promise.all([
    kw.getJson("/api/latest?measurement=pdu&field=power_w&window=2m&tags=cluster:" + encodeURIComponent(c.id)),
    kw.getJson("/api/latest?measurement=gpu&field=temp_c&window=2m&tags=cluster:" + encodeURIComponent(c.id)),
    kw.getJson("/api/latest?measurement=gpu&field=slowdown_temp_c&window=2m&tags=cluster:" + encodeURIComponent(c.id)),
  ]);
  const itKw = totals(pdu.series).reduce((a, s) => a + (s.value || 0), 0) / 1000;
  const slowBy = new Map(slow.series.map(s => [s.tags.gpu_uuid, s.value]));
  let minMargin = null, hottest = null;
  for (const s of temp.series) {
    if (s.value === null) continue;
    hottest = hottest === null ? s.value : Math.max(hottest, s.value);
    const limit = slowBy.get(s.tags.gpu_uuid);
    if (limit !== undefined && limit !== null) {
      const m = limit - s.value;
      minMargin = minMargin === null ? m : Math.min(minMargin, m);
    }
  }
  let level = "unknown";
  if (minMargin !== null) level = minMargin < 3 ? "critical" : minMargin < 8 ? "warning" : minMargin < 15 ? "watch" : "ok";
  const card = kw.el("a", { class: "card risk-" + level, href: "/cluster.html?id=" + encodeURIComponent(c.id) });
  card.append(
    kw.el("div", { class: "card-title" }, c.name + " (" + c.id + ")"),
    kw.el("div", { class: "card-value" }, kw.fmt(itKw, 1) + " kW IT"),
    kw.el("div", { class: "card-sub" }, "hottest GPU " + kw.fmt(hottest, 1) + " °C · min margin to slowdown " + kw.fmt(minMargin, 1) + " K"),
    kw.el("div", { class: "card-level" }, "thermal: " + level));
  return card;
}

let site = null;

async function refresh() {
  const range = document.getElementById("range").value;
  try {
    const overview = await kw.getJson("/api/overview?from=-" + range + "&step=" + kw.step(range));
    const byName = Object.fromEntries(overview.series.map(s => [s.name, s]));
    const step = overview.stepSeconds;
    const cov = s => "coverage " + Math.round(100 * s.coverage) + "% of " + range;
    setTile("#tile-facility", byName.facility_power.latest, "kW", 1, step, cov(byName.facility_power));
    setTile("#tile-it", byName.it_power.latest, "kW", 1, step, cov(byName.it_power));
    setTile("#tile-cooling", byName.cooling_power.latest, "kW", 1, step, cov(byName.cooling_power));
    setTile("#tile-pue", byName.pue.latest, "", 3, step,
      "category " + overview.pueCategory + (overview.windowPue ? " · " + range + ": " + overview.windowPue.toFixed(3) : ""));
    const pts = s => s.points.map(p => [p[0], p[1]]);
    kw.timeChart("chart-power", "kW", [
      { name: "Facility", data: pts(byName.facility_power) },
      { name: "IT", data: pts(byName.it_power) },
      { name: "Cooling", data: pts(byName.cooling_power) },
    ]);
    kw.timeChart("chart-pue", "PUE", [
      { name: "PUE", data: pts(byName.pue), markLine: { silent: true, symbol: "none", data: [{ yAxis: 1 }] } },
    ]);
    if (!site) site = await kw.getJson("/api/site");
    const cards = await Promise.all(site.clusters.map(clusterCard));
    document.getElementById("cluster-grid").replaceChildren(...cards);
  } catch (e) {
    console.warn("refresh failed", e);
  }
}

window.addEventListener("DOMContentLoaded", () => kw.live(refresh, document.getElementById("range")));
