#!/usr/bin/env python3
"""Seeded one-month data generator for the independent kilowatch audit.

    python3 audit_month.py --seed 1 --out /tmp/audit

Writes DIR/month.lp.gz, DIR/events.json, DIR/intensity.csv and DIR/site.json.
Standard library only; fully deterministic for a given seed (random.Random(seed)).
See README.md beside this file.
"""
import argparse
import gzip
import io
import json
import math
import os
import random
from datetime import datetime, timedelta, timezone

UTC = timezone.utc
W_KWH = 4294967.296            # UINT32 register, scale 0.001 kWh -> 2**32 * 0.001
REG_MOD = 2 ** 32              # register counts in units of 0.001 kWh
FROM = datetime(2026, 10, 1, tzinfo=UTC)
FROM_MS = int(FROM.timestamp() * 1000)
DAYS = 30
N_MIN = DAYS * 1440            # nominal readings inside the month
MARGIN = 5                     # extra readings before FROM and after the month end (so R0 interpolates)
NT = N_MIN + 2 * MARGIN
MIN_MS = 60_000
SEC_OFFSET_MS = 17_000         # readings at second :17
H_MS = 3_600_000

POWER_METERS = ["it_c1a", "it_c1b", "it_c2", "cdu_c1", "chiller"]
ALL_METERS = ["fac"] + POWER_METERS
PROFILE = {  # kW base, relative daily amplitude, hour of daily peak (UTC), gaussian noise kW
    "it_c1a": (400.0, 0.06, 14.0, 3.0),
    "it_c1b": (400.0, 0.06, 15.0, 3.0),
    "it_c2": (300.0, 0.08, 13.0, 2.5),
    "cdu_c1": (60.0, 0.20, 15.0, 1.0),
    "chiller": (90.0, 0.25, 16.0, 1.5),
}
LOSS = 1.03


def iso(ms):
    dt = datetime.fromtimestamp(ms / 1000.0, tz=UTC)
    if ms % 1000:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def nominal_ms(j):
    """Nominal time of reading index j (j = MARGIN is the first reading after FROM)."""
    return FROM_MS + (j - MARGIN) * MIN_MS + SEC_OFFSET_MS


def index_at(ms):
    """Index of the last nominal reading at or before ms."""
    return (ms - FROM_MS - SEC_OFFSET_MS) // MIN_MS + MARGIN


