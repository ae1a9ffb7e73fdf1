// One cluster: IT power by rack (the highest racks and the rest summed), its cooling loop(s), a GPU
// margin heatmap and thermal risk with the racks that need a look first.
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
  const perRack = [...byRack.keys()].sort().map(rack => {
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
    return { rack, data, why };
  });
  const series = topRacks(perRack).map(r => ({ name: r.rack, stack: "it", areaStyle: {},
    data: kw.withGaps(r.data, ms).map(p => r.why.has(p[0]) ? { value: p, missing: r.why.get(p[0]) } : p) }));
  kw.timeChart("chart-racks", "kW", series, { tooltip: kw.gapTooltip("kW") });
}

// Past this many racks, 32 stacked lines (and a legend that pages) read as noise: the racks that
// draw the most over the range keep their own band and the rest are summed into one.
const TOP_RACKS = 8;

// The TOP_RACKS racks of highest mean power, highest first, then "N other racks" as their sum;
// a step in which any of those racks has a gap is a gap of the sum too, naming whose.
function topRacks(perRack) {
  if (perRack.length <= TOP_RACKS + 1) return perRack;
  const mean = r => {
    const v = r.data.map(p => p[1]).filter(x => x !== null);
    return v.length ? v.reduce((a, x) => a + x, 0) / v.length : -1;
  };
  const ranked = [...perRack].sort((a, b) => mean(b) - mean(a));
  const rest = ranked.slice(TOP_RACKS);
  const why = new Map();
  const data = rest[0].data.map((p, i) => {
    let sum = 0;
    const missing = [];
    for (const r of rest) {
      if (r.data[i][1] === null) missing.push(...(r.why.get(p[0]) || [r.rack]));
      else sum += r.data[i][1];
    }
    if (missing.length) why.set(p[0], missing);
    return [p[0], missing.length ? null : sum];
  });
  return ranked.slice(0, TOP_RACKS).concat([{ rack: rest.length + " other racks", data, why }]);
}

async function loop(range, step) {
  // One query per unit, every field of the cluster's loops in it (the server converts each series
  // to the unit and leaves out those of another quantity): four calls where one per field name and
  // spelling made thirteen, more than a small server computes at once.
  const base = "/api/query?measurement=cooling_loop&tags=cluster:" + enc(cid) + "&from=-" + range + "&step=" + step +
    "&aggregate=mean&unit=";
  const [tempQ, flowQ, dpQ, pumpQ] = await Promise.all(["Cel", "L/min", "kPa", "%"].map(u => kw.getJson(base + enc(u))));
  // Each loop temperature under its suffixed or unit-free name.
  const fields = ["supply_temp", "return_temp", "primary_supply_temp", "primary_return_temp"];
  const series = [];
  for (const f of fields) {
    tempQ.series.filter(s => s.field === f + "_c" || s.field === f).forEach(s => series.push({
      name: (s.tags.device || "") + " " + f.replace(/_temp$/, "").replace("_", " "),
      data: kw.withGaps(s.points, stepMs(step)),
    }));
  }
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
  const flowFields = [[flowQ, ["flow_lpm", "flow"], "flow L/min", 0], [dpQ, ["diff_pressure_kpa", "diff_pressure"], "ΔP kPa", 1],
    [pumpQ, ["pump_speed_pct"], "pump %", 1]];
  const fseries = [];
  for (const [q, names, label, axis] of flowFields) {
    for (const n of names) {
      q.series.filter(s => s.field === n).forEach(s => fseries.push({
        name: (s.tags.device || "") + " " + label,
        yAxisIndex: axis,
        data: kw.withGaps(s.points, stepMs(step)),
      }));
    }
  }
  kw.timeChart("chart-loop-flow", "", fseries, {
    yAxis: [kw.valueAxis("L/min"), kw.valueAxis("kPa · %", { splitLine: { show: false } })],
    tooltip: { trigger: "axis" },
  });
}

// The risk engine's lowest margin of a scope ({ gpu, k } in the answer) as kw.factorText takes it.
function lowest(r, scope, id) {
  const m = r.lowestMargins && r.lowestMargins[scope] ? r.lowestMargins[scope][id] : undefined;
  return m ? { value: m.k, id: m.gpu } : null;
}

const numeric = (a, b) => a.localeCompare(b, undefined, { numeric: true });

