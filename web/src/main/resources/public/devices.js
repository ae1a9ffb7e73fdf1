// Every device with its poll status; a row links to the device page.
"use strict";

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

async function refresh() {
  try {
    const devices = await kw.getJson("/api/devices");
    const body = document.querySelector("#devices tbody");
    const now = Date.now();
    body.replaceChildren(...devices.map(d => {
      const tr = kw.el("tr");
      const link = kw.el("td");
      link.append(kw.el("a", { href: "/device.html?id=" + encodeURIComponent(d.deviceId) }, d.deviceId));
      const state = d.state.toLowerCase();
      tr.append(link,
        kw.el("td", {}, d.kind),
        kw.el("td", { class: "state-" + state }, state),
        kw.el("td", {}, d.lastSuccess ? kw.ago(now - Date.parse(d.lastSuccess)) : "never"),
        kw.el("td", {}, d.lastRoundTrip ? durationMs(d.lastRoundTrip).toFixed(0) + " ms" : "–"),
        kw.el("td", {}, String(d.consecutiveFailures)),
        kw.el("td", {}, d.lastError || ""),
        // Points the device refused or could not decode in its last poll, with the first reason.
        kw.el("td", { class: badCount(d) ? "quality-bad" : "" }, badText(d)));
      return tr;
    }));
  } catch (e) {
    console.warn("refresh failed", e);
  }
}

window.addEventListener("DOMContentLoaded", () => kw.live(refresh));
