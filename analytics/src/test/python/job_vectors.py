#!/usr/bin/env python3
"""Expected figures of JobAttributionTest, from the rules in analytics/README.md ("Jobs", J1-J5),
worked out with the standard library only (not by running kilowatch).

Fixture (2026-07-01 00:00-03:00 UTC, three hours h0..h2):
  facility meter 130, 160, 190 kWh per hour; IT = PDUs c1 60 + c2 40 kWh/h; c1's CDU 10 kWh/h.
  R5 per-cluster PUE: O = F - IT - cooling; PUE_c = (IT_c + cool_c + O * IT_c / IT) / IT_c.
  grid intensity 100, 200, 300 g/kWh; residual mix 400 g/kWh; a PPA of 80 kWh at 0 g in h1.
  GPUs (constant power, kW): n1 (c1) gpu0 0.6, gpu1 0.6, gpu2 0.3, gpu3 0.3; n2 (c2) gpu0 0.5,
  gpu1 0.5. n1 gpu3 has no readings 01:20-01:40 (counterGapLimit 10 min: unknown); n2 gpu1's
  counter restarts from 0 at 02:01, its power 500 W fills the reset interval (R1 trapezoid).
"""
F = [130, 160, 190]
IT = {"c1": 60, "c2": 40}
COOL = {"c1": 10, "c2": 0}
CI = [100, 200, 300]
residual = 400
ppa = [0, 80, 0]


def pue(c, h):
    o = F[h] - sum(IT.values()) - sum(COOL.values())
    return (IT[c] + COOL[c] + o * IT[c] / sum(IT.values())) / IT[c]


def market_g(h):
    return (F[h] - ppa[h]) * residual / F[h]


def job(cluster, holds, gaps=()):
    """holds: (kW, from h, to h); gaps: (from h, to h) unknown time inside the holds."""
    it = [0.0] * 3
    held = 0.0
    known = 0.0
    for kw, a, b in holds:
        for h in range(3):
            s, e = max(a, h), min(b, h + 1)
            if e <= s:
                continue
            lost = sum(max(0, min(e, g1) - max(s, g0)) for g0, g1 in gaps)
            it[h] += kw * (e - s - lost)
            held += e - s
            known += e - s - lost
    fac = [it[h] * pue(cluster, h) for h in range(3)]
    loc = sum(fac[h] * CI[h] / 1000 for h in range(3))
    mkt = sum(fac[h] * market_g(h) / 1000 for h in range(3))
    return dict(it=it, itKwh=sum(it), facility=fac, facilityKwh=sum(fac), loc=loc, mkt=mkt,
                coverage=known / held)


for c in ("c1", "c2"):
    print(c, "PUE by hour", [round(pue(c, h), 9) for h in range(3)])
print("market g/kWh by hour", [market_g(h) for h in range(3)])
jobs = {
    "A three hours": job("c1", [(0.6, 0, 3)]),
    "B from 00:30 to 02:15": job("c1", [(0.6, 0.5, 2.25)]),
    "C n1 gpu2 01-02": job("c1", [(0.3, 1, 2)]),
    "D n1 gpu3 01-02, gap": job("c1", [(0.3, 1, 2)], gaps=[(1 + 20 / 60, 1 + 40 / 60)]),
    "array _1 n2 gpu0 00-01:30": job("c2", [(0.5, 0, 1.5)]),
    "array _2 n2 gpu1 01-03, reset": job("c2", [(0.5, 1, 3)]),
}
for name, j in jobs.items():
    print(name, {k: (round(v, 9) if isinstance(v, float) else [round(x, 9) for x in v])
                 for k, v in j.items()})
gpus_c1 = (0.6 + 0.6 + 0.3 + 0.3) * 3 - 0.3 * 20 / 60
gpus_c2 = (0.5 + 0.5) * 3
jobs_it = sum(j["itKwh"] for j in jobs.values())
print("cluster GPU IT", gpus_c1 + gpus_c2, "jobs", jobs_it, "idle", gpus_c1 + gpus_c2 - jobs_it)
print("coverage", (4 * 3 - 20 / 60 + 2 * 3) / 18)
