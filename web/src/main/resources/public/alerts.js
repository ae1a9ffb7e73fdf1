// Firing, pending and silenced alerts, the silences and the history of state changes.
"use strict";

// The labels that say where: the most specific first, then the rest of the identity.
function where(labels) {
  return ["cluster", "rack", "device", "gpu", "phase"].filter(k => labels[k]).map(k => k + "=" + labels[k]).join(" ");
}

function link(a) {
  const td = kw.el("td");
  const href = a.annotations && a.annotations.dashboard;
  td.append(href ? kw.el("a", { href: href }, a.rule) : document.createTextNode(a.rule));
  return td;
}

function alertRow(a, now) {
  const tr = kw.el("tr");
  const since = a.firedAt || a.activeSince;
  tr.append(link(a),
    kw.el("td", { class: "sev-" + (a.labels.severity || "none") }, a.labels.severity || ""),
    kw.el("td", {}, where(a.labels)),
    kw.el("td", {}, kw.fmt(a.value, 2)),
    kw.el("td", {}, (a.annotations && a.annotations.summary) || ""),
    kw.el("td", {}, since ? kw.ago(now - Date.parse(since)) : ""));
  return tr;
}

function fill(id, rows, empty, cols) {
  const body = document.querySelector("#" + id + " tbody");
  if (rows.length === 0) {
    const tr = kw.el("tr");
    tr.append(kw.el("td", { colspan: String(cols), class: "muted" }, empty));
    body.replaceChildren(tr);
  } else {
    body.replaceChildren(...rows);
  }
}

async function refresh() {
  try {
    const [a, silences] = await Promise.all([kw.getJson("/api/alerts"), kw.getJson("/api/silences")]);
    const now = Date.now();
    const silenced = a.alerts.filter(x => x.silencedBy.length > 0);
    const loud = a.alerts.filter(x => x.silencedBy.length === 0);
    fill("firing", loud.filter(x => x.state === "FIRING").map(x => alertRow(x, now)), "nothing firing", 6);
    fill("pending", loud.filter(x => x.state === "PENDING").map(x => alertRow(x, now)), "nothing pending", 6);
    fill("silenced", silenced.map(x => alertRow(x, now)), "nothing silenced", 6);
    fill("silences", silences.map(s => {
      const tr = kw.el("tr");
      tr.append(kw.el("td", {}, s.state),
        kw.el("td", {}, s.matchers.map(m => m.name + (m.isEqual ? (m.isRegex ? "=~" : "=") : (m.isRegex ? "!~" : "!=")) + m.value).join(", ")),
        kw.el("td", {}, new Date(s.endsAt).toLocaleString()),
        kw.el("td", {}, s.createdBy || ""),
        kw.el("td", {}, s.comment || ""));
      return tr;
    }), "no silences (POST /api/silences with an operator token)", 5);
    fill("history", a.history.slice(0, 100).map(e => {
      const tr = kw.el("tr");
      tr.append(kw.el("td", {}, new Date(e.time).toLocaleString()),
        kw.el("td", {}, e.rule),
        kw.el("td", {}, where(e.labels)),
        kw.el("td", {}, e.from.toLowerCase() + " → " + e.to.toLowerCase()),
        kw.el("td", {}, kw.fmt(e.value, 2)));
      return tr;
    }), "no state changes yet", 5);
    document.getElementById("alerts-meta").textContent =
      a.rules.length + " rules evaluated · " + a.outbox + " notifications waiting for delivery";
  } catch (e) {
    console.warn("refresh failed", e);
  }
}

window.addEventListener("DOMContentLoaded", () => kw.live(refresh));
