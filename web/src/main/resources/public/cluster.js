// One cluster: IT power by rack, its cooling loop(s), a GPU margin heatmap and thermal risk.
"use strict";

const cid = kw.param("id");
const enc = encodeURIComponent;

function tile(id, value, sub, stale) {
  const el = document.getElementById(id);
  el.querySelector(".value").textContent = value;
  el.querySelector(".sub").textContent = sub;
  el.classList.toggle("stale", !!stale);
}

function stepMs(step) {
  return kw.stepSeconds(step) * 1000;
}

// A rack's power per step is the sum of its PDUs. A PDU with no bucket in a step (its sample fell
// just outside it) counts with its value of the step before, so sampling phase never draws a dip;
// a PDU with neither leaves the rack's step a gap, and the tooltip names the PDU.
async function racks(range, step) {
  // unit=kW: the server converts each PDU from the unit it reports in (W, kW...).
  const q = await kw.getJson("/api/query?measurement=pdu&field=power_w&unit=kW&tags=cluster:" + enc(cid) +
    "&from=-" + range + "&step=" + step + "&aggregate=mean");
  // The server may have raised the step to its floor: the answer's step is the one to draw with.
  const ms = (q.stepSeconds || kw.stepSeconds(step)) * 1000;
  const byRack = new Map();
  const times = new Set();
  for (const s of q.series) {
    if ("phase" in s.tags || "outlet" in s.tags) continue;
    const rack = s.tags.rack || "?";
    if (!byRack.has(rack)) byRack.set(rack, []);
    const pts = new Map(s.points.filter(p => p[1] !== null).map(p => [p[0], p[1]]));
    pts.forEach((v, t) => times.add(t));
    byRack.get(rack).push({ device: s.tags.device || "?", pts });
  }
  const sorted = [...times].sort((a, b) => a - b);
  const series = [...byRack.keys()].sort().map(rack => {
    const data = [];
    const why = new Map();
    for (const t of sorted) {
      let sum = 0;
      const missing = [];
      for (const pdu of byRack.get(rack)) {
        const v = pdu.pts.has(t) ? pdu.pts.get(t) : pdu.pts.get(t - ms);
        if (v === undefined) missing.push(pdu.device);
        else sum += v;
      }
      if (missing.length) why.set(t, missing);
      data.push([t, missing.length ? null : sum]);
    }
    return { name: rack, stack: "it", areaStyle: {},
      data: kw.withGaps(data, ms).map(p => why.has(p[0]) ? { value: p, missing: why.get(p[0]) } : p) };
  });
  kw.timeChart("chart-racks", "kW", series, { tooltip: kw.gapTooltip("kW") });
}

async function loop(range, step) {
  const base = "&tags=cluster:" + enc(cid) + "&from=-" + range + "&step=" + step + "&aggregate=mean";
  // Each loop temperature under its suffixed or unit-free name, converted by the server to °C.
  const fields = ["supply_temp", "return_temp", "primary_supply_temp", "primary_return_temp"]
    .flatMap(f => [f + "_c", f]);
  const temps = await Promise.all(fields.map(f => kw.getJson("/api/query?measurement=cooling_loop&unit=Cel&field=" + f + base)));
  const series = [];
  temps.forEach((q, i) => q.series.forEach(s => series.push({
    name: (s.tags.device || "") + " " + fields[i].replace(/_temp(_c)?$/, "").replace("_", " "),
    data: kw.withGaps(s.points, stepMs(step)),
  })));
  // The loop's ASHRAE liquid class caps the facility supply temperature: draw that limit.
  const site = await kw.site();
  const cluster = site.clusters.find(c => c.id === cid);
  const loopIds = [cid].concat(cluster ? cluster.devices.map(d => d.id) : []);
  const limit = loopIds.map(id => site.loops[id]).find(Boolean);
  if (limit && series.length > 0) {
    series[0].markLine = { silent: true, symbol: "none", lineStyle: { color: "#f85149", type: "dashed" },
      label: { position: "insideEndTop", formatter: limit.class + " limit " + limit.maxSupplyC + " °C" }, data: [{ yAxis: limit.maxSupplyC }] };
  }
  kw.timeChart("chart-loop-temp", "°C", series, limit ? { yAxis: kw.valueAxis("°C", { max: v => Math.max(v.max, limit.maxSupplyC + 1) }) } : undefined);
  const flowFields = [["flow_lpm", "flow L/min", "L/min"], ["flow", "flow L/min", "L/min"],
    ["diff_pressure_kpa", "ΔP kPa", "kPa"], ["diff_pressure", "ΔP kPa", "kPa"], ["pump_speed_pct", "pump %", "%"]];
  const flows = await Promise.all(flowFields.map(([f, , u]) =>
    kw.getJson("/api/query?measurement=cooling_loop&field=" + f + "&unit=" + enc(u) + base)));
  const fseries = [];
  flows.forEach((q, i) => q.series.forEach(s => fseries.push({
    name: (s.tags.device || "") + " " + flowFields[i][1],
    yAxisIndex: flowFields[i][2] === "L/min" ? 0 : 1,
    data: kw.withGaps(s.points, stepMs(step)),
  })));
  kw.timeChart("chart-loop-flow", "", fseries, {
    yAxis: [kw.valueAxis("L/min"), kw.valueAxis("kPa · %", { splitLine: { show: false } })],
    tooltip: { trigger: "axis" },
  });
}

