#!/usr/bin/env python3
"""Independent reference computation of kilowatch's energy / PUE / carbon rules (R0-R5).

    python3 audit_expected.py DIR

Reads DIR/month.lp.gz, DIR/site.json and the intensity file it names; writes DIR/expected.json.
Standard library only. Computed from the rule text alone (see README.md for the rules and for the
interpretations taken where they are ambiguous).

Method: every reading time of every primary series and every UTC hour edge of the period is a
breakpoint. Between two neighbouring breakpoints ("segment") every series lies inside one single
interval between two of its readings (or outside its readings), so its known/unknown state is
constant and its energy is the exact integral of its rule (counter: even spread; power: the straight
line). Segments are summed into UTC hours; every step (whole, Paris day, UTC hour) is a union of
whole UTC hours of the period, so steps are sums of hours. No sampling, no grid.
"""
import bisect
import gzip
import json
import os
import sys
from collections import defaultdict
from datetime import datetime, timedelta, timezone

UTC = timezone.utc
H_MS = 3_600_000

try:
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover
    ZoneInfo = None


# ------------------------------------------------------------------------------------------ time
def parse_iso(s):
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(round(dt.timestamp() * 1000))


def iso(ms):
    dt = datetime.fromtimestamp(ms / 1000.0, tz=UTC)
    if ms % 1000:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _eu_offset_hours(ms):
    """Europe/Paris offset from UTC (EU rule), used when zoneinfo/tzdata is unavailable."""
    dt = datetime.fromtimestamp(ms / 1000.0, tz=UTC)

    def last_sunday_1utc(year, month):
        nd = datetime(year, month + 1, 1, tzinfo=UTC)
        d0 = nd - timedelta(days=1)
        return d0 - timedelta(days=(d0.weekday() - 6) % 7) + timedelta(hours=1)
    return 2 if last_sunday_1utc(dt.year, 3) <= dt < last_sunday_1utc(dt.year, 10) else 1


class Zone:
    def __init__(self, name):
        self.zi = None
        if ZoneInfo is not None:
            try:
                self.zi = ZoneInfo(name)
            except Exception:
                self.zi = None
        if self.zi is None and name != "Europe/Paris":
            raise SystemExit("no tz data for %s" % name)

    def local(self, ms):
        """Local wall-clock datetime (naive) of an instant."""
        if self.zi is not None:
            return datetime.fromtimestamp(ms / 1000.0, tz=UTC).astimezone(self.zi).replace(tzinfo=None)
        return datetime.fromtimestamp(ms / 1000.0, tz=UTC).replace(tzinfo=None) + timedelta(hours=_eu_offset_hours(ms))

    def start_of_local(self, y, m, d):
        """UTC ms of local midnight y-m-d (no midnight gap in Europe/Paris)."""
        if self.zi is not None:
            return int(datetime(y, m, d, tzinfo=self.zi).timestamp() * 1000)
        naive = datetime(y, m, d, tzinfo=UTC)
        guess = int((naive - timedelta(hours=2)).timestamp() * 1000)
        return int((naive - timedelta(hours=_eu_offset_hours(guess))).timestamp() * 1000)


# ------------------------------------------------------------------------------------------ input
def read_lp(path):
    """-> {meter: {"counter": [(t_ms, kWh)], "power": [(t_ms, kW)]}}"""
    out = defaultdict(lambda: {"counter": {}, "power": {}})
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            head, fields, ts = line.split(" ")
            parts = head.split(",")
            tags = dict(p.split("=", 1) for p in parts[1:])
            meter = tags["meter"]
            t_ms = int(ts) // 1_000_000
            for kv in fields.split(","):
                k, v = kv.split("=", 1)
                if v.endswith("i"):
                    v = v[:-1]
                if k == "energy_kwh":
                    out[meter]["counter"][t_ms] = float(v)
                elif k == "power_w":
                    out[meter]["power"][t_ms] = float(v) / 1000.0
    res = {}
    for m, d in out.items():
        res[m] = {k: sorted(v.items()) for k, v in d.items()}
    return res


def read_intensity(path):
    ci = {}
    with open(path) as f:
        header = f.readline()
        for line in f:
            line = line.strip()
            if not line:
                continue
            ts, v = line.split(",")[:2]
            if v.strip() == "":
                continue
            ci[parse_iso(ts)] = float(v)
    return ci


