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
  el.querySelector(".value").textContent = kw.quantity(v, unit, digits);
  el.querySelector(".sub").textContent = "as of " + kw.ago(age) + (extra ? " · " + extra : "");
  // Older than three steps: shown, but as stale, so nobody steers by an old number.
  el.classList.toggle("stale", age > 3 * stepSeconds * 1000);
}

// The grid's order: worst risk level first, then the most IT power, then the id, so the cluster
// that needs a look is first whatever the number of clusters.
const LEVEL_RANK = { critical: 4, warning: 3, watch: 2, ok: 1 };

function clusterOrder(byCluster, power) {
  const rank = c => { const r = byCluster.get(c.id); return r ? LEVEL_RANK[r.level.toLowerCase()] || 0 : 0; };
  const kw_ = c => power.has(c.id) ? power.get(c.id) : -Infinity;
  return (a, b) => rank(b) - rank(a) || kw_(b) - kw_(a) || a.id.localeCompare(b.id, undefined, { numeric: true });
}

// Mean IT power of each cluster over the last 5 min (kW), from the energy engine's counters: one
// request for every cluster. A cluster without IT energy in the window has none.
async function clusterPower(info) {
  const power = new Map();
  // Without an energy model (no pueCategory) there is no IT energy to ask for: the request would
  // only be refused.
  if (info.pueCategory === null || info.pueCategory === undefined) return power;
  try {
    const e = await kw.getJson("/api/energy?scope=clusters&from=-5m&step=whole");
    for (const s of e.series) {
      const st = s.steps[0];
      // Instants may come as epoch ms or ISO text: new Date reads both.
      const hours = st ? (new Date(st.end).getTime() - new Date(st.start).getTime()) / 3600000 : 0;
      if (st && st.kwh !== null && st.kwh !== undefined && hours > 0) power.set(s.name, st.kwh / hours);
    }
  } catch (err) {
    // A site without an energy model has no IT energy: the cards keep the risk order alone.
  }
  return power;
}

function clusterCard(c, risk, low, power) {
  const level = risk ? risk.level.toLowerCase() : "unknown";
  const card = kw.el("a", { class: "card risk-" + level, href: "/cluster.html?id=" + encodeURIComponent(c.id) });
  // The time to slowdown has its own line (the engine's soonest prediction); a factor repeating
  // it from one GPU would put a second number on the card for the same fact.
  const top = risk ? [...risk.factors].filter(f => f.name !== "minutes_to_slowdown")
    .sort((a, b) => b.contribution - a.contribution)[0] : null;
  card.append(
    kw.el("div", { class: "card-title" }, c.name + " (" + c.id + ")"),
    kw.el("div", { class: "card-value" }, level + (risk ? " · " + Math.round(risk.score) + "/100" : "")),
    kw.el("div", { class: "card-sub" }, top ? "main factor: " + kw.factorText(top, low ? { value: low.k, id: low.gpu } : null) : risk ? "no risk factors" : "no risk data yet"),
    kw.el("div", { class: "card-level" }, risk && risk.minutesToSlowdown !== null ? "slowdown in " + kw.minutes(risk.minutesToSlowdown) : ""),
    kw.el("div", { class: "card-power" }, power === undefined ? "IT power –" : "IT " + kw.quantity(power, "kW") + " (5 min mean)"));
  return card;
}

// A KPI is shown only with a good status; otherwise the status says why there is no number.
function statusText(status, coverage) {
  return status.toLowerCase().replace(/_/g, " ") + (coverage !== undefined ? " (coverage " + Math.round(100 * coverage) + "%)" : "");
}

function pueTile(id, report) {
  const el = document.getElementById(id);
  const w = report.window;
  el.querySelector(".value").textContent = w.pue === null ? "–" : w.pue.toFixed(3);
  el.querySelector(".sub").textContent = w.pue === null
    ? statusText(w.status, w.coverage)
    : "category " + report.category + " · coverage " + Math.round(100 * w.coverage) + "%";
  // The interval the server computed over, in words, so a tile never claims more than it covers.
  el.querySelector(".sub").textContent += " · " + kw.windowLabel(report.interval);
}

let longKpis = 0;

async function slowTiles() {
  // Long windows change slowly: refresh them every tenth tick.
  if (longKpis++ % 10 !== 0) return;
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const [d1, d30, y1, carbon] = await Promise.all([
    kw.getJson("/api/pue?from=-24h&step=whole"),
    kw.getJson("/api/pue?from=-30d&step=whole"),
    kw.getJson("/api/pue?window=trailing-12-months"),
    kw.getJson("/api/carbon?from=" + midnight.getTime() + "&step=whole"),
  ]);
  pueTile("tile-pue-24h", d1);
  pueTile("tile-pue-30d", d30);
  pueTile("tile-pue-12m", y1);
  const t = carbon.report.totals;
  const el = document.getElementById("tile-carbon");
  // "none" is no source configured (analytics.carbon.source), which the tile says in words.
  const source = carbon.report.intensity.source === "none"
    ? "no carbon intensity source configured" : "source " + carbon.report.intensity.source;
  el.querySelector(".value").textContent = t.locationKg === null ? "–" : kw.quantity(t.locationKg, "kgCO2e");
  el.querySelector(".sub").textContent = t.locationKg === null
    ? statusText(t.status, t.coverage) + " · " + source
    : source + " · market-based " + kw.quantity(t.marketKg, "kgCO2e") + " · CUE " + kw.fmt(t.cueLocation, 3);
  el.querySelector(".sub").textContent += " · " + kw.windowLabel(carbon.interval);
}

