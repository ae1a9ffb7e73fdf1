// The Reports page: asks /api/reports for a file and offers it as a download.
"use strict";

function isoDate(d) { return d.toISOString().slice(0, 10); }

// Default: the previous calendar month.
function defaults(form) {
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const prev = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  form.from.value = isoDate(prev);
  form.to.value = isoDate(first);
}

async function clusters(select) {
  try {
    const site = await kw.getJson("/api/site");
    for (const c of site.clusters || []) select.append(kw.el("option", { value: c.id }, c.name || c.id));
  } catch (e) { /* the form still works for the whole site */ }
}

// Reads the answer chunk by chunk so the page shows the bytes as they arrive.
async function fetchReport(url, status) {
  const started = Date.now();
  const timer = setInterval(() => {
    status.textContent = "computing… " + Math.round((Date.now() - started) / 1000) + " s";
  }, 500);
  try {
    const r = await fetch(url);
    if (!r.ok) {
      let msg = "HTTP " + r.status;
      try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
      throw new Error(msg);
    }
    clearInterval(timer);
    const reader = r.body.getReader();
    const chunks = [];
    let got = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      got += value.length;
      status.textContent = "receiving… " + Math.round(got / 1024) + " KiB";
    }
    const name = /filename="([^"]+)"/.exec(r.headers.get("Content-Disposition") || "");
    return {
      blob: new Blob(chunks, { type: r.headers.get("Content-Type") || "application/octet-stream" }),
      name: name ? name[1] : "kilowatch-report",
      hash: r.headers.get("X-Report-Input-Sha256"),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    clearInterval(timer);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("report-form");
  const progress = document.getElementById("report-progress");
  const status = document.getElementById("report-status");
  const result = document.getElementById("report-result");
  defaults(form);
  clusters(form.cluster);
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const q = new URLSearchParams({ from: form.from.value, to: form.to.value, format: form.format.value });
    if (form.cluster.value) q.set("cluster", form.cluster.value);
    form.querySelector("button").disabled = true;
    progress.hidden = false;
    result.replaceChildren();
    try {
      const rep = await fetchReport("/api/reports?" + q, status);
      const a = kw.el("a", { href: URL.createObjectURL(rep.blob), download: rep.name }, "Download " + rep.name);
      result.append(a, kw.el("span", {}, " (" + Math.round(rep.blob.size / 1024) + " KiB, "
        + kw.fmt(rep.seconds, 1) + " s; input SHA-256 " + (rep.hash || "–") + ")"));
    } catch (e) {
      result.append(kw.el("span", { class: "error" }, "Report failed: " + e.message));
    } finally {
      progress.hidden = true;
      form.querySelector("button").disabled = false;
    }
  });
});