// Why GPUs have no margin, in words: the page says so instead of drawing empty axes.
function noMarginText(r) {
  const n = r.noMargin || {};
  const parts = [];
  if (n.NO_THRESHOLD) parts.push(n.NO_THRESHOLD + " GPUs report a temperature but no slowdown threshold or margin " +
    "(dcgm-exporter sends DCGM_FI_DEV_SLOWDOWN_TEMP only when it is in its counters file), so their margin cannot be computed");
  if (n.STALE) parts.push(n.STALE + " GPUs have no temperature or threshold newer than 2 min");
  if (r.gpuCount === 0) parts.push("no GPU of this cluster reports a temperature or margin yet");
  return parts.join("; ");
}

// The heatmap and the tile read the risk engine's margin per GPU, the same numbers as the risk
// table, so the page never shows two values for one GPU's margin. Rows are racks and columns a
// GPU's place in its rack (node slot · GPU index), so 1,040 GPUs of 32 racks fill a 32 × 32 grid
// instead of one column per GPU of the cluster.
function heatmap(r) {
  const rows = r.margins || [];
  const node = id => id.replace(/\/gpu.*$/, "");
  const nodesOf = new Map();
  for (const [id, rack] of rows) {
    if (!nodesOf.has(rack)) nodesOf.set(rack, new Set());
    nodesOf.get(rack).add(node(id));
  }
  const slot = new Map();
  nodesOf.forEach(nodes => [...nodes].sort(numeric).forEach((n, i) => slot.set(n, i + 1)));
  const col = id => slot.get(node(id)) + "·" + id.replace(/^.*\/gpu/, "");
  const rackIds = [...nodesOf.keys()].sort(numeric);
  const cols = [...new Set(rows.map(x => col(x[0])))].sort(numeric);
  const colIndex = new Map(cols.map((c, i) => [c, i]));
  const rackIndex = new Map(rackIds.map((x, i) => [x, i]));
  const ids = new Map();
  const data = rows.map(([id, rack, k]) => {
    const cell = [colIndex.get(col(id)), rackIndex.get(rack), k];
    ids.set(cell[0] + "," + cell[1], id);
    return cell;
  });
  const low = lowest(r, "cluster", cid);
  const why = noMarginText(r);
  tile("tile-margin", low ? kw.fmt(low.value, 1) + " K" : "–",
    data.length + " of " + r.gpuCount + " GPUs with a margin" + (low ? " · lowest " + low.id : ""), data.length === 0);
  const box = document.getElementById("chart-heatmap");
  const note = document.getElementById("heatmap-why");
  note.textContent = why ? (data.length ? "Not drawn: " : "No margin to draw: ") + why + "." : "";
  note.hidden = !why;
  box.hidden = data.length === 0;
  if (data.length === 0) return;
  // About one label per 14 px: the rest are skipped (ECharts' interval), never overlapped.
  const every = (n, px) => Math.max(0, Math.ceil(n / Math.max(1, px / 14)) - 1);
  // About 12 px per rack row, so 32 racks do not squeeze into a 300 px chart.
  box.style.height = Math.max(300, 80 + 12 * rackIds.length) + "px";
  const c = kw.chart("chart-heatmap");
  c.resize();
  c.setOption({
    backgroundColor: "transparent",
    animation: false,
    tooltip: { formatter: p => ids.get(p.value[0] + "," + p.value[1]) + " (" + rackIds[p.value[1]] + ", slot " + cols[p.value[0]] + "): " +
      kw.fmt(p.value[2], 1) + " K to slowdown" },
    grid: kw.grid({ top: 10, bottom: 44 }),
    xAxis: { type: "category", data: cols,
      axisLabel: { rotate: 90, fontSize: 9, interval: every(cols.length, box.clientWidth - 60) } },
    yAxis: { type: "category", data: rackIds, axisLabel: { fontSize: 10, interval: every(rackIds.length, box.clientHeight - 60) } },
    visualMap: { min: 0, max: 30, calculable: true, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120, itemWidth: 12,
      inRange: { color: ["#f85149", "#d29922", "#3fb950"] }, text: ["30 K", "0 K"], textStyle: { color: "#8b949e" } },
    series: [{ type: "heatmap", data, name: "margin K", progressive: 0 }],
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
  tile("tile-it", kw.quantity(totals.reduce((a, s) => a + (s.value || 0), 0), "kW"),
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
    (c ? (c.pue !== null ? "category " + r.category + " · IT " + kw.quantity(c.itKwh, "kWh") : c.status.toLowerCase().replace(/_/g, " ") + " (coverage " + Math.round(100 * c.coverage) + "%)") : "no energy model") +
      " · " + kw.windowLabel(r.interval),
    !c || c.pue === null);
}

// Racks kept folded into one "N racks ok" row unless the operator opened it; kept across refreshes.
let showOk = false;

// The cluster first, then the racks that are not ok (worst first), then the ok racks folded into
// one row: at 32 racks the ones that need a look are at the top, not among 30 identical rows.
function riskTable(r) {
  const order = { critical: 0, warning: 1, watch: 2, ok: 3 };
  const lvl = x => x.level.toLowerCase();
  const racks = r.racks.filter(x => x.cluster === cid)
    .sort((a, b) => order[lvl(a)] - order[lvl(b)] || b.score - a.score || numeric(a.id, b.id));
  const table = kw.el("table");
  const head = kw.el("tr");
  for (const h of ["scope", "level", "score", "minutes to slowdown", "factors (contribution)"]) head.append(kw.el("th", {}, h));
  table.append(head);
  const row = x => {
    const tr = kw.el("tr", { class: x.scope + " level-row-" + lvl(x) });
    // The time to slowdown has its own column: the factor list does not repeat it.
    const low = lowest(r, x.scope, x.id);
    const factors = [...x.factors].filter(f => f.name !== "minutes_to_slowdown").sort((a, b) => b.contribution - a.contribution)
      .map(f => kw.factorText(f, low) + " (" + kw.fmt(f.contribution, 0) + ")").join(" · ");
    tr.append(kw.el("td", {}, x.scope + " " + x.id), kw.el("td", { class: "level-" + lvl(x) }, lvl(x)),
      kw.el("td", {}, kw.fmt(x.score, 0)), kw.el("td", {}, kw.minutes(x.minutesToSlowdown)),
      kw.el("td", {}, factors));
    return tr;
  };
  r.clusters.filter(x => x.id === cid).forEach(x => table.append(row(x)));
  const ok = racks.filter(x => lvl(x) === "ok");
  racks.filter(x => lvl(x) !== "ok").forEach(x => table.append(row(x)));
  if (ok.length) {
    const fold = kw.el("tr", { class: "ok-fold" });
    const td = kw.el("td", { colspan: "5" });
    const btn = kw.el("button", { type: "button", "aria-expanded": String(showOk) },
      ok.length + (ok.length === 1 ? " rack ok" : " racks ok") + (showOk ? " · hide" : " · show"));
    btn.addEventListener("click", () => { showOk = !showOk; riskTable(r); });
    td.append(btn);
    fold.append(td);
    table.append(fold);
    for (const x of ok) {
      const tr = row(x);
      tr.hidden = !showOk;
      table.append(tr);
    }
  }
  document.getElementById("risk").replaceChildren(table);
}

async function risk() {
  // One cluster's scopes and a margin per GPU: tens of KB at 1,040 GPUs, where every GPU's
  // factors of the whole site (?detail=gpus) were megabytes.
  const r = await kw.getJson("/api/risk?detail=margins&cluster=" + enc(cid));
  heatmap(r);
  riskTable(r);
}

// The page's data calls in two waves, and never two refreshes at once (a tick during one asks for
// one more after it): all fifteen at once, or a refresh per tick piling up behind a slow one, would
// be more than the server computes at once on a small machine, and it refuses the rest (429).
let running = null;
let again = false;
async function refresh() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    do {
      again = false;
      await refreshOnce();
    } while (again);
  })();
  try {
    await running;
  } finally {
    running = null;
  }
}

async function refreshOnce() {
  const range = document.getElementById("range").value;
  document.getElementById("title").textContent = "Cluster " + cid;
  try {
    const step = kw.step(range, (await kw.site()).minStepSeconds);
    await Promise.all([racks(range, step), latestTiles(), risk(), clusterPue(range)]);
    await loop(range, step);
  } catch (e) {
    console.warn("refresh failed", e);
  }
}

window.addEventListener("DOMContentLoaded", () => kw.live(refresh, document.getElementById("range")));
