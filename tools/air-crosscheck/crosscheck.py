"""Cross-check `ecociv air` against an independent exact oracle and the PyPI peers aqi-hub
(0.3.3, HJ 633-2026) and python-aqi (0.6.1, "mep" = HJ 633-2012), and the annual evaluation
against the independent pandas pipeline (pipeline.py, exact mode).

Usage: python crosscheck.py --ecociv PATH/TO/ecociv [--cases 6000] [--seed 20260301]

Deterministic (fixed seed) and fast: all IAQI cases go to ONE `ecociv air aqi --batch` run.

Every difference from a peer must fall in a documented class, each class checked by reproducing
the peer's behaviour (not just by tolerance); anything else fails the run (exit 1):

  aqi-hub
    A1  SO2_24H computed on the SO2 1-hour segments (aqi-hub bug): its value equals its own
        SO2_1H value for the same concentration.
    A2  concentration not at reporting resolution: ecociv rounds it first per GB/T 8170
        (HJ 633-2026 §4.2.2), aqi-hub does not: its value equals the ceiling on the raw value.
    A3  float noise before the ceiling: the exact IAQI is an integer, aqi-hub's float
        computation lands a hair above it and math.ceil adds one (e.g. CO 1-h 74.4 mg/m³:
        exactly 248, aqi-hub 249).
  python-aqi
    P1  raises above its table (O3 8-h > 800, SO2 1-h > 800, above the top breakpoint).
    P2  EPA-style integer-gap segments (36-75 → 51-100 instead of 35-75 → 50-100), concentration
        truncated to an integer (even CO), result rounded half to even instead of up: its value
        equals an emulation of exactly that method.
"""

import argparse
import csv
import json
import math
import os
import random
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

NODES = [0, 50, 100, 150, 200, 300, 400, 500]
# (edition, item) -> concentrations at NODES; typed from HJ 633-2012 表1 / HJ 633-2026 表3,
# overridden by shared/reference/hj633_breakpoints.csv when it is available.
TABLE = {}
for ed in ("2012", "2026"):
    TABLE[(ed, "SO2_24h")] = [0, 50, 150, 475, 800, 1600, 2100, 2620]
    TABLE[(ed, "SO2_1h")] = [0, 150, 500, 650, 800]
    TABLE[(ed, "NO2_24h")] = [0, 40, 80, 180, 280, 565, 750, 940]
    TABLE[(ed, "NO2_1h")] = [0, 100, 200, 700, 1200, 2340, 3090, 3840]
    TABLE[(ed, "CO_24h")] = [0, 2, 4, 14, 24, 36, 48, 60]
    TABLE[(ed, "CO_1h")] = [0, 5, 10, 35, 60, 90, 120, 150]
    TABLE[(ed, "O3_1h")] = [0, 160, 200, 300, 400, 800, 1000, 1200]
    TABLE[(ed, "O3_8h")] = [0, 100, 160, 215, 265, 800]
TABLE[("2012", "PM10_24h")] = [0, 50, 150, 250, 350, 420, 500, 600]
TABLE[("2012", "PM2.5_24h")] = [0, 35, 75, 115, 150, 250, 350, 500]
TABLE[("2026", "PM10_24h")] = [0, 50, 120, 250, 350, 420, 500, 600]
TABLE[("2026", "PM2.5_24h")] = [0, 35, 60, 115, 150, 250, 350, 500]


def load_reference_csv(path):
    rows = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            ed = r["standard"].split("-")[1]
            key = (ed, f"{r['pollutant']}_{r['averaging_period']}")
            rows.setdefault(key, {})[int(r["iaqi_lo"])] = int(r["bp_lo"])
            rows[key][int(r["iaqi_hi"])] = int(r["bp_hi"])
    return {k: [v[n] for n in NODES if n in v] for k, v in rows.items()}


def table(ed, item):
    if item in ("PM10_1h", "PM2.5_1h") and ed == "2026":
        item = item.replace("_1h", "_24h")
    return TABLE.get((ed, item))


def round_half_even(x, digits):
    q = Fraction(x) * 10 ** digits
    return Fraction(round(q), 10 ** digits)


def exact_iaqi(ed, item, c):
    """The exact (unrounded-up) IAQI of concentration c (a Fraction), or a special outcome."""
    if item == "SO2_1h" and c > 800:
        return ("fixed", 200) if ed == "2026" else ("use", "SO2_24h")
    if item == "O3_8h" and c > 800:
        return ("fixed", 300) if ed == "2026" else ("use", "O3_1h")
    nodes = table(ed, item)
    if nodes is None:
        return ("none", None)
    for i in range(1, len(nodes)):
        if c <= nodes[i]:
            lo, hi = nodes[i - 1], nodes[i]
            return ("value", Fraction(NODES[i] - NODES[i - 1]) * (c - lo) / (hi - lo) + NODES[i - 1])
    return ("above", NODES[len(nodes) - 1])


