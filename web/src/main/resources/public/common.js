// Shared by every kilowatch page: fetching, formatting, charts, live updates and the nav bar.
"use strict";

const kw = (() => {
  const charts = {};

  async function getJson(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    if (!r.ok) {
      let msg = "HTTP " + r.status;
      try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
      throw new Error(url + ": " + msg);
    }
    return r.json();
  }

  function fmt(v, digits) { return v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toFixed(digits); }

  function ago(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.round(s / 60) + " min ago";
    return Math.round(s / 3600) + " h ago";
  }

  function chart(id) {
    if (!charts[id]) {
      charts[id] = echarts.init(document.getElementById(id), "dark", { renderer: "canvas" });
      window.addEventListener("resize", () => charts[id].resize());
    }
    return charts[id];
  }

  function timeChart(id, unit, series, extra) {
    chart(id).setOption(Object.assign({
      backgroundColor: "transparent",
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: v => v === null || v === undefined ? "gap" : Number(v).toFixed(2) + " " + unit },
      legend: { top: 0, type: "scroll" },
      grid: { left: 60, right: 20, top: 34, bottom: 30 },
      xAxis: { type: "time" },
      yAxis: { type: "value", name: unit, scale: true },
      series: series.map(s => Object.assign({ type: "line", showSymbol: false, connectNulls: false }, s)),
    }, extra || {}), true);
  }

  // Missing steps become explicit nulls so the line breaks at a gap instead of bridging it.
  function withGaps(points, stepMs) {
    const out = [];
    for (let i = 0; i < points.length; i++) {
      if (i > 0 && points[i][0] - points[i - 1][0] > 1.5 * stepMs) out.push([points[i - 1][0] + stepMs, null]);
      out.push([points[i][0], points[i][1]]);
    }
    return out;
  }

  function param(name) { return new URLSearchParams(location.search).get(name); }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Redraw on every server tick (Server-Sent Events); fall back to a timer if the stream drops.
  function live(refresh, rangeSelect) {
    if (rangeSelect) rangeSelect.addEventListener("change", refresh);
    refresh();
    let fallback = null;
    let src = null;
    const open = () => {
      src = new EventSource("/api/events");
      src.addEventListener("tick", () => refresh());
      src.onerror = () => {
        if (!fallback) fallback = setInterval(refresh, 5000);
      };
      src.onopen = () => {
        if (fallback) { clearInterval(fallback); fallback = null; }
      };
    };
    open();
    // A page kept in the back-forward cache would keep its event stream open: after a few pages
    // the browser's six connections per host are all streams and the next page's data calls wait.
    window.addEventListener("pagehide", () => {
      if (src) { src.close(); src = null; }
      if (fallback) { clearInterval(fallback); fallback = null; }
    });
    window.addEventListener("pageshow", e => {
      if (e.persisted) { open(); refresh(); }
    });
  }

  // Every page has <header id="top" data-range="yes|no">; the bar is built here, once.
  function header() {
    const top = document.getElementById("top");
    const brand = el("div", { class: "brand" });
    brand.append(el("a", { href: "/" }, "kilowatch"), el("span", { id: "site-name", class: "site" }));
    const navEl = el("nav", { id: "nav" });
    navEl.append(el("a", { href: "/" }, "Overview"));
    const after = el("span", { class: "after-clusters" });
    navEl.append(after, el("a", { href: "/devices.html" }, "Devices"), el("a", { href: "/alerts.html" }, "Alerts"), el("a", { href: "/reports.html" }, "Reports"));
    const controls = el("div", { class: "controls" });
    if (top.dataset.range !== "no") {
      const label = el("label", {}, "Range ");
      const sel = el("select", { id: "range" });
      for (const [v, t] of [["15m", "15 min"], ["1h", "1 h"], ["6h", "6 h"], ["24h", "24 h"], ["7d", "7 d"]]) {
        sel.append(el("option", { value: v }, t));
      }
      label.append(sel);
      controls.append(label);
    }
    controls.append(el("span", { id: "health", class: "badge" }, "connecting…"));
    top.append(brand, navEl, controls);
  }

  // Steps per range: about 180 points per chart whatever the range.
  function step(range) {
    return { "15m": "5s", "1h": "20s", "6h": "2m", "24h": "8m", "7d": "1h" }[range] || "20s";
  }

  async function nav() {
    const navEl = document.getElementById("nav");
    if (!navEl) return;
    try {
      const site = await getJson("/api/site");
      document.getElementById("site-name").textContent = site.name;
      for (const c of site.clusters) {
        navEl.insertBefore(el("a", { href: "/cluster.html?id=" + encodeURIComponent(c.id) }, c.id), navEl.querySelector(".after-clusters"));
      }
    } catch (e) { /* the health badge reports an unreachable server */ }
  }

  async function health() {
    const badge = document.getElementById("health");
    try {
      const h = await getJson("/api/health");
      const st = h.devices.byState;
      badge.textContent = h.status + " · " + st.up + " up, " + st.down + " down";
      badge.className = "badge " + h.status;
    } catch (e) {
      badge.textContent = "unreachable";
      badge.className = "badge down";
    }
  }

  header();
  window.addEventListener("DOMContentLoaded", () => { nav(); health(); setInterval(health, 10000); });
  return { getJson, fmt, ago, chart, timeChart, withGaps, param, el, live, health, step };
})();