async function alertsTile() {
  const a = await kw.getJson("/api/alerts");
  const firing = a.alerts.filter(x => x.state === "FIRING" || x.state === "firing");
  const el = document.getElementById("tile-alerts");
  el.querySelector(".value").textContent = String(firing.length);
  el.querySelector(".sub").textContent = firing.length === 0
    ? a.rules.length + " rules watching"
    : firing.map(x => (x.labels.alertname || x.rule || "") + " " + (x.labels.cluster || x.labels.device || "")).slice(0, 3).join(", ");
  el.classList.toggle("alerting", firing.length > 0);
}

async function refresh() {
  const range = document.getElementById("range").value;
  try {
    const info = await kw.site();
    const overview = await kw.getJson("/api/overview?from=-" + range + "&step=" + kw.step(range, info.minStepSeconds));
    const byName = Object.fromEntries(overview.series.map(s => [s.name, s]));
    const step = overview.stepSeconds;
    const cov = s => "coverage " + Math.round(100 * s.coverage) + "% of " + kw.windowLabel(overview.interval);
    // Each series says its unit: the tiles and the axis show it rather than assume one.
    setTile("#tile-facility", byName.facility_power.latest, byName.facility_power.unit, 1, step, cov(byName.facility_power));
    setTile("#tile-it", byName.it_power.latest, byName.it_power.unit, 1, step, cov(byName.it_power));
    setTile("#tile-cooling", byName.cooling_power.latest, byName.cooling_power.unit, 1, step, cov(byName.cooling_power));
    // A group without a channel in the energy model has no value by configuration, not for want of data.
    for (const [id, s] of [["#tile-facility", byName.facility_power], ["#tile-it", byName.it_power], ["#tile-cooling", byName.cooling_power]]) {
      if (s.metered === false) document.querySelector(id + " .sub").textContent = "not metered: no channel in the energy model";
    }
    // A PUE without a value says why (its status), never 0.
    setTile("#tile-pue", byName.pue.latest, "", 3, step,
      "category " + overview.pueCategory + " · " + kw.windowLabel(overview.interval) + ": " +
      (overview.windowPue !== null && overview.windowPue !== undefined ? overview.windowPue.toFixed(3) : statusText(overview.pueStatus)));
    // The newest steps may still wait for a device's next sample (a counter's step needs the reading
    // after it): empty steps within two of the end are not yet known, not missing, so they are not
    // drawn as a gap.
    const settled = overview.to ? Date.parse(overview.to) - 2 * step * 1000 : Infinity;
    // A gap's third element names the devices with no reading in that step: the tooltip says whose.
    const pts = s => {
      const out = s.points.map(p => p[2] ? { value: [p[0], p[1]], missing: p[2] } : [p[0], p[1]]);
      const at = p => Array.isArray(p) ? p : p.value;
      while (out.length && at(out[out.length - 1])[1] === null && at(out[out.length - 1])[0] >= settled) out.pop();
      return out;
    };
    kw.timeChart("chart-power", byName.facility_power.unit, [
      { name: "Facility", data: pts(byName.facility_power) },
      { name: "IT", data: pts(byName.it_power) },
      { name: "Cooling", data: pts(byName.cooling_power) },
    ], { tooltip: kw.gapTooltip(byName.facility_power.unit) });
    kw.timeChart("chart-pue", "PUE", [
      { name: "PUE", data: pts(byName.pue), markLine: { silent: true, symbol: "none", data: [{ yAxis: 1 }] } },
    ], { tooltip: kw.gapTooltip("", 3) });
    // Clusters only, each with its lowest GPU margin (as on the cluster page): a few KB where
    // every GPU of the site was megabytes at 25,000 GPUs.
    const [risk, power] = await Promise.all([kw.getJson("/api/risk?detail=clusters"), clusterPower(info)]);
    const byCluster = new Map(risk.clusters.map(r => [r.id, r]));
    const ordered = [...info.clusters].sort(clusterOrder(byCluster, power));
    document.getElementById("cluster-grid").replaceChildren(...ordered.map(c =>
      clusterCard(c, byCluster.get(c.id), risk.lowestMargins.cluster[c.id], power.get(c.id))));
    await Promise.all([alertsTile(), slowTiles()]);
  } catch (e) {
    console.warn("refresh failed", e);
  }
}

window.addEventListener("DOMContentLoaded", () => kw.live(refresh, document.getElementById("range")));
