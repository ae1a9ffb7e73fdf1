// Jobs: the GPU energy each job held, by account, and the share no job held (idle), over a window.
"use strict";

const enc = encodeURIComponent;
// Every number with its unit; a figure the server could not compute (null) is a dash, never 0.
const none = v => v === null || v === undefined || Number.isNaN(v);
// Energy and carbon read in one unit across the page, chosen for the window's totals (kWh on a
// small site, MWh at 25,000 GPUs), two decimals: the columns still add up to the tiles.
let energyUnit = { unit: "kWh", factor: 1 };
let carbonUnit = { unit: "kgCO2e", factor: 1 };
const kwh = v => none(v) ? "–" : kw.quantityIn(v, energyUnit, 2);
const kg = v => none(v) ? "–" : kw.quantityIn(v, carbonUnit, 2);
// Under 10 % one decimal, so a small share is not shown as 0 %.
const pct = v => none(v) ? "–" : (v < 0.1 && v > 0 ? (100 * v).toFixed(1) : Math.round(100 * v)) + " %";
const gpuHours = v => none(v) ? "–" : kw.fmt(v, 2) + " GPU·h";
const time = t => t ? new Date(t).toLocaleString() : "";

function tile(id, value, sub) {
  const el = document.getElementById(id);
  el.querySelector(".value").textContent = value;
  el.querySelector(".sub").textContent = sub;
}

function row(cells, attrs) {
  const tr = kw.el("tr", attrs || {});
  for (const c of cells) tr.append(typeof c === "string" ? kw.el("td", {}, c) : c);
  return tr;
}

function fill(id, rows, empty, cols) {
  const body = document.querySelector("#" + id + " tbody");
  if (rows.length === 0) body.replaceChildren(row([kw.el("td", { colspan: String(cols), class: "muted" }, empty)]));
  else body.replaceChildren(...rows);
}

function query() {
  const f = document.getElementById("jobs-form");
  let q = "from=-" + f.window.value + "&top=" + f.top.value;
  if (f.cluster.value) q += "&cluster=" + enc(f.cluster.value);
  return q;
}

// No job source, or a window without jobs: the page says which rather than showing zeros.
function empty(text) {
  const p = document.getElementById("jobs-empty");
  p.hidden = !text;
  p.textContent = text || "";
}

let selected = null;
let lastKey = null;
let lastAt = 0;
let asked = 0;

async function refresh(force) {
  // Attribution reads every GPU series of the window: redrawn on a change, else every 30 s.
  const key = query();
  if (!force && key === lastKey && Date.now() - lastAt < 30000) return;
  lastKey = key;
  lastAt = Date.now();
  const mine = ++asked;
  let o;
  try {
    o = await kw.getJson("/api/jobs?" + key);
  } catch (e) {
    if (mine === asked) empty("No job data: " + e.message + ".");
    return;
  }
  // An answer to an older choice that arrives after a newer one is dropped.
  if (mine !== asked) return;
  const where = (o.cluster ? "cluster " + o.cluster : "all clusters") + " · " + kw.windowLabel(o.interval);
  // No ledger: the server says why (no job source configured), and there is nothing to total.
  const t = o.totals || {};
  const most = (...v) => Math.max(0, ...v.filter(x => !none(x)));
  energyUnit = kw.unitFor(most(t.clusterItEnergyKwh, t.facilityEnergyKwh), "kWh");
  carbonUnit = kw.unitFor(most(t.locationKgCo2e, t.marketKgCo2e), "kgCO2e");
  if (!o.totals) {
    empty("No job data: " + (o.reason || "no job source configured") + ".");
  } else {
    empty(o.jobCount === 0 ? "No job ran in " + where + (t.clusterItEnergyKwh ? "; all GPU energy was idle." : ".") : "");
  }
  tile("tile-jobs", kwh(t.jobsItEnergyKwh), o.jobCount + " jobs · of " + kwh(t.clusterItEnergyKwh) + " GPU IT energy · " + where);
  tile("tile-idle", pct(t.idleShare), kwh(t.idleItEnergyKwh) + " of GPU IT energy held by no job");
  tile("tile-facility", kwh(t.facilityEnergyKwh), "jobs " + kwh(t.jobsFacilityEnergyKwh) + " · idle " + kwh(t.idleFacilityEnergyKwh) + " (IT × each hour's PUE)");
  tile("tile-carbon", kg(t.locationKgCo2e), "market-based " + kg(t.marketKgCo2e) + " · jobs and idle");
  tile("tile-coverage", pct(t.coverage), "GPU time with energy data");

  fill("jobs", o.jobs.map(j => {
    const tr = row([j.id, j.user, j.account, String(j.gpuCount),
      time(j.start) + " – " + (j.running ? "running" : time(j.end)),
      gpuHours(j.gpuHours), kwh(j.itEnergyKwh), kwh(j.facilityEnergyKwh), kw.fmt(j.pue, 3),
      kg(j.locationKgCo2e), kg(j.marketKgCo2e), pct(j.coverage)], { class: "job-row", tabindex: "0" });
    tr.dataset.id = j.id;
    tr.addEventListener("click", () => detail(j.id));
    tr.addEventListener("keydown", e => { if (e.key === "Enter") detail(j.id); });
    return tr;
  }), "no jobs in this window", 12);
  // The table shows the top jobs; what the rest held is one line, so the column adds up to the tile.
  const shown = o.jobs.reduce((a, j) => a + j.itEnergyKwh, 0);
  const foot = document.querySelector("#jobs tfoot");
  foot.replaceChildren();
  if (o.jobCount > o.jobs.length) {
    foot.append(row(["+ " + (o.jobCount - o.jobs.length) + " more jobs", "", "", "", "", "",
      kwh(t.jobsItEnergyKwh - shown), "", "", "", "", ""], { class: "more-jobs" }));
  }

  fill("accounts", o.accounts.map(a => row([a.account || "(none)", String(a.jobs), gpuHours(a.gpuHours),
    kwh(a.itEnergyKwh), kwh(a.facilityEnergyKwh), kg(a.locationKgCo2e), kg(a.marketKgCo2e)])),
  "no accounts in this window", 7);
  kw.chart("chart-accounts").setOption({
    backgroundColor: "transparent",
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: v => kwh(v) },
    legend: kw.legend(),
    grid: kw.grid(),
    xAxis: { type: "category", data: o.accounts.map(a => a.account || "(none)"), axisLabel: { hideOverlap: true } },
    yAxis: kw.valueAxis("kWh", { scale: false }),
    // Side by side, not stacked: facility energy leaves out hours without a PUE, so it may be less
    // than the IT energy, and a difference would draw a negative overhead.
    series: [
      { name: "IT energy", type: "bar", data: o.accounts.map(a => a.itEnergyKwh) },
      { name: "facility energy (IT × PUE)", type: "bar", data: o.accounts.map(a => a.facilityEnergyKwh) },
    ],
  }, true);
  if (selected) await detail(selected);
}