def oracle(ed, item, c, rounded=True):
    digits = 1 if item.startswith("CO") else 0
    cc = round_half_even(c, digits) if rounded else Fraction(c)
    kind, v = exact_iaqi(ed, item, cc)
    if kind == "value":
        return math.ceil(v)
    if kind in ("fixed", "above"):
        return v
    return None


ITEMS_2026 = ["SO2_24h", "SO2_1h", "NO2_24h", "NO2_1h", "PM10_24h", "PM10_1h", "PM2.5_24h",
              "PM2.5_1h", "CO_24h", "CO_1h", "O3_8h", "O3_1h"]
ITEMS_2012 = ["SO2_24h", "SO2_1h", "NO2_24h", "NO2_1h", "PM10_24h", "PM2.5_24h", "CO_24h",
              "CO_1h", "O3_8h", "O3_1h"]
HUB = {i: i.replace("PM2.5", "PM25").replace("h", "H") for i in ITEMS_2026}
PYAQI = {"SO2_24h": "so2_24h", "SO2_1h": "so2_1h", "NO2_24h": "no2_24h", "NO2_1h": "no2_1h",
         "PM10_24h": "pm10", "PM2.5_24h": "pm25", "CO_24h": "co_24h", "CO_1h": "co_1h",
         "O3_8h": "o3_8h", "O3_1h": "o3_1h"}


def report_of(ed, item):
    if item.endswith("_1h") and not (ed == "2012" and item == "O3_1h"):
        return "hourly"
    return "daily"


def random_conc(rng, ed, item):
    nodes = table(ed, item)
    top = nodes[-1]
    co = item.startswith("CO")
    r = rng.random()
    if r < 0.2:
        # a breakpoint, or one reporting step either side of it
        n = rng.choice(nodes)
        step = Fraction(1, 10) if co else Fraction(1)
        return max(Fraction(0), n + rng.choice([-step, 0, step]))
    if r < 0.3:
        # not at reporting resolution: two more decimals
        return Fraction(rng.randint(0, int(top * 1.05 * 1000)), 1000)
    if r < 0.35 and item in ("SO2_1h", "O3_8h"):
        return Fraction(rng.randint(801, 1200))
    if co:
        return Fraction(rng.randint(0, int(top * 10 * 1.05)), 10)
    return Fraction(rng.randint(0, int(top * 1.05)))


def fmt(c):
    if c.denominator == 1:
        return str(c.numerator)
    return f"{float(c):.4f}".rstrip("0").rstrip(".")


def run_batch(ecociv, rows):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "batch.csv")
        items = sorted({r["item"] for r in rows})
        with open(p, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "standard", "report"] + items)
            for r in rows:
                w.writerow([r["id"], r["ed"], r["report"]] +
                           [fmt(r["c"]) if i == r["item"] else "" for i in items])
        out = subprocess.run([ecociv, "air", "aqi", "--batch", p], check=True, capture_output=True,
                             text=True).stdout
    return {v["id"]: v for v in map(json.loads, out.splitlines())}


def check_iaqi(ecociv, n, seed):
    import aqi as pyaqi
    from aqi_hub.aqi_cn import cal_iaqi_cn

    rng = random.Random(seed)
    rows = []
    for k in range(n):
        ed = "2026" if k % 2 == 0 else "2012"
        item = rng.choice(ITEMS_2026 if ed == "2026" else ITEMS_2012)
        c = random_conc(rng, ed, item)
        rows.append({"id": str(k), "ed": ed, "item": item, "c": c, "report": report_of(ed, item)})
    results = run_batch(ecociv, rows)
    failures = []
    classes = {"A1": [], "A2": [], "A3": [], "P1": [], "P2": []}
    agree = {"oracle": 0, "aqi-hub": 0, "python-aqi": 0}
    compared = {"aqi-hub": 0, "python-aqi": 0}
    for r in rows:
        got = results[r["id"]]["iaqi"].get(r["item"])
        want = oracle(r["ed"], r["item"], r["c"])
        if got != want:
            failures.append(f"ecociv {r['ed']} {r['item']} {fmt(r['c'])}: {got} != oracle {want}")
            continue
        agree["oracle"] += 1
        if r["ed"] == "2026":
            compared["aqi-hub"] += 1
            with_warnings_off = cal_iaqi_cn(HUB[r["item"]], float(r["c"]))
            hub = with_warnings_off
            if hub == got:
                agree["aqi-hub"] += 1
            elif r["item"] == "SO2_24h" and hub == cal_iaqi_cn("SO2_1H", float(r["c"])):
                classes["A1"].append((r, got, hub))
            elif hub == oracle("2026", r["item"], r["c"], rounded=False):
                classes["A2"].append((r, got, hub))
            elif exact_is_integer("2026", r["item"], r["c"]) and hub == got + 1:
                classes["A3"].append((r, got, hub))
            else:
                failures.append(f"aqi-hub {r['item']} {fmt(r['c'])}: {hub} vs ecociv {got}: unexplained")
        else:
            compared["python-aqi"] += 1
            try:
                py = int(pyaqi.to_iaqi(PYAQI[r["item"]], fmt(r["c"]), algo=pyaqi.ALGO_MEP))
            except Exception:  # noqa: BLE001 - the peer raises plain exceptions
                py = "raised"
            if py == got:
                agree["python-aqi"] += 1
            elif py == "raised":
                classes["P1"].append((r, got, py))
            elif py == emulate_python_aqi(r["item"], r["c"]):
                classes["P2"].append((r, got, py))
            else:
                failures.append(f"python-aqi {r['item']} {fmt(r['c'])}: {py} vs ecociv {got}: unexplained")
    return agree, compared, classes, failures


