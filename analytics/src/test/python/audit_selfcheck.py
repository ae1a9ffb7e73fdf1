#!/usr/bin/env python3
"""Hand-style sanity checks of DIR/expected.json against the raw files, by other routes.

    python3 audit_selfcheck.py DIR

Each check recomputes one figure straight from month.lp.gz / intensity.csv / events.json (simple
means, counter values interpolated at hour edges, ...) and compares it with expected.json.
Exits non-zero when a check fails.
"""
import gzip
import json
import os
import sys
from datetime import datetime, timezone

H = 3_600_000
W = 4294967.296


def ms(s):
    s = s.replace("Z", "+00:00")
    return int(round(datetime.fromisoformat(s).timestamp() * 1000))


def main():
    d = sys.argv[1]
    x = json.load(open(os.path.join(d, "expected.json")))
    ev = json.load(open(os.path.join(d, "events.json")))["events"]
    site = json.load(open(os.path.join(d, "site.json")))
    hours = {h["start"]: h for h in x["steps"]["hour"]}
    counter, power = [], {}
    with gzip.open(os.path.join(d, "month.lp.gz"), "rt") as f:
        for line in f:
            head, fields, ts = line.split()
            m = head.split("=")[1]
            t = int(ts) // 1_000_000
            kv = dict(p.split("=") for p in fields.split(","))
            if "energy_kwh" in kv:
                counter.append((t, float(kv["energy_kwh"])))
            if "power_w" in kv:
                power.setdefault(m, []).append((t, float(kv["power_w"]) / 1000))
    counter.sort()
    ci = {}
    for line in open(os.path.join(d, "intensity.csv")).read().split("\n")[1:]:
        if line:
            a, b = line.split(",")
            ci[ms(a)] = float(b)

    def c_at(t):  # straight line between the neighbouring counter readings
        for (t0, c0), (t1, c1) in zip(counter, counter[1:]):
            if t0 <= t < t1:
                return c0 + (c1 - c0) * (t - t0) / (t1 - t0)

    fails = []

    def check(name, got, want, tol):
        ok = abs(got - want) <= tol
        print("%-4s %-70s expected.json=%.6f  by-hand=%.6f  diff=%.3g" % ("ok" if ok else "FAIL", name, got, want, got - want))
        if not ok:
            fails.append(name)

    # 1. a quiet hour: counter difference at the edges, and mean power x 1 h
    q = "2026-10-02T10:00:00Z"
    a = ms(q)
    check("quiet hour %s facility = c(end)-c(start)" % q, hours[q]["energy_kwh"]["facility"], c_at(a + H) - c_at(a), 1e-6)
    pf = [p for t, p in power["fac"] if a <= t < a + H]
    check("quiet hour facility ~ mean(fac power) x 1h (1%)", hours[q]["energy_kwh"]["facility"], sum(pf) / len(pf), 0.01 * sum(pf) / len(pf))
    it = sum(sum(p for t, p in power[m] if a <= t < a + H) / sum(1 for t, p in power[m] if a <= t < a + H) for m in ("it_c1a", "it_c1b", "it_c2"))
    check("quiet hour IT ~ sum of mean IT powers x 1h (0.5%)", hours[q]["energy_kwh"]["it"], it, 0.005 * it)
    check("quiet hour T coverage", hours[q]["coverage"]["T"], 1.0, 1e-12)

    # exact trapezoid sum for one power meter over the quiet hour (edges interpolated, R0/R2)
    pts = power["it_c1a"]
    i0 = max(k for k, (t, p) in enumerate(pts) if t < a)
    i1 = min(k for k, (t, p) in enumerate(pts) if t > a + H)
    def lin(k, t):
        (ta, pa), (tb, pb) = pts[k], pts[k + 1]
        return pa + (pb - pa) * (t - ta) / (tb - ta)
    seq = [(a, lin(i0, a))] + pts[i0 + 1:i1] + [(a + H, lin(i1 - 1, a + H))]
    trap = sum((p0 + p1) / 2 * (t1 - t0) / H for (t0, p0), (t1, p1) in zip(seq, seq[1:]))
    check("quiet hour it_c1a = trapezoids with interpolated edges", hours[q]["meter_kwh"]["it_c1a"], trap, 1e-9)
    # per-cluster share of the quiet hour (T = whole hour, so E(T) = own energy)
    mk = hours[q]["meter_kwh"]
    eit = mk["it_c1a"] + mk["it_c1b"] + mk["it_c2"]
    o = mk["fac"] - eit - mk["cdu_c1"]
    c1 = mk["it_c1a"] + mk["it_c1b"] + mk["cdu_c1"] + o * (mk["it_c1a"] + mk["it_c1b"]) / eit
    c2 = mk["it_c2"] + o * mk["it_c2"] / eit
    check("quiet hour share c1 = IT_c1 + cdu_c1 + O x IT_c1/IT", hours[q]["clusters"]["c1"]["share_kwh"], c1, 1e-9)
    check("quiet hour PUE c2 = share_c2 / IT_c2", hours[q]["clusters"]["c2"]["pue"], c2 / mk["it_c2"], 1e-12)
    check("quiet hour CUE location = E_fac x CI/1000 / E_IT", hours[q]["cue"]["location"], mk["fac"] * ci[a] / 1000 / eit, 1e-12)

    # 2. the wrap hour: W - c(start) + c(end)
    wr = [e for e in ev if e["kind"] == "wrap"][0]
    a = ms(wr["t0"]) // H * H
    hs = datetime.fromtimestamp(a / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    check("wrap hour %s facility = W - c(start) + c(end)" % hs, hours[hs]["energy_kwh"]["facility"], W - c_at(a) + c_at(a + H), 1e-6)

    fh = [h for h in x["steps"]["hour"] if h["pue"]["status"] == "BELOW_ONE"]
    check("BELOW_ONE hours (the flat stretch's first hour)", len(fh), 1, 0)
    fl = [e for e in ev if e["kind"] == "flat_counter"][0]
    check("BELOW_ONE hour is the hour before the flat stretch's hour edge", ms(fh[0]["end"]), ms(fl["hour_edge"]), 0)

    # 3. counter gap: an hour wholly inside gets (c1-c0) x 3600/gap
    g = [e for e in ev if e["kind"] == "counter_gap"][0]
    t0, t1 = ms(g["t0"]), ms(g["t1"])
    a = (t0 // H + 1) * H
    hs = datetime.fromtimestamp(a / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    check("counter-gap hour %s = (c1-c0) x 1h / 5h13m" % hs, hours[hs]["energy_kwh"]["facility"], (g["c1"] - g["c0"]) * H / (t1 - t0), 1e-6)

    # 4. meter swap hour: counter before + trapezoid fill + counter after
    for kind, fill_rule in (("meter_swap", "trap"), ("reset_power_missing", "c1"), ("reset_power_interpolated", "trap")):
        s = [e for e in ev if e["kind"] == kind][0]
        t0, t1 = ms(s["t0"]), ms(s["t1"])
        a = t0 // H * H
        b = (t1 // H + 1) * H            # the hour(s) holding the interval
        if fill_rule == "c1":
            fill = s["c1"]
        else:
            p0 = dict(power["fac"])[t0]
            pts = power["fac"]
            if t1 in dict(pts):
                p1 = dict(pts)[t1]
            else:
                i = max(k for k, (t, p) in enumerate(pts) if t < t1)
                (ta, pa), (tb, pb) = pts[i], pts[i + 1]
                p1 = pa + (pb - pa) * (t1 - ta) / (tb - ta)
            fill = (p0 + p1) / 2 * (t1 - t0) / H
        by_hand = (s["c0"] - c_at(a)) + fill + (c_at(b) - s["c1"])
        hs = datetime.fromtimestamp(a / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        got = sum(h["energy_kwh"]["facility"] for h in x["steps"]["hour"] if a <= ms(h["start"]) < b)
        check("%s hour(s) from %s = (c0-c(start)) + fill[%s] + (c(end)-c1)" % (kind, hs, fill_rule), got, by_hand, 1e-6)

    # 5. power gap 20 min across an hour edge: it_c1b known time in the two hours
    g = [e for e in ev if e["kind"] == "power_gap" and e["label"].startswith("20 min")][0]
    t0, t1 = ms(g["t0"]), ms(g["t1"])
    a = t0 // H * H
    for h0 in (a, a + H):
        hs = datetime.fromtimestamp(h0 / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        unknown = max(0, min(t1, h0 + H) - max(t0, h0))
        check("20-min it_c1b gap: T coverage of %s" % hs, hours[hs]["coverage"]["T"], 1 - unknown / H, 1e-12)

    # 6. steps: days, sums
    days = x["steps"]["day"]
    check("number of day steps", len(days), 31, 0)
    check("first day hours (cut at period start)", days[0]["hours"], 22, 0)
    d25 = [dd for dd in days if dd["local_date"] == "2026-10-25"][0]
    check("2026-10-25 (DST) hours", d25["hours"], 25, 0)
    check("last day (2026-10-31, cut) hours", days[-1]["hours"], 1, 0)
    w = x["steps"]["whole"][0]
    for key in ("facility", "it", "cooling"):
        check("whole %s = sum of hours" % key, w["energy_kwh"][key], sum(h["energy_kwh"][key] for h in x["steps"]["hour"]), 1e-6)
        check("whole %s = sum of days" % key, w["energy_kwh"][key], sum(h["energy_kwh"][key] for h in days), 1e-6)
    check("whole location kg = sum of hours", w["carbon"]["location_kg"], sum(h["carbon"]["location_kg"] for h in x["steps"]["hour"]), 1e-6)
    check("whole market kg = sum of hours", w["carbon"]["market_kg"], sum(h["carbon"]["market_kg"] for h in x["steps"]["hour"]), 1e-6)
    check("whole cluster shares sum = E_facility(T)", sum(c["share_kwh"] for c in w["clusters"].values()), w["pue"]["e_facility_T_kwh"], 1e-6)
    check("whole facility = fac counter, c_last-c_first + W + fills - c1s (drops)",
          w["energy_kwh"]["facility"],
          c_at(ms(x["period"]["to"])) - c_at(ms(x["period"]["from"])) + W
          + sum(r["fill_kwh"] - r["c1"] + r["c0"] for r in x["meters"]["fac"]["resets"]), 1e-5)

    # 7. carbon of one hour by hand
    q = "2026-10-02T10:00:00Z"
    e = hours[q]["energy_kwh"]["facility"]
    check("location kg of %s = E x CI / 1000" % q, hours[q]["carbon"]["location_kg"], e * ci[ms(q)] / 1000, 1e-9)
    tot = sum(h["energy_kwh"]["facility"] for h in x["steps"]["hour"])
    goo = 300_000 * 720 / 745 * e / tot
    check("market kg of %s = (E - 500 - goo share) x 0.42 (whole-period allocation)" % q,
          hours[q]["carbon"]["market_kg"], (e - 500 - goo) * 0.420, 1e-9)
    check("same hour as its own period: (E - 500 - 300000/745) x 0.42",
          hours[q]["carbon"]["market_kg_if_step_is_its_own_period"], (e - 500 - 300_000 / 745) * 0.420, 1e-9)
    miss = [h for h in x["steps"]["hour"] if h["carbon"]["hours_with_intensity"] == 0]
    check("hours without intensity", len(miss), 2, 0)
    check("whole emissions coverage = 718/720", w["carbon"]["emissions_coverage"], 718 / 720, 1e-12)
    check("whole market kg ~ (E_ci - 500 x 718 - goo over ci hours) x 0.42",
          w["carbon"]["market_kg"],
          (w["carbon"]["facility_kwh_in_hours_with_intensity"] - 500 * 718
           - 300_000 * 720 / 745 * w["carbon"]["facility_kwh_in_hours_with_intensity"] / tot) * 0.42, 1e-6)
    print("%d checks failed" % len(fails))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