const mid = h => (Date.parse(h.from) + Date.parse(h.to)) / 2;

async function detail(id) {
  selected = id;
  const panel = document.getElementById("job-detail");
  let j;
  try {
    // Ids hold slashes (sim/<cluster>/<job>, slurm/<cluster>/<job>): each part is encoded alone.
    j = await kw.getJson("/api/jobs/" + id.split("/").map(enc).join("/"));
  } catch (e) {
    panel.hidden = false;
    document.getElementById("job-title").textContent = "Job " + id;
    document.getElementById("job-sub").textContent = e.message;
    return;
  }
  panel.hidden = false;
  document.getElementById("job-title").textContent = "Job " + j.id + (j.name ? " · " + j.name : "");
  document.getElementById("job-sub").textContent = j.user + " · account " + j.account + " · " + j.cluster +
    (j.partition ? " · " + j.partition : "") + " · " + j.gpuCount + " GPUs · " + time(j.start) + " – " +
    (j.running ? "running" : time(j.end)) + " · " + kwh(j.itEnergyKwh) + " IT, " + kwh(j.facilityEnergyKwh) +
    " facility, " + kg(j.locationKgCo2e) + " (location), coverage " + pct(j.coverage);
  const hours = j.hours || [];
  kw.chart("chart-job").setOption({
    backgroundColor: "transparent",
    animation: false,
    tooltip: { trigger: "axis" },
    legend: kw.legend(),
    grid: kw.grid({ right: 40 }),
    // The job's own hours, not an axis echarts stretches around a single bar.
    xAxis: { type: "time", axisLabel: { hideOverlap: true },
      min: hours.length ? Date.parse(hours[0].from) : null,
      max: hours.length ? Date.parse(hours[hours.length - 1].to) : null },
    yAxis: [kw.valueAxis("kWh", { scale: false }),
      kw.valueAxis("PUE", { position: "right", splitLine: { show: false } })],
    series: [
      // Each hour's bar and PUE point at its middle.
      { name: "IT energy", type: "bar", tooltip: { valueFormatter: v => kwh(v) },
        data: hours.map(h => [mid(h), h.itEnergyKwh]) },
      { name: "facility energy (IT × PUE)", type: "bar", tooltip: { valueFormatter: v => kwh(v) },
        data: hours.map(h => [mid(h), h.facilityEnergyKwh]) },
      { name: "PUE", type: "line", yAxisIndex: 1, tooltip: { valueFormatter: v => kw.fmt(v, 3) },
        data: hours.map(h => [mid(h), h.pue]) },
    ],
  }, true);
  fill("job-hours", hours.map(h => row([time(h.from), kwh(h.itEnergyKwh), kw.fmt(h.pue, 3), kwh(h.facilityEnergyKwh),
    kw.fmt(h.locationGPerKwh, 0) + " gCO2e/kWh", kg(h.locationKgCo2e), kg(h.marketKgCo2e), pct(h.coverage)])),
  "no hours", 8);
  fill("job-gpus", (j.gpus || []).map(g => row([g.device, String(g.gpu), time(g.from), g.to ? time(g.to) : "running",
    kwh(g.itEnergyKwh), pct(g.coverage)])), "no GPUs recorded", 6);
}

async function clusters() {
  try {
    const info = await kw.site();
    const sel = document.getElementById("cluster");
    for (const c of info.clusters) sel.append(kw.el("option", { value: c.id }, c.name + " (" + c.id + ")"));
  } catch (e) { /* the health badge says the server is unreachable */ }
  // A link may choose them: /jobs.html?window=7d&cluster=c1&top=100.
  const f = document.getElementById("jobs-form");
  for (const name of ["window", "cluster", "top"]) {
    const v = kw.param(name);
    if (v !== null && [...f[name].options].some(o => o.value === v)) f[name].value = v;
  }
}

window.addEventListener("DOMContentLoaded", async () => {
  await clusters();
  document.getElementById("jobs-form").addEventListener("change", () => refresh(true));
  kw.live(() => refresh(false));
});