// The heatmap and the tile read the risk engine's margin per GPU, the same numbers as the risk
// table, so the page never shows two values for one GPU's margin.
function heatmap(r) {
  const gpus = r.gpus.filter(g => g.cluster === cid);
  const node = g => g.id.replace(/\/gpu.*$/, "");
  const col = g => node(g).replace(/^.*-/, "") + "·" + g.id.replace(/^.*\/gpu/, "");
  const rackIds = [...new Set(gpus.map(g => g.rack))].sort();
  const cols = [...new Set(gpus.map(col))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const data = [];
  for (const g of gpus) {
    const margin = kw.gpuMargin(g);
    if (margin !== null) data.push([cols.indexOf(col(g)), rackIds.indexOf(g.rack), +margin.toFixed(1)]);
  }
  const low = kw.lowestMargin(gpus, () => true);
  tile("tile-margin", low ? kw.fmt(low.value, 1) + " K" : "–",
    data.length + " of " + gpus.length + " GPUs with a margin" + (low ? " · lowest " + low.id : ""), data.length === 0);
  kw.chart("chart-heatmap").setOption({
    backgroundColor: "transparent",
    animation: false,
    tooltip: { formatter: p => rackIds[p.value[1]] + " " + cols[p.value[0]] + ": " + kw.fmt(p.value[2], 1) + " K to slowdown" },
    grid: kw.grid({ top: 10, bottom: 44 }),
    xAxis: { type: "category", data: cols, axisLabel: { rotate: 90, fontSize: 9 } },
    yAxis: { type: "category", data: rackIds },
    visualMap: { min: 0, max: 30, calculable: true, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120, itemWidth: 12,
      inRange: { color: ["#f85149", "#d29922", "#3fb950"] }, text: ["30 K", "0 K"], textStyle: { color: "#8b949e" } },
    series: [{ type: "heatmap", data, name: "margin K" }],
  }, true);
}

async function latestTiles() {
  const latest = (field, unit) => kw.getJson("/api/latest?measurement=" + field + "&window=2m&unit=" + enc(unit) +
    "&tags=cluster:" + enc(cid));
  const [pdu, supplyC, supplyN, flowL, flowN] = await Promise.all([
    latest("pdu&field=power_w", "kW"),
    latest("cooling_loop&field=supply_temp_c", "Cel"), latest("cooling_loop&field=supply_temp", "Cel"),
    latest("cooling_loop&field=flow_lpm", "L/min"), latest("cooling_loop&field=flow", "L/min"),
  ]);
  const supply = { series: supplyC.series.concat(supplyN.series) };
  const flow = { series: flowL.series.concat(flowN.series) };
  const totals = pdu.series.filter(s => !("phase" in s.tags) && !("outlet" in s.tags));
  const oldest = list => list.reduce((a, s) => Math.max(a, s.ageSeconds), 0);
  // The API marks values of a device that is down (or too old) stale: the tile says so, never
  // presents them as current.
  const stale = list => list.filter(s => s.quality === "stale");
  const why = s => s.quality === "stale" && s.reason ? " · " + s.reason : "";
  tile("tile-it", kw.fmt(totals.reduce((a, s) => a + (s.value || 0), 0), 1) + " kW",
    totals.length + " PDUs · oldest " + kw.ago(oldest(totals) * 1000) +
    (stale(totals).length ? " · " + stale(totals).length + " stale (" + stale(totals).map(s => s.tags.device).join(", ") + ")" : ""),
    oldest(totals) > 30 || stale(totals).length > 0);
  const s0 = supply.series[0], f0 = flow.series[0];
  tile("tile-supply", s0 ? kw.fmt(s0.value, 1) + " °C" : "–", s0 ? s0.tags.device + " · " + kw.ago(s0.ageSeconds * 1000) + why(s0) : "no loop data", !s0 || s0.ageSeconds > 30 || s0.quality === "stale");
  tile("tile-flow", f0 ? kw.fmt(f0.value, 0) + " L/min" : "–", f0 ? f0.tags.device + " · " + kw.ago(f0.ageSeconds * 1000) + why(f0) : "no loop data", !f0 || f0.ageSeconds > 30 || f0.quality === "stale");
}

async function clusterPue(range) {
  const r = await kw.getJson("/api/pue?from=-" + range + "&step=whole");
  const c = r.clusters.find(x => x.cluster === cid);
  tile("tile-pue", c && c.pue !== null ? c.pue.toFixed(3) : "–",
    (c ? (c.pue !== null ? "category " + r.category + " · IT " + kw.fmt(c.itKwh, 1) + " kWh" : c.status.toLowerCase().replace(/_/g, " ") + " (coverage " + Math.round(100 * c.coverage) + "%)") : "no energy model") +
      " · " + kw.windowLabel(r.interval),
    !c || c.pue === null);
}

function riskTable(r) {
  const rows = r.clusters.concat(r.racks).filter(x => x.cluster === cid);
  const table = kw.el("table");
  const head = kw.el("tr");
  for (const h of ["scope", "level", "score", "minutes to slowdown", "factors (contribution)"]) head.append(kw.el("th", {}, h));
  table.append(head);
  for (const x of rows) {
    const tr = kw.el("tr");
    // The time to slowdown has its own column: the factor list does not repeat it.
    const low = kw.lowestMargin(r.gpus, g => g.cluster === x.cluster && (x.scope === "cluster" || g.rack === x.id));
    const factors = [...x.factors].filter(f => f.name !== "minutes_to_slowdown").sort((a, b) => b.contribution - a.contribution)
      .map(f => kw.factorText(f, low) + " (" + kw.fmt(f.contribution, 0) + ")").join(" · ");
    tr.append(kw.el("td", {}, x.scope + " " + x.id), kw.el("td", { class: "level-" + x.level.toLowerCase() }, x.level.toLowerCase()),
      kw.el("td", {}, kw.fmt(x.score, 0)), kw.el("td", {}, kw.minutes(x.minutesToSlowdown)),
      kw.el("td", {}, factors));
    table.append(tr);
  }
  document.getElementById("risk").replaceChildren(table);
}

async function risk() {
  const r = await kw.getJson("/api/risk?detail=gpus");
  heatmap(r);
  riskTable(r);
}

async function refresh() {
  const range = document.getElementById("range").value;
  document.getElementById("title").textContent = "Cluster " + cid;
  try {
    const step = kw.step(range, (await kw.site()).minStepSeconds);
    await Promise.all([racks(range, step), loop(range, step), latestTiles(), risk(), clusterPue(range)]);
  } catch (e) {
    console.warn("refresh failed", e);
  }
}

window.addEventListener("DOMContentLoaded", () => kw.live(refresh, document.getElementById("range")));