def exact_is_integer(ed, item, c):
    digits = 1 if item.startswith("CO") else 0
    kind, v = exact_iaqi(ed, item, round_half_even(c, digits))
    return kind == "value" and v.denominator == 1


def emulate_python_aqi(item, c):
    """python-aqi's mep method: integer-gap segments, concentration truncated to an integer,
    result rounded half to even."""
    from aqi.algos import mep

    pw = mep.AQI.piecewise
    key = PYAQI[item]
    cc = Fraction(math.floor(c))
    for idx, (lo, hi) in enumerate(pw["bp"][key]):
        lo, hi = Fraction(str(lo)), Fraction(str(hi))
        if lo <= cc <= hi:
            alo, ahi = pw["aqi"][idx]
            return round(Fraction(ahi - alo) / (hi - lo) * (cc - lo) + alo)
    return "raised"


def check_daily_aqi(ecociv, n, seed):
    """Whole daily AQI (2026) against aqi-hub's cal_aqi_cn with its SO2_24H segments repaired."""
    import aqi_hub.aqi_cn.common as aqc
    from aqi_hub.aqi_cn import cal_aqi_cn, cal_primary_pollutant

    saved = aqc.breakpoints["SO2_24H"]
    aqc.breakpoints["SO2_24H"] = [(a, b, NODES[i], NODES[i + 1]) for i, (a, b) in
                                  enumerate(zip(TABLE[("2026", "SO2_24h")], TABLE[("2026", "SO2_24h")][1:]))]
    rng = random.Random(seed + 1)
    rows = []
    tops = {"PM2.5_24h": 300, "PM10_24h": 400, "SO2_24h": 200, "NO2_24h": 200, "CO_24h": 60, "O3_8h": 300}
    for k in range(n):
        vals = {i: (Fraction(rng.randint(0, t)) if i != "CO_24h" else Fraction(rng.randint(0, t), 10))
                for i, t in tops.items()}
        rows.append({"id": f"d{k}", "vals": vals})
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "daily.csv")
        with open(p, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "standard", "report"] + list(tops))
            for r in rows:
                w.writerow([r["id"], "2026", "daily"] + [fmt(r["vals"][i]) for i in tops])
        out = subprocess.run([ecociv, "air", "aqi", "--batch", p], check=True, capture_output=True,
                             text=True).stdout
    res = {v["id"]: v for v in map(json.loads, out.splitlines())}
    failures = []
    for r in rows:
        v = r["vals"]
        aqi, iaqi = cal_aqi_cn(float(v["PM2.5_24h"]), float(v["PM10_24h"]), float(v["SO2_24h"]),
                               float(v["NO2_24h"]), float(v["CO_24h"]), float(v["O3_8h"]), "daily")
        prim = sorted(cal_primary_pollutant(iaqi))
        got = res[r["id"]]
        if got["aqi"] != aqi or sorted(got["primary_pollutants"]) != prim:
            failures.append(f"daily {v}: ecociv {got['aqi']} {got['primary_pollutants']} vs aqi-hub {aqi} {prim}")
    aqc.breakpoints["SO2_24H"] = saved
    return len(rows), failures