def paris_midnight_ms(y, m, d):
    """UTC instant of local midnight in Europe/Paris (EU rule: CEST between the last Sundays of
    March and October, switching at 01:00 UTC)."""
    def last_sunday(year, month):
        nd = datetime(year, month + 1, 1, tzinfo=UTC) if month < 12 else datetime(year + 1, 1, 1, tzinfo=UTC)
        d0 = nd - timedelta(days=1)
        return d0 - timedelta(days=(d0.weekday() - 6) % 7)
    naive = datetime(y, m, d, tzinfo=UTC)
    dst_start = last_sunday(y, 3) + timedelta(hours=1)
    dst_end = last_sunday(y, 10) + timedelta(hours=1)
    guess = naive - timedelta(hours=2)
    off = 2 if dst_start <= guess < dst_end else 1
    return int((naive - timedelta(hours=off)).timestamp() * 1000)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    events = []

    # ---------------------------------------------------------------- underlying power (kW)
    power = {m: [0.0] * NT for m in ALL_METERS}
    drift = {m: 0.0 for m in POWER_METERS}
    for j in range(NT):
        hod = ((nominal_ms(j) - FROM_MS) % 86_400_000) / H_MS
        tot = 0.0
        for m in POWER_METERS:
            base, amp, peak, noise = PROFILE[m]
            drift[m] = 0.995 * drift[m] + rng.gauss(0.0, noise * 0.2)
            v = base * (1.0 + amp * math.cos(2 * math.pi * (hod - peak) / 24.0)) + drift[m] + rng.gauss(0.0, noise)
            v = round(v * 1000.0, 1) / 1000.0       # printed with 0.1 W resolution
            power[m][j] = v
            tot += v
        power["fac"][j] = round((LOSS * tot + rng.gauss(0.0, 4.0)) * 1000.0, 1) / 1000.0

    # ---------------------------------------------------------------- jitter (ms), per meter
    jitter = {m: [0] * NT for m in ALL_METERS}
    for m in ALL_METERS:
        for j in range(NT):
            if rng.random() < 0.10:
                jitter[m][j] = rng.choice([-1, 1]) * rng.randint(200, 3000)

    def t_of(m, j):
        return nominal_ms(j) + jitter[m][j]

    omit_line = {m: set() for m in ALL_METERS}     # no line at all
    omit_power = set()                              # fac lines without power_w

    # (b) (chosen before integrating, as it fixes two fac timestamps)
    # (b) counter gap 5 h 13 min spanning the Paris day boundary 2026-10-10 00:00 local
    mid = paris_midnight_ms(2026, 10, 10)
    j_g0 = index_at(mid - int(rng.uniform(0.5, 4.5) * H_MS))
    GAP_MISSING = 312                      # t1 - t0 = 313 min = 5 h 13 min exactly
    j_g1 = j_g0 + GAP_MISSING + 1
    jitter["fac"][j_g0] = 0
    jitter["fac"][j_g1] = 0
    for j in range(j_g0 + 1, j_g1):
        omit_line["fac"].add(j)

    # ---------------------------------------------------------------- true facility energy
    e_rel = [0.0] * NT
    for j in range(1, NT):
        dt_h = (t_of("fac", j) - t_of("fac", j - 1)) / H_MS
        e_rel[j] = e_rel[j - 1] + (power["fac"][j - 1] + power["fac"][j]) / 2.0 * dt_h

    def e_rel_at(ms):
        j = index_at(ms)
        while t_of("fac", j) > ms:
            j -= 1
        while t_of("fac", j + 1) <= ms:
            j += 1
        t0, t1 = t_of("fac", j), t_of("fac", j + 1)
        return e_rel[j] + (e_rel[j + 1] - e_rel[j]) * (ms - t0) / (t1 - t0)

    # (a) wrap around day 6: the true register passes W inside interval (jw-1, jw)
    jw = index_at(FROM_MS + int(rng.uniform(5.5, 6.5) * 86_400_000)) + 1
    fw = rng.uniform(0.2, 0.8)
    e_cross = e_rel[jw - 1] + fw * (e_rel[jw] - e_rel[jw - 1])
    e0 = W_KWH - e_cross
    e0 = math.floor(e0 * 1000.0) / 1000.0

    # (f) flat stretch shortly before the wrap, straddling a UTC hour edge: the counter repeats its
    #     value ~12-14 min before the edge to ~8-10 min after it, then catches up. The hour before the
    #     edge loses ~20 % of its energy (a BELOW_ONE hour) and the hour after gets it.
    edge = (nominal_ms(jw) - rng.randint(30, 90) * MIN_MS) // H_MS * H_MS
    j_fs = index_at(edge) - rng.randint(12, 14)
    n_flat = rng.randint(20, 24)
    assert j_fs + n_flat + 1 < jw - 1
    # (c) meter swap on day ~13: new meter starts at 0.4 kWh shortly before reading j_sw
    j_sw = index_at(FROM_MS + int(rng.uniform(13.2, 13.8) * 86_400_000))
    t_swap = t_of("fac", j_sw) - rng.randint(200, 1500)
    # (d) reset with power missing after the drop (fallback c1): reset inside (j_rd-1, j_rd)
    j_rd = index_at(FROM_MS + int(rng.uniform(19.3, 19.7) * 86_400_000))
    t_rd = t_of("fac", j_rd - 1) + int(rng.uniform(0.2, 0.8) * (t_of("fac", j_rd) - t_of("fac", j_rd - 1)))
    for j in range(j_rd, j_rd + 5):       # power neighbours of t(j_rd) become 6 min apart -> p absent
        omit_power.add(j)
    # (d2) reset where only the drop line lacks power (p interpolated, trapezoid applies)
    j_ri = index_at(FROM_MS + int(rng.uniform(22.3, 22.7) * 86_400_000))
    t_ri = t_of("fac", j_ri - 1) + int(rng.uniform(0.2, 0.8) * (t_of("fac", j_ri) - t_of("fac", j_ri - 1)))
    omit_power.add(j_ri)

    e_swap = e_rel_at(t_swap)
    e_rd = e_rel_at(t_rd)
    e_ri = e_rel_at(t_ri)

    def reg_value(j):
        if j < j_sw:
            true = e0 + e_rel[j]
        elif j < j_rd:
            true = 0.4 + e_rel[j] - e_swap
        elif j < j_ri:
            true = e_rel[j] - e_rd
        else:
            true = e_rel[j] - e_ri
        return (int(round(true * 1000.0)) % REG_MOD) / 1000.0

    counter = [reg_value(j) for j in range(NT)]
    for j in range(j_fs + 1, j_fs + 1 + n_flat):
        counter[j] = counter[j_fs]

    events.append({"kind": "flat_counter", "meter": "fac", "readings": n_flat,
                   "from": iso(t_of("fac", j_fs)), "to": iso(t_of("fac", j_fs + n_flat)),
                   "value_kwh": counter[j_fs],
                   "hour_edge": iso(edge),
                   "note": "readings after 'from' up to 'to' repeat the value at 'from'; the next reading catches up"})
    events.append({"kind": "wrap", "meter": "fac", "t0": iso(t_of("fac", jw - 1)), "t1": iso(t_of("fac", jw)),
                   "c0": counter[jw - 1], "c1": counter[jw], "width_kwh": W_KWH,
                   "expected_energy_kwh": W_KWH - counter[jw - 1] + counter[jw]})
    events.append({"kind": "counter_gap", "meter": "fac", "t0": iso(t_of("fac", j_g0)), "t1": iso(t_of("fac", j_g1)),
                   "duration": "5h13m", "missing_readings": GAP_MISSING,
                   "spans_paris_midnight": iso(mid), "c0": counter[j_g0], "c1": counter[j_g1]})
    events.append({"kind": "meter_swap", "meter": "fac", "t0": iso(t_of("fac", j_sw - 1)), "t1": iso(t_of("fac", j_sw)),
                   "swap_at": iso(t_swap), "c0": counter[j_sw - 1], "c1": counter[j_sw],
                   "p0_kw": power["fac"][j_sw - 1], "p1_kw": power["fac"][j_sw],
                   "expected_rule": "power_trapezoid"})
    events.append({"kind": "reset_power_missing", "meter": "fac", "t0": iso(t_of("fac", j_rd - 1)),
                   "t1": iso(t_of("fac", j_rd)), "reset_at": iso(t_rd), "c0": counter[j_rd - 1], "c1": counter[j_rd],
                   "power_w_missing_on": [iso(t_of("fac", j)) for j in sorted(x for x in omit_power if x >= j_rd and x < j_rd + 5)],
                   "expected_rule": "c1"})
    events.append({"kind": "reset_power_interpolated", "meter": "fac", "t0": iso(t_of("fac", j_ri - 1)),
                   "t1": iso(t_of("fac", j_ri)), "reset_at": iso(t_ri), "c0": counter[j_ri - 1], "c1": counter[j_ri],
                   "power_w_missing_on": [iso(t_of("fac", j_ri))],
                   "expected_rule": "power_trapezoid (p(t1) interpolated between neighbours 2 min apart)"})

    # ---------------------------------------------------------------- (e) power gaps
    def power_gap(meter, day, missing, label, hour=None, minute=None, at_ms=None, exact=False):
        if at_ms is None:
            h = rng.randint(1, 21) if hour is None else hour
            mi = rng.randint(0, 59) if minute is None else minute
            at_ms = FROM_MS + day * 86_400_000 + h * H_MS + mi * MIN_MS
        j0 = index_at(at_ms)
        j1 = j0 + missing + 1
        if exact:
            jitter[meter][j0] = 0
            jitter[meter][j1] = 0
        for j in range(j0 + 1, j1):
            omit_line[meter].add(j)
        t0, t1 = t_of(meter, j0), t_of(meter, j1)
        events.append({"kind": "power_gap", "meter": meter, "label": label, "t0": iso(t0), "t1": iso(t1),
                       "missing_readings": missing, "gap_s": (t1 - t0) / 1000.0,
                       "expected": "bridged" if t1 - t0 <= 300_000 else "left (unknown)"})

    power_gap("it_c1a", 2, 1, "short 2 min")
    power_gap("it_c1a", 4, 2, "short 3 min")
    power_gap("it_c1a", 8, 3, "short 4 min")
    power_gap("it_c1a", 16, 4, "exactly 5 min (= limit, bridged)", exact=True)
    power_gap("it_c1b", 11, 19, "20 min across an hour edge", minute=50)
    power_gap("it_c1b", 17, 2, "short 3 min")
    power_gap("it_c2", 15, 179, "3 h", hour=rng.randint(6, 16), minute=40)
    power_gap("cdu_c1", 0, rng.randint(59, 89), "60-90 min spanning Paris midnight 2026-10-21",
              at_ms=paris_midnight_ms(2026, 10, 21) - rng.randint(20, 40) * MIN_MS)
    power_gap("chiller", 3, 1, "short 2 min")
    power_gap("chiller", 26, 3, "short 4 min")
    power_gap("chiller", 27, 5, "6 min (just over the limit, left)", exact=True)
    power_gap("chiller", 0, 119, "2 h across the DST switch 2026-10-25T01:00Z",
              at_ms=int(datetime(2026, 10, 25, 0, 30, tzinfo=UTC).timestamp() * 1000))

    # ---------------------------------------------------------------- month.lp.gz
    n_lines = 0
    with open(os.path.join(args.out, "month.lp.gz"), "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", compresslevel=6, fileobj=raw, mtime=0) as gz, \
            io.TextIOWrapper(gz, encoding="ascii", newline="\n") as f:
        for j in range(NT):
            for m in ALL_METERS:
                if j in omit_line[m]:
                    continue
                ts_ns = t_of(m, j) * 1_000_000
                if m == "fac":
                    fields = "energy_kwh=%.3f" % counter[j]
                    if j not in omit_power:
                        fields += ",power_w=%.1f" % (power[m][j] * 1000.0)
                else:
                    fields = "power_w=%.1f" % (power[m][j] * 1000.0)
                f.write("meter,meter=%s %s %d\n" % (m, fields, ts_ns))
                n_lines += 1

    # ---------------------------------------------------------------- intensity.csv
    month_start = paris_midnight_ms(2026, 10, 1)
    month_end = paris_midnight_ms(2026, 11, 1)
    hours = list(range(month_start, month_end, H_MS))
    in_period = [h for h in hours if FROM_MS + 86_400_000 <= h < FROM_MS + 29 * 86_400_000]
    missing = sorted(rng.sample(in_period, 2))
    level = 0.0
    with open(os.path.join(args.out, "intensity.csv"), "w") as f:
        f.write("timestamp,g_per_kwh\n")
        for h in hours:
            hod = ((h - FROM_MS) % 86_400_000) / H_MS
            level = 0.97 * level + rng.gauss(0.0, 12.0)
            v = 170.0 + 110.0 * math.cos(2 * math.pi * (hod - 19.0) / 24.0) + level + rng.gauss(0.0, 8.0)
            v = min(400.0, max(30.0, v))
            if h in missing:
                continue
            f.write("%s,%.1f\n" % (iso(h), v))
    events.append({"kind": "intensity_missing", "hours": [iso(h) for h in missing]})

    # ---------------------------------------------------------------- site.json
    site = {
        "name": "audit-site",
        "timezone": "Europe/Paris",
        "period": {"from": "2026-10-01T00:00:00Z", "to": "2026-10-31T00:00:00Z"},
        "pollIntervalS": 60,
        "powerGapLimitS": 300,
        "counterGapLimitS": None,
        "coverageThreshold": 0.9,
        "meters": [
            {"name": "fac", "kind": "facility", "energyField": "energy_kwh", "powerField": "power_w",
             "counter": {"register": "UINT32", "scale": 0.001, "widthKwh": W_KWH}},
            {"name": "it_c1a", "kind": "it", "cluster": "c1", "powerField": "power_w"},
            {"name": "it_c1b", "kind": "it", "cluster": "c1", "powerField": "power_w"},
            {"name": "it_c2", "kind": "it", "cluster": "c2", "powerField": "power_w"},
            {"name": "cdu_c1", "kind": "cooling", "serves": "c1", "powerField": "power_w"},
            {"name": "chiller", "kind": "cooling", "serves": None, "powerField": "power_w"},
        ],
        "clusters": ["c1", "c2"],
        "intensity": {"file": "intensity.csv", "unit": "g_per_kwh", "resolution": "1h"},
        "market": {
            "residualMixGPerKwh": 420.0,
            "instruments": [
                {"id": "ppa-solar", "kind": "hourly", "mwh": 0.5, "from": "2026-10-01T00:00:00Z",
                 "to": "2026-11-01T00:00:00Z", "factorGPerKwh": 0.0, "renewable": True},
                {"id": "goo-oct", "kind": "monthly", "month": "2026-10", "monthZone": "Europe/Paris",
                 "mwh": 300.0, "factorGPerKwh": 0.0, "renewable": True},
            ],
        },
        "generator": {"seed": args.seed, "lines": n_lines},
    }
    with open(os.path.join(args.out, "site.json"), "w") as f:
        json.dump(site, f, indent=2)
    with open(os.path.join(args.out, "events.json"), "w") as f:
        json.dump({"seed": args.seed, "counter_start_kwh": counter[0], "events": events}, f, indent=2)
    print("wrote %d lines, %d events to %s" % (n_lines, len(events), args.out))


if __name__ == "__main__":
    main()
