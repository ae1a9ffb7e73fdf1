// One device: its poll status, the latest value of each of its points with quality and age, and
// the history of one chosen field.
"use strict";

const id = kw.param("id");

async function refresh() {
  const range = document.getElementById("range").value;
  try {
    // This device alone (its status, place, source and interval), not every device's status and
    // the whole site to find it in: both are megabytes on a big site.
    const [status, listed] = await Promise.all([
      kw.getJson("/api/devices/" + encodeURIComponent(id)).catch(() => null),
      kw.getJson("/api/series?tags=device:" + encodeURIComponent(id)),
    ]);
    const info = status;
    document.getElementById("title").textContent = id + (info ? " · " + info.kind : "");
    const rows = [
      ["Location", info ? [info.cluster, info.rack].filter(Boolean).join(" / ") || "facility" : "unknown device"],
      ["Source", info ? info.source + ", every " + info.intervalSeconds + " s" : "–"],
      // A device of the site that another collector polls has no poll state here.
      ["State", !status ? "–" : status.state ? status.state.toLowerCase() : "not polled by this instance"],
      ["Last success", status && status.lastSuccess ? kw.ago(Date.now() - Date.parse(status.lastSuccess)) : status && status.state ? "never" : "–"],
      ["Consecutive failures", status && status.state ? String(status.consecutiveFailures) : "–"],
      ["Last error", status && status.lastError ? status.lastError : "none"],
      // Why points are not good: the collector's reason per point (a refused register, an unknown node).
      ["Bad points", badPoints(status)],
      // What the device's own declarations contradict in the configuration (OPC UA EngineeringUnits).
      ["Unit warnings", status && status.unitWarnings && status.unitWarnings.length ? status.unitWarnings.join("; ") : "none"],
    ];
    document.querySelector("#status tbody").replaceChildren(...rows.map(([k, v]) => {
      const tr = kw.el("tr");
      tr.append(kw.el("th", {}, k), kw.el("td", {}, v));
      return tr;
    }));

    const measurements = [...new Set(listed.series.map(s => s.measurement))];
    const latest = (await Promise.all(measurements.map(m =>
      kw.getJson("/api/latest?measurement=" + encodeURIComponent(m) + "&tags=device:" + encodeURIComponent(id)))))
      .flatMap(r => r.series);
    const interval = info ? info.intervalSeconds : 10;
    document.querySelector("#points tbody").replaceChildren(...latest.map(s => {
      const tags = Object.entries(s.tags).filter(([k]) => !["site", "cluster", "rack", "device"].includes(k)).map(([k, v]) => k + "=" + v).join(", ");
      // The API marks a value of a device that is down (or too old) stale and says why.
      const stale = s.quality === "stale" || s.ageSeconds > 3 * interval;
      const tr = kw.el("tr", { class: stale ? "stale-row" : "" });
      tr.append(kw.el("td", {}, s.measurement), kw.el("td", {}, s.field), kw.el("td", {}, tags),
        // A state point shows its state's name; every value shows the unit its series declares.
        kw.el("td", {}, s.state ? s.state : kw.fmt(s.value, 3) + (s.unit && s.unit !== "1" ? " " + s.unit : "")),
        kw.el("td", { class: "quality-" + s.quality }, s.quality),
        kw.el("td", {}, (stale ? "stale · " : "") + kw.ago(s.ageSeconds * 1000)),
        kw.el("td", { class: "reason" }, s.reason || ""));
      return tr;
    }));

    const select = document.getElementById("field");
    const keys = latest.map(s => s.measurement + "|" + s.field + "|" + JSON.stringify(s.tags));
    if (select.options.length !== keys.length) {
      select.replaceChildren(...latest.map((s, i) => kw.el("option", { value: keys[i] },
        s.measurement + " · " + s.field + (Object.keys(s.tags).length > 4 ? " (" + Object.entries(s.tags).filter(([k]) => !["site", "cluster", "rack", "device"].includes(k)).map(([k, v]) => k + "=" + v).join(",") + ")" : ""))));
      select.onchange = refresh;
    }
    if (select.value) {
      const [m, f, t] = select.value.split("|");
      const tags = Object.entries(JSON.parse(t)).map(([k, v]) => k + ":" + v).join(",");
      const step = kw.step(range);
      const q = await kw.getJson("/api/query?measurement=" + encodeURIComponent(m) + "&field=" + encodeURIComponent(f) +
        "&tags=" + encodeURIComponent(tags) + "&from=-" + range + "&step=" + step + "&aggregate=mean");
      const exact = q.series.filter(s => JSON.stringify(s.tags) === t);
      // The axis names the unit the API says the series is in, never one read from the field name.
      const unit = exact.length && exact[0].unit && exact[0].unit !== "1" ? exact[0].unit : "";
      kw.timeChart("chart-field", unit, exact.map(s => ({ name: f, data: kw.withGaps(s.points, q.stepSeconds ? q.stepSeconds * 1000 : parseStep(step)) })));
    }
  } catch (e) {
    console.warn("refresh failed", e);
  }
}

// "name: reason" for every profile point that is not good, or "none".
function badPoints(status) {
  if (!status || !status.points) return "–";
  const bad = status.points.filter(p => p.state && p.state !== "good" && p.state !== "unknown" && p.reason);
  if (status.state === "DOWN") return bad.length ? "all stale: device down" : "none";
  return bad.length ? bad.map(p => p.name + ": " + p.reason).join("; ") : "none";
}

function parseStep(s) {
  const n = parseFloat(s);
  return n * ({ s: 1000, m: 60000, h: 3600000 }[s.replace(/[\d.]/g, "")] || 1000);
}

window.addEventListener("DOMContentLoaded", () => kw.live(refresh, document.getElementById("range")));
