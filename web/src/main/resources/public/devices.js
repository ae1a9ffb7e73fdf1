// The devices, a page at a time (/api/devices pages on the server): counts by state, search by id
// or tag value, filters, three sort orders and a pager. The view lives in the URL, so a link or a
// reload shows the same devices.
"use strict";

const PAGE = 100;
const FILTERS = ["q", "state", "kind", "cluster", "rack"];

// ISO-8601 durations such as PT0.012S, as Jackson writes java.time.Duration.
function durationMs(iso) {
  const m = /PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?/.exec(iso || "");
  if (!m) return NaN;
  return ((+(m[1] || 0)) * 3600 + (+(m[2] || 0)) * 60 + (+(m[3] || 0))) * 1000;
}

function badCount(d) {
  return (d.points || []).filter(p => p.state === "bad").length;
}

function badText(d) {
  const bad = (d.points || []).filter(p => p.state === "bad");
  return bad.length ? bad.length + " bad · " + bad[0].name + ": " + bad[0].reason : "";
}

// The view: filters and sort from the URL; cursors[i] starts page i (null: the first).
const view = { sort: kw.param("sort") || "id", cursors: [null] };
for (const f of FILTERS) view[f] = kw.param(f) || "";

function query(cursor) {
  const p = new URLSearchParams({ limit: String(PAGE), sort: view.sort });
  for (const f of FILTERS) if (view[f]) p.set(f, view[f]);
  if (cursor) p.set("cursor", cursor);
  return "/api/devices?" + p;
}

// A filter or sort changed: back to the first page, and into the URL.
function changed() {
  view.cursors = [null];
  const p = new URLSearchParams();
  for (const f of FILTERS) if (view[f]) p.set(f, view[f]);
  if (view.sort !== "id") p.set("sort", view.sort);
  history.replaceState(null, "", location.pathname + (p.toString() ? "?" + p : ""));
  refresh();
}

let asked = 0;

async function refresh() {
  const mine = ++asked;
  try {
    const page = await kw.getJson(query(view.cursors[view.cursors.length - 1]));
    // An answer overtaken by a newer question (a keystroke, a click) is not drawn.
    if (mine !== asked) return;
    draw(page);
  } catch (e) {
    console.warn("refresh failed", e);
  }
}

function draw(page) {
  const counts = document.getElementById("state-counts");
  const all = Object.values(page.byState).reduce((a, b) => a + b, 0);
  // The counts leave the state filter out: each says what choosing it would list.
  const chip = (state, label, n) => {
    const b = kw.el("button", { type: "button", "data-state": state, "aria-pressed": String(view.state === state),
      class: state ? "state-" + state : "" }, label + " " + n.toLocaleString());
    b.addEventListener("click", () => { view.state = state; document.getElementById("f-state").value = state; changed(); });
    return b;
  };
  counts.replaceChildren(chip("", "all", all), ...Object.entries(page.byState).map(([s, n]) => chip(s, s, n)));

  const now = Date.now();
  document.querySelector("#devices tbody").replaceChildren(...page.devices.map(d => {
    const tr = kw.el("tr");
    const link = kw.el("td");
    link.append(kw.el("a", { href: "/device.html?id=" + encodeURIComponent(d.deviceId) }, d.deviceId));
    const state = d.state.toLowerCase();
    tr.append(link,
      kw.el("td", {}, d.kind),
      kw.el("td", {}, [d.cluster, d.rack].filter(Boolean).join(" / ") || "facility"),
      kw.el("td", { class: "state-" + state }, state),
      kw.el("td", {}, d.lastSuccess ? kw.ago(now - Date.parse(d.lastSuccess)) : "never"),
      kw.el("td", {}, d.lastRoundTrip ? durationMs(d.lastRoundTrip).toFixed(0) + " ms" : "–"),
      kw.el("td", {}, String(d.consecutiveFailures)),
      kw.el("td", {}, d.lastError || ""),
      // Points the device refused or could not decode in its last poll, with the first reason.
      kw.el("td", { class: badCount(d) ? "quality-bad" : "" }, badText(d)));
    return tr;
  }));
  if (page.devices.length === 0) {
    const tr = kw.el("tr");
    tr.append(kw.el("td", { colspan: "9", class: "muted" }, "no device matches"));
    document.querySelector("#devices tbody").append(tr);
  }

  const first = (view.cursors.length - 1) * PAGE;
  document.getElementById("page-info").textContent = page.total === 0 ? "0 devices"
    : (first + 1).toLocaleString() + "–" + (first + page.devices.length).toLocaleString() + " of " + page.total.toLocaleString();
  document.getElementById("page-prev").disabled = view.cursors.length === 1;
  const next = document.getElementById("page-next");
  next.disabled = !page.next;
  next.dataset.cursor = page.next || "";
  for (const th of document.querySelectorAll("#devices th[data-sort]")) {
    if (th.dataset.sort === view.sort) th.setAttribute("aria-sort", th.dataset.sort === "id" ? "ascending" : "descending");
    else th.removeAttribute("aria-sort");
  }
}

async function setup() {
  const form = document.getElementById("device-filters");
  form.addEventListener("submit", ev => ev.preventDefault());
  try {
    const info = await kw.site();
    const sel = document.getElementById("f-cluster");
    for (const c of info.clusters) sel.append(kw.el("option", { value: c.id }, c.id));
  } catch (e) { /* the health badge says the server is unreachable */ }
  const fields = { q: "q", state: "f-state", kind: "f-kind", cluster: "f-cluster", rack: "f-rack" };
  let typing = null;
  // Every field is read at once, so a choice made while typed text still waits takes both.
  const apply = () => {
    clearTimeout(typing);
    for (const [f, id] of Object.entries(fields)) view[f] = document.getElementById(id).value.trim();
    changed();
  };
  for (const [f, id] of Object.entries(fields)) {
    const input = document.getElementById(id);
    input.value = view[f];
    // Text waits for a pause in typing (one request, not one per key); a choice applies at once.
    if (input.tagName === "SELECT") input.addEventListener("change", apply);
    else input.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(apply, 250); });
  }
  for (const th of document.querySelectorAll("#devices th[data-sort]")) {
    th.querySelector("button").addEventListener("click", () => { view.sort = th.dataset.sort; changed(); });
  }
  document.getElementById("page-next").addEventListener("click", ev => {
    if (!ev.target.dataset.cursor) return;
    view.cursors.push(ev.target.dataset.cursor);
    refresh();
  });
  document.getElementById("page-prev").addEventListener("click", () => {
    if (view.cursors.length > 1) { view.cursors.pop(); refresh(); }
  });
  kw.live(refresh);
}

window.addEventListener("DOMContentLoaded", setup);