def generated_station_file(path, seed, year=2019, stations=3):
    """Integer hourly data with gaps: days with 19 and 20 hours, sparse O3 days."""
    rng = random.Random(seed)
    import datetime as dt

    with open(path, "w") as f:
        f.write("station,time,PM2.5 [μg/m³],PM10 [μg/m³],SO2 [μg/m³],NO2 [μg/m³],CO [mg/m³],O3 [μg/m³]\n")
        day = dt.date(year, 1, 1)
        while day.year == year:
            for s in range(stations):
                missing = set(rng.sample(range(24), rng.choice([0, 0, 0, 2, 4, 5, 10])))
                o3_missing = set(rng.sample(range(24), rng.choice([0, 0, 3, 8, 12])))
                base = rng.randint(10, 200)
                for h in range(24):
                    def v(x):
                        return "NA" if h in missing else str(x)
                    o3 = "NA" if h in o3_missing else str(rng.randint(5, 60) + 12 * min(h, 24 - h))
                    f.write(f"S{s},{day} {h:02d}:00,{v(base + rng.randint(-9, 9))},"
                            f"{v(int(base * 1.6) + rng.randint(0, 30))},{v(rng.randint(2, 60))},"
                            f"{v(rng.randint(10, 120))},{v(rng.randint(3, 40) / 10)},{o3}\n")
            day += dt.timedelta(days=1)


def check_pipeline(ecociv, seed):
    import pipeline

    failures = []
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "gen.csv")
        generated_station_file(p, seed)
        for std in ("2012", "2026"):
            ours = json.loads(subprocess.run(
                [ecociv, "air", "evaluate", p, "--year", "2019", "--standard", std, "--format", "json"],
                check=True, capture_output=True, text=True).stdout)
            theirs = pipeline.evaluate([p], 2019, std, exact=True)
            for k in ("valid_days", "good_days", "good_days_ratio", "days_by_category"):
                if ours[k] != theirs[k]:
                    failures.append(f"pipeline {std} {k}: ecociv {ours[k]} vs pandas {theirs[k]}")
            for pol, t in theirs["pollutants"].items():
                o = ours["pollutants"][pol]
                for k in ("annual_mean", "percentile_value", "valid_days"):
                    if o[k] != t[k]:
                        failures.append(f"pipeline {std} {pol} {k}: ecociv {o[k]} vs pandas {t[k]}")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ecociv", required=True)
    ap.add_argument("--cases", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=20260301)
    ap.add_argument("--reference", default=None, help="hj633_breakpoints.csv (default: ../shared)")
    a = ap.parse_args()

    ref = Path(a.reference) if a.reference else HERE.parent.parent.parent / "shared/reference/hj633_breakpoints.csv"
    if ref.is_file():
        TABLE.update(load_reference_csv(ref))
        print(f"oracle breakpoints: {ref}")
    else:
        print("oracle breakpoints: embedded copy (shared reference CSV not found)")

    agree, compared, classes, failures = check_iaqi(a.ecociv, a.cases, a.seed)
    n_daily, daily_failures = check_daily_aqi(a.ecociv, a.cases // 6, a.seed)
    pipe_failures = check_pipeline(a.ecociv, a.seed)
    failures += daily_failures + pipe_failures

    print(f"IAQI cases: {a.cases} (seed {a.seed}); ecociv == exact oracle: {agree['oracle']}")
    print(f"aqi-hub 0.3.3 (HJ 633-2026): {compared['aqi-hub']} compared, {agree['aqi-hub']} identical")
    print(f"python-aqi 0.6.1 (mep, HJ 633-2012): {compared['python-aqi']} compared, {agree['python-aqi']} identical")
    desc = {
        "A1": "aqi-hub SO2_24H uses the SO2 1-hour segments (its bug); value == its own SO2_1H",
        "A2": "input not at reporting resolution: ecociv rounds per GB/T 8170 first (HJ 633-2026 §4.2.2), aqi-hub does not",
        "A3": "aqi-hub float noise: the exact IAQI is an integer, its float ceil gives one more",
        "P1": "python-aqi raises above its table (O3 8-h > 800, SO2 1-h > 800, above the top breakpoint)",
        "P2": "python-aqi: integer-gap segments, truncated concentration, half-even result (emulated exactly)",
    }
    print("differences by documented class:")
    for k, v in classes.items():
        ex = ""
        if v:
            r, got, peer = v[0]
            ex = f"  e.g. {r['item']} {fmt(r['c'])}: ecociv {got}, peer {peer}"
        print(f"  {k} {len(v):5d}  {desc[k]}{ex}")
    print(f"daily AQI and primary pollutants vs aqi-hub cal_aqi_cn (SO2_24H repaired): {n_daily} days, "
          f"{len(daily_failures)} differ")
    print(f"annual evaluation vs independent pandas pipeline (exact, 3 stations, 2019, both editions): "
          f"{'identical' if not pipe_failures else 'DIFFERENT'}")
    if failures:
        print(f"\n{len(failures)} unexplained differences:")
        for f in failures[:30]:
            print("  " + f)
        sys.exit(1)
    print("cross-check passed: every difference is in a documented class")


if __name__ == "__main__":
    main()