# ------------------------------------------------------------------------------------------ series
class PowerSeries:
    def __init__(self, pts, limit_ms):
        self.t = [p[0] for p in pts]
        self.v = [p[1] for p in pts]
        self.limit = limit_ms
        self.counter = False

    def p_at(self, t):
        """R1's p(t): the reading at t, else the line between the neighbours if <= limit apart."""
        i = bisect.bisect_left(self.t, t)
        if i < len(self.t) and self.t[i] == t:
            return self.v[i]
        if i == 0 or i == len(self.t):
            return None
        t0, t1 = self.t[i - 1], self.t[i]
        if t1 - t0 > self.limit:
            return None
        return self.v[i - 1] + (self.v[i] - self.v[i - 1]) * (t - t0) / (t1 - t0)

    def known(self, i):
        return self.t[i + 1] - self.t[i] <= self.limit

    def energy(self, i, a, b):
        """kWh of interval i on [a, b]: integral of the straight line."""
        t0, t1, v0, v1 = self.t[i], self.t[i + 1], self.v[i], self.v[i + 1]
        pa = v0 + (v1 - v0) * (a - t0) / (t1 - t0)
        pb = v0 + (v1 - v0) * (b - t0) / (t1 - t0)
        return (pa + pb) / 2.0 * (b - a) / H_MS


class CounterSeries:
    def __init__(self, pts, width, power, limit_ms):
        self.t = [p[0] for p in pts]
        self.c = [p[1] for p in pts]
        self.counter = True
        self.e = []
        self.kind = []
        self.detail = []
        for i in range(len(pts) - 1):
            t0, t1, c0, c1 = self.t[i], self.t[i + 1], self.c[i], self.c[i + 1]
            if c1 >= c0:
                self.e.append(c1 - c0)
                self.kind.append("up")
                self.detail.append(None)
            elif width is not None and c0 >= 0.9 * width and c1 < 0.1 * width:
                self.e.append(width - c0 + c1)
                self.kind.append("wrap")
                self.detail.append({"t0": iso(t0), "t1": iso(t1), "c0": c0, "c1": c1, "energy_kwh": width - c0 + c1})
            else:
                p0 = power.p_at(t0) if power is not None else None
                p1 = power.p_at(t1) if power is not None else None
                if p0 is not None and p1 is not None and t1 - t0 <= limit_ms:
                    e = (p0 + p1) / 2.0 * (t1 - t0) / H_MS
                    rule = "power_trapezoid"
                else:
                    e = c1
                    rule = "c1"
                self.e.append(e)
                self.kind.append("reset")
                self.detail.append({"t0": iso(t0), "t1": iso(t1), "c0": c0, "c1": c1, "p_t0_kw": p0, "p_t1_kw": p1,
                                    "rule": rule, "fill_kwh": e})

    def known(self, i):
        return True  # counterGapLimit: none

    def energy(self, i, a, b):
        return self.e[i] * (b - a) / (self.t[i + 1] - self.t[i])


