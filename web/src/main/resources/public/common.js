// Shared by every kilowatch page: fetching (with the tab's token where the site asks for one), formatting, charts, live updates and the nav bar.
"use strict";

const kw = (() => {
  const charts = {};

  // Sites with web.readAccess: token. The token lives in sessionStorage: it survives a reload and
  // the pages of one tab, and is gone when the tab closes.
  const TOKEN_KEY = "kilowatch.token";
  let needsToken = false;
  let asking = null;
  const tokenListeners = [];

  function token() {
    try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }

  // One prompt however many requests met a 401 at once: they all wait for the same answer.
  function askToken(message) {
    if (!asking) {
      asking = new Promise(resolve => tokenForm(message, t => {
        sessionStorage.setItem(TOKEN_KEY, t);
        asking = null;
        resolve();
        tokenListeners.forEach(f => f());
      }));
    }
    return asking;
  }

  // A native modal dialog: it keeps focus inside, and screen readers announce its title and
  // message. It cannot be dismissed, since without a token the page has nothing to show.
  function tokenForm(message, done) {
    let d = document.getElementById("token-dialog");
    if (!d) {
      d = el("dialog", { id: "token-dialog", "aria-labelledby": "token-title", "aria-describedby": "token-message" });
      const form = el("form", { id: "token-form" });
      form.append(
        el("h2", { id: "token-title" }, "Access token needed"),
        el("p", { id: "token-message", role: "alert" }),
        el("label", { for: "token-input" }, "Token"),
        el("input", { id: "token-input", name: "token", type: "password", autocomplete: "off", spellcheck: "false", required: "" }),
        el("button", { type: "submit" }, "Show data"));
      d.append(form);
      d.addEventListener("cancel", e => e.preventDefault());
      document.body.append(d);
    }
    d.querySelector("#token-message").textContent = message;
    const input = d.querySelector("#token-input");
    input.value = "";
    d.querySelector("form").onsubmit = ev => {
      ev.preventDefault();
      const t = input.value.trim();
      if (!t) return;
      d.close();
      done(t);
    };
    if (!d.open) d.showModal();
    input.focus();
  }

  // fetch with the tab's token, if any; a 401 that asks for a bearer token prompts for one (again,
  // with the server's reason, when the one sent was refused) and retries.
  async function authFetch(url, opts) {
    for (;;) {
      const sent = token();
      const o = Object.assign({}, opts);
      o.headers = Object.assign({}, o.headers);
      if (sent) o.headers.Authorization = "Bearer " + sent;
      const r = await fetch(url, o);
      if (r.status !== 401 || !/^Bearer/i.test(r.headers.get("WWW-Authenticate") || "")) return r;
      needsToken = true;
      if (sent && token() === sent) {
        let why = "unknown token";
        try { why = (await r.json()).error || why; } catch (e) { /* not JSON */ }
        sessionStorage.removeItem(TOKEN_KEY);
        await askToken("That token was refused (" + why + "). Enter another one.");
      } else if (!token()) {
        await askToken("This site needs an access token to show its data. Enter a viewer token.");
      }
      // Otherwise another request already got a new token: try again with it.
    }
  }

  // The endpoints the server computes on and lets only a few run at once (QueryGate; one on a
  // 2-core machine): a page asks for them one after another, so that at 25,000 GPUs, where one
  // takes seconds, its own calls are not refused with 429 while they wait on each other.
  const GATED = /^\/api\/(query|series|overview|energy|pue|carbon|risk|jobs)(\/|\?|$)/;
  let gatedTail = Promise.resolve();
  function getJson(url) {
    if (!GATED.test(url)) return fetchJson(url);
    const run = gatedTail.then(() => fetchJson(url));
    gatedTail = run.catch(() => {});
    return run;
  }

  async function fetchJson(url) {
    const r = await authFetch(url, { headers: { Accept: "application/json" } });
    if (!r.ok) {
      let msg = "HTTP " + r.status;
      try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
      throw new Error(url + ": " + msg);
    }
    return r.json();
  }

  // EventSource cannot send the token, and a URL must not carry it: with a token the stream opens
  // with a one-use ticket instead.
  const STREAM = "/api/events";
  async function streamUrl() {
    if (!needsToken && !token()) return STREAM;
    const r = await authFetch(STREAM + "/ticket", { method: "POST" });
    if (!r.ok) throw new Error("stream ticket: HTTP " + r.status);
    return STREAM + "?ticket=" + encodeURIComponent((await r.json()).ticket);
  }

  function fmt(v, digits) { return v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toFixed(digits); }

  // Units that take an SI prefix by magnitude, as the API shows them (UnitJson's "unit"): power,
  // energy and CO2e mass. Each family lists its names from the smallest step up, 1000 apart; a
  // unit outside these (°C, %, L/min, gCO2e/kWh) is shown as sent.
  const FAMILIES = [
    ["W", "kW", "MW", "GW", "TW"],
    ["Wh", "kWh", "MWh", "GWh", "TWh"],
    ["VA", "kVA", "MVA", "GVA"],
    // Mass past the kilogram reads in tonnes, as CO2e is reported: 1,000 kg is 1 t, not 1 Mg.
    ["g", "kg", "t", "kt", "Mt"],
  ];
  const SUFFIX = /^(\S+?)\s?(CO2e)$/;
  function family(unit) {
    if (typeof unit !== "string") return null;
    const m = SUFFIX.exec(unit);
    const head = m ? m[1] : unit;
    for (const names of FAMILIES) {
      const i = names.indexOf(head);
      if (i >= 0) return { names, i, suffix: m ? " " + m[2] : "" };
    }
    return null;
  }

  // The unit one magnitude is best read in: the largest step of its family whose value is at least
  // 1 (21207.2 kW reads as MW, 0.85 kW as W), never below the family's first name. factor divides
  // a value in the given unit into the chosen one. Zero and non-finite values keep the unit sent.
  function unitFor(magnitude, unit) {
    const f = family(unit);
    const a = Math.abs(magnitude);
    if (!f || !Number.isFinite(a) || a === 0) return { unit, factor: 1 };
    let k = f.i;
    // Bounds as printed to three digits: 999.7 would print as "1000", so it reads one step up
    // ("1.00"); 0.9997 prints as "1.00", so it stays.
    while (k + 1 < f.names.length && a / Math.pow(1000, k - f.i) >= 999.5) k++;
    while (k > 0 && a / Math.pow(1000, k - f.i) < 0.9995) k--;
    // No step taken: the unit as sent ("kgCO2e" stays "kgCO2e").
    if (k === f.i) return { unit, factor: 1 };
    return { unit: f.names[k] + f.suffix, factor: Math.pow(1000, k - f.i) };
  }

  // Three significant digits, and none of them after a point past 100: 21.2, 850, 1.25.
  function sig3(v) {
    const a = Math.abs(v);
    return v.toFixed(a >= 99.95 ? 0 : a >= 9.995 ? 1 : 2);
  }

  // One value with its unit, the prefix chosen per magnitude: quantity(21207.2, "kW") is
  // "21.2 MW", quantity(0.85, "kW") "850 W", quantity(1234, "kgCO2e") "1.23 t CO2e". A unit with
  // no prefixes keeps it and the given digits (default 1). Tiles, tables and tooltips all use it.
  function quantity(v, unit, digits) {
    if (v === null || v === undefined || Number.isNaN(Number(v))) return "–";
    const n = Number(v);
    const u = unitFor(n, unit);
    const text = family(unit) ? sig3(n / u.factor) : n.toFixed(digits === undefined ? 1 : digits);
    return u.unit ? text + " " + u.unit : text;
  }

  // A value in a unit chosen once (unitFor) for a set of figures that must read alike, such as a
  // table column that adds up to its total: the same prefix and digits on every row.
  function quantityIn(v, u, digits) {
    if (v === null || v === undefined || Number.isNaN(Number(v))) return "–";
    return (Number(v) / u.factor).toFixed(digits) + " " + u.unit;
  }

  // The largest magnitude among charted values ([t, v] pairs, { value: [t, v] } points or plain
  // numbers), which an axis's unit is chosen for: one prefix for the whole axis. Series with a
  // stack add up per time, as the axis draws their total.
  function largest(series) {
    let m = 0;
    const stacks = new Map();
    for (const s of series) {
      for (const d of s.data || []) {
        const p = d !== null && typeof d === "object" && !Array.isArray(d) ? d.value : d;
        const v = Array.isArray(p) ? p[p.length - 1] : p;
        if (typeof v !== "number" || !Number.isFinite(v)) continue;
        if (s.stack !== undefined && Array.isArray(p)) {
          const key = s.stack + "@" + p[0];
          stacks.set(key, (stacks.get(key) || 0) + v);
          m = Math.max(m, Math.abs(stacks.get(key)));
        } else {
          m = Math.max(m, Math.abs(v));
        }
      }
    }
    return m;
  }

  // Minutes to slowdown, one rule on every page: a tenth of a minute matters under 10 min and not
  // above; under one minute reads "< 1 min", since a rounded "0" reads as "already slowed down".
  function minutes(m) {
    if (m === null || m === undefined || Number.isNaN(m)) return "–";
    if (m < 1) return "< 1 min";
    if (m < 9.95) return m.toFixed(1) + " min";
    return Math.round(m) + " min";
  }

  // A risk factor's value in its unit; the time to slowdown by the rule above.
  function factorValue(f) {
    if (f.unit === "min") return minutes(f.value);
    if (f.unit === "bitmask") return "0x" + Math.round(f.value).toString(16);
    return fmt(f.value, 1) + " " + f.unit;
  }

  // A GPU's margin to slowdown (K) as the risk engine computed it; null without a threshold.
  function gpuMargin(risk) {
    const f = risk.factors.find(x => x.name === "gpu_margin");
    return f ? f.value : null;
  }

  // The lowest margin among the risk engine's GPUs (/api/risk?detail=gpus) that match: the one
  // number the tile, the heatmap, the risk table and the overview card show for a scope. The
  // engine's rack and cluster factors are those of the riskiest GPU, which need not be the one
  // closest to its limit.
  function lowestMargin(gpus, match) {
    let best = null;
    for (const g of gpus) {
      const m = match(g) ? gpuMargin(g) : null;
      if (m !== null && (best === null || m < best.value)) best = { value: m, id: g.id };
    }
    return best;
  }

  // A factor of a scope as text; a GPU margin is the scope's lowest (see lowestMargin).
  function factorText(f, lowest) {
    const v = f.name === "gpu_margin" && lowest ? fmt(lowest.value, 1) + " K" : factorValue(f);
    return f.name.replace(/_/g, " ") + " " + v;
  }

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

  // Layout shared by every chart: the unit names the value axis above the plot, the legend sits
  // in its own strip below the time axis and pages (arrows) when its names do not fit one line,
  // so neither ever covers a line or an axis name, at a desktop's width or a phone's.
  const LEGEND_H = 24;
  function legend() {
    return { type: "scroll", bottom: 0, left: "center", height: LEGEND_H - 4, itemGap: 12, pageIconSize: 10,
      textStyle: { fontSize: 11 }, pageTextStyle: { color: "#8b949e" } };
  }
  // containLabel keeps the y labels in, but a time label centred on the axis's last tick would
  // still stick out on the right by half its width: the right margin leaves room for it.
  function grid(extra) {
    return Object.assign({ left: 8, right: 30, top: 30, bottom: LEGEND_H + 12, containLabel: true }, extra || {});
  }
  function valueAxis(unit, extra) {
    return Object.assign({ type: "value", name: unit, nameLocation: "end", nameGap: 10,
      scale: true,
      axisLabel: { formatter: axisNumber } }, extra || {});
  }
  // A value axis for series in `unit` whose one prefix fits its largest value (see unitFor): the
  // axis is named in that unit and its ticks are divided into it, while the data stays as sent.
  function scaledAxis(unit, series, extra) {
    const u = unitFor(largest(series), unit);
    return valueAxis(u.unit, Object.assign({ axisLabel: { formatter: v => axisNumber(v / u.factor) } }, extra || {}));
  }
  // Value-axis ticks in short form (12k, 1.5M), so a large value never prints as a long number.
  function axisNumber(v) {
    const a = Math.abs(v);
    if (a >= 1e6) return +(v / 1e6).toFixed(1) + "M";
    if (a >= 1e4) return +(v / 1e3).toFixed(1) + "k";
    return String(+v.toFixed(6));
  }

  function timeChart(id, unit, series, extra) {
    chart(id).setOption(Object.assign({
      backgroundColor: "transparent",
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: v => v === null || v === undefined ? "gap" : quantity(v, unit, 2) },
      legend: legend(),
      grid: grid(),
      // About one time label per 110 px: on a phone, labels that only just miss each other read as one.
      xAxis: { type: "time", splitNumber: Math.max(2, Math.floor(document.getElementById(id).clientWidth / 110)), axisLabel: { hideOverlap: true } },
      yAxis: scaledAxis(unit, series),
      series: series.map(s => Object.assign({ type: "line", showSymbol: false, connectNulls: false }, s)),
    }, extra || {}), true);
  }

  // An axis tooltip whose gaps say whose they are: a point given as { value, missing } names the
  // devices that had no reading in its step (down or BAD), as the cluster and overview charts do.
  function gapTooltip(unit, digits) {
    return { trigger: "axis", formatter: ps => ps.length === 0 ? "" :
      new Date(ps[0].axisValue).toLocaleTimeString() + "<br>" + ps.map(p => p.marker + p.seriesName + ": " +
        (p.data && p.data.missing ? "gap (no data from " + p.data.missing.join(", ") + ")"
          : p.value[1] === null || p.value[1] === undefined ? "gap (no data)"
          : unit ? quantity(p.value[1], unit, digits === undefined ? 2 : digits)
          : Number(p.value[1]).toFixed(digits === undefined ? 2 : digits))).join("<br>") };
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
  function live(refreshPage, rangeSelect) {
    // One refresh at a time: a tick during a refresh (each can take seconds on a big site) asks for
    // one more after it, instead of a second refresh racing the first for the same data.
    let running = null;
    let again = false;
    const refresh = () => {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await refreshPage();
          } while (again);
        } finally {
          running = null;
        }
      })();
      return running;
    };
    if (rangeSelect) rangeSelect.addEventListener("change", refresh);
    const first = refresh();
    let fallback = null;
    let src = null;
    let retry = null;
    let opening = false;
    let hidden = false;
    const startFallback = () => { if (!fallback) fallback = setInterval(refresh, 5000); };
    const stopFallback = () => { if (fallback) { clearInterval(fallback); fallback = null; } };
    const close = () => {
      clearTimeout(retry);
      if (src) { src.close(); src = null; }
    };
    const open = async () => {
      if (opening) return;
      opening = true;
      close();
      let url = null;
      try { url = await streamUrl(); } catch (e) { console.warn("event stream", e); }
      opening = false;
      if (hidden) return;
      if (url === null) {
        startFallback();
        retry = setTimeout(open, 5000);
        return;
      }
      const s = new EventSource(url);
      src = s;
      s.addEventListener("tick", () => refresh());
      s.onerror = () => {
        startFallback();
        // The browser's own reconnect would present the spent ticket again and be refused, so
        // a new one is fetched; a plain stream refused for want of a token waits for one likewise.
        if (url !== STREAM || (needsToken && s.readyState === EventSource.CLOSED)) {
          s.close();
          if (src === s) { src = null; retry = setTimeout(open, 3000); }
        }
      };
      s.onopen = stopFallback;
    };
    // The stream opens once the first refresh has answered, so a site that needs a token is known
    // to before the stream is asked for: no refused stream beside the prompt (its 401 could reach
    // the console after the prompt was answered), and at 25,000 GPUs no tick queued behind a
    // first refresh that takes seconds.
    first.finally(() => { if (!src && !opening && !hidden) open(); });
    // The first stream of a tab without a token is refused; it reopens once a token is entered.
    tokenListeners.push(() => {
      if (!opening && !hidden && (!src || src.readyState === EventSource.CLOSED)) open();
    });
    // A page kept in the back-forward cache would keep its event stream open: after a few pages
    // the browser's six connections per host are all streams and the next page's data calls wait.
    window.addEventListener("pagehide", () => {
      hidden = true;
      close();
      stopFallback();
    });
    window.addEventListener("pageshow", e => {
      if (e.persisted) { hidden = false; open(); refresh(); }
    });
  }

  // Every page has <header id="top" data-range="yes|no">; the bar is built here, once.
  function header() {
    const top = document.getElementById("top");
    const brand = el("div", { class: "brand" });
    brand.append(el("a", { href: "/" }, "kilowatch"), el("span", { id: "site-name", class: "site" }));
    const navEl = el("nav", { id: "nav" });
    navEl.append(el("a", { href: "/" }, "Overview"));
    navEl.append(pickerBox(), el("a", { href: "/jobs.html" }, "Jobs"), el("a", { href: "/devices.html" }, "Devices"), el("a", { href: "/alerts.html" }, "Alerts"), el("a", { href: "/reports.html" }, "Reports"));
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

  // Steps per range: about 180 points per chart whatever the range, but never below the site's
  // minStepSeconds (twice its slowest poll interval): at a step as short as the poll interval, a
  // step that misses one jittered sample would draw as a gap or a dip on a healthy site.
  function step(range, minStepSeconds) {
    const s = { "15m": "5s", "1h": "20s", "6h": "2m", "24h": "8m", "7d": "1h" }[range] || "20s";
    return minStepSeconds && stepSeconds(s) < minStepSeconds ? minStepSeconds + "s" : s;
  }

  function stepSeconds(step) {
    const n = parseFloat(step);
    return n * ({ s: 1, m: 60, h: 3600 }[step.replace(/[\d.]/g, "")] || 1);
  }

  // The site's structure, fetched once per page: its summary (name, step floor, clusters and
  // their own devices, loops), a few kB where the whole document is half a megabyte at 25,000 GPUs.
  let siteInfo = null;
  function site() {
    if (!siteInfo) siteInfo = getJson("/api/site?view=summary").catch(e => { siteInfo = null; throw e; });
    return siteInfo;
  }

  function span(ms) {
    const m = Math.round(ms / 60000);
    if (m < 60) return m + " min";
    if (m < 48 * 60) return Math.round(m / 60) + " h";
    return Math.round(m / 1440) + " d";
  }

  // What an answer's interval (its "interval" object) covers, in words: "this hour so far",
  // "today so far", "last 24 h", or its dates; marked when the server aligned it.
  function windowLabel(iv) {
    if (!iv) return "";
    const from = Date.parse(iv.from);
    const to = Date.parse(iv.to);
    let text;
    if (iv.toIsNow) {
      const midnight = new Date(to);
      midnight.setHours(0, 0, 0, 0);
      const hour = new Date(to);
      hour.setMinutes(0, 0, 0);
      if (from === midnight.getTime()) text = "today so far";
      else if (from === hour.getTime()) text = "this hour so far";
      else text = "last " + span(to - from);
    } else {
      text = new Date(from).toLocaleString() + " – " + new Date(to).toLocaleString();
    }
    return iv.aligned ? text + " (aligned: " + iv.alignedWhy + ")" : text;
  }

  // The clusters are one search box with a list under it, not a link each: at 24 clusters links
  // wrapped the header onto a second line, at 100 they would fill a phone's screen. The list floats
  // over the page, so the header is as tall with 100 clusters as with one.
  const PICKER_MAX = 50;
  function pickerBox() {
    const box = el("div", { class: "picker" });
    const input = el("input", { id: "cluster-picker", type: "search", placeholder: "Cluster…", autocomplete: "off",
      spellcheck: "false", role: "combobox", "aria-label": "Go to cluster", "aria-autocomplete": "list",
      "aria-expanded": "false", "aria-controls": "cluster-list" });
    const list = el("ul", { id: "cluster-list", role: "listbox", "aria-label": "Clusters", hidden: "" });
    box.append(input, list);
    return box;
  }

  function picker(clusters) {
    const input = document.getElementById("cluster-picker");
    const list = document.getElementById("cluster-list");
    if (!input) return;
    let shown = [];
    let active = -1;
    const go = c => { location.href = "/cluster.html?id=" + encodeURIComponent(c.id); };
    const mark = i => {
      active = i;
      [...list.querySelectorAll("[role=option]")].forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", "cluster-option-" + i);
        list.children[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    };
    const close = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); mark(-1); };
    const open = () => {
      const q = input.value.trim().toLowerCase();
      const all = clusters.filter(c => !q || c.id.toLowerCase().includes(q) || (c.name || "").toLowerCase().includes(q));
      shown = all.slice(0, PICKER_MAX);
      const items = shown.map((c, i) => {
        const li = el("li", { id: "cluster-option-" + i, role: "option", "aria-selected": "false", "data-id": c.id },
          c.name && c.name !== c.id ? c.name + " (" + c.id + ")" : c.id);
        // mousedown, not click: a click would first blur the input, which closes the list.
        li.addEventListener("mousedown", ev => { ev.preventDefault(); go(c); });
        return li;
      });
      if (all.length === 0) items.push(el("li", { class: "picker-note" }, "no cluster matches"));
      else if (all.length > shown.length) items.push(el("li", { class: "picker-note" }, (all.length - shown.length) + " more: type to narrow"));
      list.replaceChildren(...items);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      mark(shown.length === 1 ? 0 : -1);
    };
    input.addEventListener("input", open);
    input.addEventListener("focus", open);
    // A click on the box that already has focus (the list closed with Escape) opens it again.
    input.addEventListener("click", () => { if (list.hidden) open(); });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", ev => {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        if (list.hidden) open();
        if (shown.length) mark(ev.key === "ArrowDown" ? (active + 1) % shown.length : (active <= 0 ? shown.length : active) - 1);
      } else if (ev.key === "Enter") {
        ev.preventDefault();
        // Enter takes the chosen cluster, or the first one that matches what was typed.
        const c = active >= 0 ? shown[active] : shown[0];
        if (c) go(c);
      } else if (ev.key === "Escape") {
        close();
      }
    });
  }

  async function nav() {
    const navEl = document.getElementById("nav");
    if (!navEl) return;
    try {
      const info = await site();
      document.getElementById("site-name").textContent = info.name;
      picker(info.clusters);
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
  return { getJson, authFetch, fmt, quantity, quantityIn, unitFor, scaledAxis, minutes, factorValue, factorText, gpuMargin, lowestMargin, ago, chart, timeChart, legend, grid, valueAxis,
    withGaps, gapTooltip, param, el, live, health, step, stepSeconds, site, windowLabel };
})();
