// The Reports page: makes a report as a job (/api/reports/jobs), shows its progress and offers
// the file as a download.
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
    const site = await kw.site();
    for (const c of site.clusters || []) select.append(kw.el("option", { value: c.id }, c.name || c.id));
  } catch (e) { /* the form still works for the whole site */ }
}

async function errorOf(r) {
  let msg = "HTTP " + r.status;
  try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
  return new Error(msg);
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// Starts a report job, follows its progress (step k of n: each month, then the whole period and
// the input hash) on the bar, then fetches the finished file.
async function makeReport(query, bar, status) {
  const started = Date.now();
  const created = await kw.authFetch("/api/reports/jobs?" + query, { method: "POST" });
  if (!created.ok) throw await errorOf(created);
  let job = await created.json();
  const url = "/api/reports/jobs/" + encodeURIComponent(job.id);
  while (job.state === "running") {
    if (job.total > 0) {
      bar.max = job.total;
      bar.value = job.done;
    }
    status.textContent = job.phase + " (" + job.done + " of " + (job.total || "?") + ", "
      + Math.round((Date.now() - started) / 1000) + " s)";
    await sleep(400);
    const r = await kw.authFetch(url);
    if (!r.ok) throw await errorOf(r);
    job = await r.json();
  }
  if (job.state !== "done") throw new Error(job.error || job.state);
  bar.max = job.total;
  bar.value = job.total;
  status.textContent = "downloading…";
  const r = await kw.authFetch(job.file);
  if (!r.ok) throw await errorOf(r);
  return {
    blob: await r.blob(),
    name: job.fileName,
    hash: job.inputSha256,
    seconds: (Date.now() - started) / 1000,
  };
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
      const bar = progress.querySelector("progress");
      bar.removeAttribute("value");
      const rep = await makeReport(q, bar, status);
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