# ------------------------------------------------------------------------------------------ main
def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: audit_expected.py DIR")
    d = sys.argv[1]
    site = json.load(open(os.path.join(d, "site.json")))
    zone = Zone(site.get("timezone", "Europe/Paris"))
    FROM = parse_iso(site["period"]["from"])
    TO = parse_iso(site["period"]["to"])
    assert (TO - FROM) % H_MS == 0 and FROM % H_MS == 0
    NH = (TO - FROM) // H_MS
    limit = int(site["powerGapLimitS"] * 1000)
    thr = float(site["coverageThreshold"])
    data = read_lp(os.path.join(d, "month.lp.gz"))
    ci = read_intensity(os.path.join(d, site["intensity"]["file"]))

    meters = site["meters"]
    names = [m["name"] for m in meters]
    series = {}
    power_of = {}
    for m in meters:
        raw = data.get(m["name"], {"counter": [], "power": []})
        pw = PowerSeries(raw.get("power", []), limit)
        power_of[m["name"]] = pw
        if m.get("counter") and raw.get("counter"):
            series[m["name"]] = CounterSeries(raw["counter"], m["counter"].get("widthKwh"), pw, limit)
        else:
            series[m["name"]] = pw

    fac_names = [m["name"] for m in meters if m["kind"] == "facility"]
    it_names = [m["name"] for m in meters if m["kind"] == "it"]
    cool_names = [m["name"] for m in meters if m["kind"] == "cooling"]
    clusters = site["clusters"]
    it_of = {c: [m["name"] for m in meters if m["kind"] == "it" and m.get("cluster") == c] for c in clusters}
    cool_of = {c: [m["name"] for m in meters if m["kind"] == "cooling" and m.get("serves") == c] for c in clusters}
    groups = {"facility": fac_names, "it": it_names, "cooling": cool_names}
    for c in clusters:
        groups["it_" + c] = it_of[c]
        if cool_of[c]:
            groups["cooling_" + c] = cool_of[c]

    S = len(names)
    sidx = {n: k for k, n in enumerate(names)}
    gidx = {g: [sidx[n] for n in ns] for g, ns in groups.items()}
    fac_i = [sidx[n] for n in fac_names]
    it_i = [sidx[n] for n in it_names]

    # ---- breakpoints
    bps = set(range(FROM, TO + 1, H_MS))
    for n in names:
        for t in series[n].t:
            if FROM < t < TO:
                bps.add(t)
    bps = sorted(bps)

    # ---- per-hour accumulators
    known_ms = [[0] * NH for _ in range(S)]
    e_own = [[0.0] * NH for _ in range(S)]
    e_T = [[0.0] * NH for _ in range(S)]
    gknown = {g: [0] * NH for g in groups}
    T_ms = [0] * NH

    st_t = [series[n].t for n in names]
    st_n = [len(x) for x in st_t]
    ptr = [bisect.bisect_right(st_t[k], bps[0]) - 1 for k in range(S)]
    objs = [series[n] for n in names]
    kn = [False] * S
    en = [0.0] * S
    for a, b in zip(bps, bps[1:]):
        h = (a - FROM) // H_MS
        dur = b - a
        for k in range(S):
            ts = st_t[k]
            p = ptr[k]
            n = st_n[k]
            while p + 1 < n and ts[p + 1] <= a:
                p += 1
            ptr[k] = p
            if p < 0 or p + 1 >= n:
                kn[k] = False
                en[k] = 0.0
                continue
            o = objs[k]
            if o.known(p):
                kn[k] = True
                e = o.energy(p, a, b)
                en[k] = e
                known_ms[k][h] += dur
                e_own[k][h] += e
            else:
                kn[k] = False
                en[k] = 0.0
        for g, ix in gidx.items():
            if all(kn[k] for k in ix):
                gknown[g][h] += dur
        if all(kn[k] for k in fac_i) and all(kn[k] for k in it_i):
            T_ms[h] += dur
            for k in range(S):
                e_T[k][h] += en[k]

    # ---- hourly derived figures
    hour_start = [FROM + h * H_MS for h in range(NH)]
    def gsum(arr, ns, h):
        return sum(arr[sidx[n]][h] for n in ns)

    E_fac = [gsum(e_own, fac_names, h) for h in range(NH)]
    E_it = [gsum(e_own, it_names, h) for h in range(NH)]
    E_cool = [gsum(e_own, cool_names, h) for h in range(NH)]
    EfT = [gsum(e_T, fac_names, h) for h in range(NH)]
    EiT = [gsum(e_T, it_names, h) for h in range(NH)]
    EicT = {c: [gsum(e_T, it_of[c], h) for h in range(NH)] for c in clusters}
    EccT = {c: [float(gsum(e_T, cool_of[c], h)) for h in range(NH)] for c in clusters}
    share = {c: [0.0] * NH for c in clusters}
    for h in range(NH):
        O = EfT[h] - EiT[h] - sum(EccT[c][h] for c in clusters)
        for c in clusters:
            s = EicT[c][h] + EccT[c][h]
            if EiT[h] != 0:
                s += O * EicT[c][h] / EiT[h]
            share[c][h] = s
    fac_known_ms = gknown["facility"]
    ci_h = [ci.get(hour_start[h]) for h in range(NH)]

    # ---- market-based: hourly instruments, then monthly ones pro rata
    mk = site["market"]
    residual = float(mk["residualMixGPerKwh"])
    insts = mk["instruments"]
    hourly = [i for i in insts if i["kind"] == "hourly"]
    monthly = [i for i in insts if i["kind"] == "monthly"]

    def month_bounds(inst):
        y, m = (int(x) for x in inst["month"].split("-"))
        s = zone.start_of_local(y, m, 1)
        e = zone.start_of_local(y + (m == 12), 1 if m == 12 else m + 1, 1)
        return s, e

    def market(hours):
        """Market allocation over a set of hours treated as one computation.
        -> per hour: (kg, {instrument: kWh used}, residual kWh)"""
        rem = {h: E_fac[h] for h in hours}
        used = {h: {} for h in hours}
        for inst in hourly:
            a, b = parse_iso(inst["from"]), parse_iso(inst["to"])
            vol = float(inst["mwh"]) * 1000.0
            for h in hours:
                if a <= hour_start[h] and hour_start[h] + H_MS <= b:
                    u = min(rem[h], vol)
                    u = max(u, 0.0)
                    used[h][inst["id"]] = used[h].get(inst["id"], 0.0) + u
                    rem[h] -= u
        for inst in monthly:
            ms, me = month_bounds(inst)
            in_m = [h for h in hours if ms <= hour_start[h] and hour_start[h] + H_MS <= me]
            hours_in_month = (me - ms) // H_MS
            avail = float(inst["mwh"]) * 1000.0 * len(in_m) / hours_in_month
            tot = sum(E_fac[h] for h in in_m)
            for h in in_m:
                alloc = avail * E_fac[h] / tot if tot > 0 else 0.0
                u = max(0.0, min(rem[h], alloc))
                used[h][inst["id"]] = used[h].get(inst["id"], 0.0) + u
                rem[h] -= u
        factor = {i["id"]: float(i["factorGPerKwh"]) for i in insts}
        out = {}
        for h in hours:
            kg = (sum(u * factor[i] for i, u in used[h].items()) + rem[h] * residual) / 1000.0
            out[h] = (kg, used[h], rem[h])
        return out

    mkt_whole = market(list(range(NH)))

    # ---- steps
    def steps_whole():
        return [(0, NH)]

    def steps_hour():
        return [(h, h + 1) for h in range(NH)]

    def steps_day():
        out = []
        cur = None
        for h in range(NH):
            ld = zone.local(hour_start[h]).date()
            if cur is None or ld != cur[2]:
                if cur is not None:
                    out.append((cur[0], h))
                cur = (h, None, ld)
        out.append((cur[0], NH))
        return out

    def ratio(a, b):
        return a / b if b else None

    def step_figures(h0, h1):
        hs = range(h0, h1)
        span = (h1 - h0) * H_MS
        r = {"start": iso(hour_start[h0]), "end": iso(hour_start[h0] + (h1 - h0) * H_MS), "hours": h1 - h0}
        ef = sum(E_fac[h] for h in hs)
        ei = sum(E_it[h] for h in hs)
        ec = sum(E_cool[h] for h in hs)
        r["energy_kwh"] = {"facility": ef, "it": ei, "cooling": ec}
        r["meter_kwh"] = {n: sum(e_own[sidx[n]][h] for h in hs) for n in names}
        r["coverage"] = {g: sum(gknown[g][h] for h in hs) / span for g in groups}
        tms = sum(T_ms[h] for h in hs)
        r["coverage"]["T"] = tms / span
        eft = sum(EfT[h] for h in hs)
        eit = sum(EiT[h] for h in hs)
        fk = sum(fac_known_ms[h] for h in hs)
        if fk == 0:
            status = "NO_DATA"
        elif eit <= 0:
            status = "NO_IT_ENERGY"
        elif tms / span < thr:
            status = "LOW_COVERAGE"
        elif eft / eit < 1:
            status = "BELOW_ONE"
        else:
            status = "OK"
        r["pue"] = {"status": status, "value": eft / eit if status == "OK" else None,
                    "raw_ratio": ratio(eft, eit),
                    "e_facility_T_kwh": eft, "e_it_T_kwh": eit,
                    "e_cooling_T_kwh": sum(gsum(e_T, cool_names, h) for h in hs),
                    "T_hours": tms / H_MS}
        cl = {}
        for c in clusters:
            sh = sum(share[c][h] for h in hs)
            eic = sum(EicT[c][h] for h in hs)
            ecc = float(sum(EccT[c][h] for h in hs))
            cl[c] = {"share_kwh": sh, "e_it_T_kwh": eic, "e_cool_T_kwh": ecc, "status": status,
                     "pue": sh / eic if status == "OK" and eic > 0 else None,
                     "raw_ratio": ratio(sh, eic)}
        r["clusters"] = cl
        # carbon
        hci = [h for h in hs if ci_h[h] is not None]
        loc = sum(E_fac[h] * ci_h[h] / 1000.0 for h in hci)
        mkg = sum(mkt_whole[h][0] for h in hci)
        used_tot = defaultdict(float)
        res_kwh = 0.0
        for h in hci:
            for i, u in mkt_whole[h][1].items():
                used_tot[i] += u
            res_kwh += mkt_whole[h][2]
        alone = market(list(hs))
        mkg_alone = sum(alone[h][0] for h in hci)
        r["carbon"] = {
            "location_kg": loc,
            "market_kg": mkg,
            "emissions_coverage": sum(fac_known_ms[h] for h in hci) / span,
            "hours_with_intensity": len(hci),
            "facility_kwh_in_hours_with_intensity": sum(E_fac[h] for h in hci),
            "market_used_kwh": dict(used_tot),
            "market_residual_kwh": res_kwh,
            "market_kg_if_step_is_its_own_period": mkg_alone,
        }
        # CUE over T_cue = T ∩ hours with intensity
        num_loc = sum(EfT[h] * ci_h[h] / 1000.0 for h in hci)
        num_mkt = sum(mkt_whole[h][0] * EfT[h] / E_fac[h] for h in hci if E_fac[h] != 0)
        num_mkt_alone = sum(alone[h][0] * EfT[h] / E_fac[h] for h in hci if E_fac[h] != 0)
        den = sum(EiT[h] for h in hci)
        r["cue"] = {
            "location": ratio(num_loc, den) if den > 0 else None,
            "market": ratio(num_mkt, den) if den > 0 else None,
            "location_kg": num_loc,
            "market_kg": num_mkt,
            "it_kwh": den,
            "facility_kwh": sum(EfT[h] for h in hci),
            "T_cue_hours": sum(T_ms[h] for h in hci) / H_MS,
            "market_if_step_is_its_own_period": ratio(num_mkt_alone, den) if den > 0 else None,
        }
        return r

    steps = {
        "whole": [step_figures(a, b) for a, b in steps_whole()],
        "day": [dict(step_figures(a, b), local_date=str(zone.local(hour_start[a]).date())) for a, b in steps_day()],
        "hour": [step_figures(a, b) for a, b in steps_hour()],
    }

    # ---- per meter
    per_meter = {}
    for n in names:
        o = series[n]
        t = o.t
        rec = {"series": "counter" if o.counter else "power", "readings": len(t),
               "readings_in_period": sum(1 for x in t if FROM <= x < TO)}
        bridged = left = 0
        left_list = []
        long_bridged = []
        drops = []
        wraps = []
        for i in range(len(t) - 1):
            if t[i + 1] <= FROM or t[i] >= TO:
                continue
            dt = t[i + 1] - t[i]
            if o.known(i):
                bridged += 1
                if dt > 1.5 * site["pollIntervalS"] * 1000:
                    item = {"t0": iso(t[i]), "t1": iso(t[i + 1]), "gap_s": dt / 1000.0}
                    if o.counter:
                        item["energy_kwh"] = o.e[i]
                    long_bridged.append(item)
            else:
                left += 1
                left_list.append({"t0": iso(t[i]), "t1": iso(t[i + 1]), "gap_s": dt / 1000.0})
            if o.counter and o.kind[i] == "wrap":
                wraps.append(o.detail[i])
            if o.counter and o.kind[i] == "reset":
                drops.append(o.detail[i])
        rec.update({"intervals_bridged": bridged, "intervals_left": left, "left": left_list,
                    "bridged_longer_than_1.5_poll": long_bridged,
                    "known_hours": sum(known_ms[sidx[n]]) / H_MS,
                    "energy_kwh": sum(e_own[sidx[n]])})
        if o.counter:
            rec["wraps"] = wraps
            rec["resets"] = drops
            rec["flat_intervals"] = sum(1 for i in range(len(t) - 1)
                                        if o.kind[i] == "up" and o.e[i] == 0 and t[i + 1] > FROM and t[i] < TO)
        per_meter[n] = rec

    out = {
        "period": {"from": iso(FROM), "to": iso(TO)},
        "rules": "R0-R5 of the audit brief; see README.md for interpretations",
        "steps": steps,
        "meters": per_meter,
        "intensity_missing_hours": [iso(hour_start[h]) for h in range(NH) if ci_h[h] is None],
    }
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(out, f, indent=1)
    w = steps["whole"][0]
    print("whole: facility %.3f kWh, IT %.3f kWh, cooling %.3f kWh, PUE %s %s, location %.3f kg, market %.3f kg, "
          "CUE loc %s mkt %s" % (w["energy_kwh"]["facility"], w["energy_kwh"]["it"], w["energy_kwh"]["cooling"],
                                 w["pue"]["status"], w["pue"]["value"], w["carbon"]["location_kg"],
                                 w["carbon"]["market_kg"], w["cue"]["location"], w["cue"]["market"]))


if __name__ == "__main__":
    main()
