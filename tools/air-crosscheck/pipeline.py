"""The same annual evaluation as `ecociv air evaluate`, written independently with pandas and
the aqi-hub package: the comparison pipeline of the benchmark (BENCHMARKS.md) and, in exact
mode, an oracle for the cross-check.

Usage: python pipeline.py FILES... --year 2015 [--standard 2012|2026] [--exact]

Steps (HJ 663 as implemented by ecociv, written again from the standards text):
  station hourly -> station daily means (>= 20 hours) and O3 MDA8 (17 windows ending 08..24 h,
  >= 6 hours each, >= 14 windows or an exceedance of 160) -> city daily = mean of valid
  stations -> concentrations rounded per GB/T 8170 (half to even; ints, CO 0.1) -> IAQI by
  aqi-hub (its tables patched for 2012 and for its SO2_24H bug) -> valid days, good days ->
  annual mean and numpy linear percentile, rounded half to even.

Without --exact, means are floats (pandas); with --exact, city means and final rounding use
fractions from the exact station sums (integer input only).
"""

import argparse
import json
import sys
from fractions import Fraction

import numpy as np
import pandas as pd
import aqi_hub.aqi_cn.common as aqc
from aqi_hub.aqi_cn import cal_iaqi_cn

POLLUTANTS = ["SO2", "NO2", "PM10", "PM2.5", "CO", "O3"]
BEIJING_HEADER = ["No", "year", "month", "day", "hour", "PM2.5", "PM10", "SO2", "NO2", "CO", "O3",
                  "TEMP", "PRES", "DEWP", "RAIN", "wd", "WSPM", "station"]
PCT = {"SO2": 98, "NO2": 98, "PM10": 95, "PM2.5": 95, "CO": 95, "O3": 90}
ITEM = {"SO2": "SO2_24H", "NO2": "NO2_24H", "PM10": "PM10_24H", "PM2.5": "PM25_24H", "CO": "CO_24H",
        "O3": "O3_8H"}


def segments(nodes):
    iaqi = [0, 50, 100, 150, 200, 300, 400, 500]
    return [(nodes[i], nodes[i + 1], iaqi[i], iaqi[i + 1]) for i in range(len(nodes) - 1)]


def patch_aqi_hub(standard):
    """aqi-hub 0.3.3 implements HJ 633-2026 and has SO2_24H on the 1-hour segments."""
    aqc.breakpoints["SO2_24H"] = segments([0, 50, 150, 475, 800, 1600, 2100, 2620])
    if standard == "2012":
        aqc.breakpoints["PM25_24H"] = segments([0, 35, 75, 115, 150, 250, 350, 500])
        aqc.breakpoints["PM10_24H"] = segments([0, 50, 150, 250, 350, 420, 500, 600])
    else:
        aqc.breakpoints["PM25_24H"] = segments([0, 35, 60, 115, 150, 250, 350, 500])
        aqc.breakpoints["PM10_24H"] = segments([0, 50, 120, 250, 350, 420, 500, 600])


def read(files, year):
    frames = []
    for f in files:
        head = pd.read_csv(f, nrows=0).columns.tolist()
        if head == BEIJING_HEADER:
            df = pd.read_csv(f, usecols=["year", "month", "day", "hour", "station"] + POLLUTANTS,
                             na_values=["NA"], keep_default_na=False)
            df = df[df["year"] == year]
            df["date"] = pd.to_datetime(df[["year", "month", "day"]]).dt.date
            df["CO"] = df["CO"] / 1000.0
        else:
            rename = {}
            for c in head:
                name = c.split("[")[0].split("(")[0].strip()
                if name in POLLUTANTS or name == "PM25":
                    rename[c] = "PM2.5" if name == "PM25" else name
            df = pd.read_csv(f, na_values=["NA"], keep_default_na=False).rename(columns=rename)
            t = pd.to_datetime(df["time"], format="%Y-%m-%d %H:%M")
            df = df[t.dt.year == year]
            t = t[t.dt.year == year]
            df["date"] = t.dt.date
            df["hour"] = t.dt.hour
            for c in head:
                if "mg/m" in c and rename.get(c) != "CO" and rename.get(c):
                    df[rename[c]] = df[rename[c]] * 1000.0
                if rename.get(c) == "CO" and ("ug/m" in c or "μg/m" in c or "µg/m" in c):
                    df["CO"] = df["CO"] / 1000.0
        frames.append(df[["station", "date", "hour"] + POLLUTANTS])
    return pd.concat(frames, ignore_index=True)


def station_daily(df):
    g = df.groupby(["station", "date"])
    out = {}
    for p in POLLUTANTS[:5]:
        cnt = g[p].count()
        s = g[p].sum()
        out[p] = pd.DataFrame({"sum": s, "n": cnt})[cnt >= 20]
    # O3: 24 hourly columns per station-day.
    o3 = df.pivot_table(index=["station", "date"], columns="hour", values="O3", aggfunc="first")
    o3 = o3.reindex(columns=range(24))
    v = o3.to_numpy(dtype=float)
    present = ~np.isnan(v)
    vals = np.where(present, v, 0.0)
    csum = np.concatenate([np.zeros((len(v), 1)), np.cumsum(vals, axis=1)], axis=1)
    ccnt = np.concatenate([np.zeros((len(v), 1)), np.cumsum(present, axis=1)], axis=1)
    wsum = csum[:, 8:25] - csum[:, 0:17]
    wcnt = ccnt[:, 8:25] - ccnt[:, 0:17]
    valid = wcnt >= 6
    means = np.where(valid, wsum / np.where(wcnt == 0, 1, wcnt), -1.0)
    best = means.argmax(axis=1)
    rows = np.arange(len(v))
    mda8 = means[rows, best]
    nvalid = valid.sum(axis=1)
    exceed = np.array([round_half_even(m, 0) > 160 for m in mda8])
    ok = (mda8 >= 0) & ((nvalid >= 14) | exceed)
    max1h = np.where(present, v, -1.0).max(axis=1)
    out["O3"] = pd.DataFrame({"sum": wsum[rows, best], "n": wcnt[rows, best], "max1h": max1h},
                             index=o3.index)[ok]
    return out


def round_half_even(x, digits):
    if isinstance(x, Fraction):
        q = x * 10 ** digits
        return Fraction(round(q), 10 ** digits)  # Fraction.__round__ is half to even
    return round(float(x), digits)


def city_daily(st, exact):
    city = {}
    for p, d in st.items():
        if exact:
            vals = {}
            for (station, date), row in d.iterrows():
                vals.setdefault(date, []).append(Fraction(str(round(float(row["sum"]), 4))) / int(row["n"]))
            city[p] = {k: sum(v) / len(v) for k, v in vals.items()}
            if p == "O3":
                m1 = {}
                for (station, date), row in d.iterrows():
                    m1.setdefault(date, []).append(Fraction(int(row["max1h"])))
                city["O3_1h"] = {k: sum(v) / len(v) for k, v in m1.items()}
        else:
            mean = (d["sum"] / d["n"]).groupby(level="date").mean()
            city[p] = mean.to_dict()
            if p == "O3":
                city["O3_1h"] = d["max1h"].groupby(level="date").mean().to_dict()
    return city


def evaluate(files, year, standard, exact):
    patch_aqi_hub(standard)
    df = read(files, year)
    st = station_daily(df)
    city = city_daily(st, exact)
    dates = pd.date_range(f"{year}-01-01", f"{year}-12-31").date
    valid_days = good = 0
    cats = [0] * 6
    for d in dates:
        iaqi = {}
        for p in POLLUTANTS:
            if d in city[p]:
                c = round_half_even(city[p][d], 1 if p == "CO" else 0)
                iaqi[p] = cal_iaqi_cn(ITEM[p], float(c))
        if standard == "2012" and d in city.get("O3_1h", {}):
            iaqi["O3_1h"] = cal_iaqi_cn("O3_1H", float(round_half_even(city["O3_1h"][d], 0)))
            if "O3" in iaqi and float(round_half_even(city["O3"][d], 0)) > 800:
                del iaqi["O3"]  # HJ 633-2012: O3 8-h above 800 uses the 1-h index
        if not iaqi:
            continue
        aqi = max(iaqi.values())
        complete = all(p in city and d in city[p] for p in POLLUTANTS)
        if standard == "2012":
            ok = complete
        else:
            ok = complete or aqi > 100
        if not ok:
            continue
        valid_days += 1
        good += aqi <= 100
        level = next(i for i, u in enumerate([50, 100, 150, 200, 300, 10 ** 9]) if aqi <= u)
        cats[level] += 1
    result = {"year": year, "standard": standard, "valid_days": valid_days, "good_days": good,
              "good_days_ratio": float(round_half_even(Fraction(good * 100, valid_days), 1)) if valid_days else None,
              "days_by_category": {str(i + 1): n for i, n in enumerate(cats)}, "pollutants": {}}
    for p in POLLUTANTS:
        vals = [city[p][d] for d in dates if d in city[p]]
        digits = 1 if p == "CO" else 0
        if exact:
            mean = round_half_even(sum(vals) / len(vals), digits)
            xs = sorted(vals)
            k = 1 + Fraction(len(xs) - 1) * Fraction(PCT[p], 100)
            s = int(k)
            pv = xs[-1] if s >= len(xs) else xs[s - 1] + (xs[s] - xs[s - 1]) * (k - s)
            pv = round_half_even(pv, digits)
        else:
            mean = round_half_even(np.mean(vals), digits)
            pv = round_half_even(np.percentile(vals, PCT[p]), digits)
        result["pollutants"][p] = {"annual_mean": float(mean), "percentile_value": float(pv),
                                   "valid_days": len(vals)}
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--year", type=int, required=True)
    ap.add_argument("--standard", choices=["2012", "2026"], default="2012")
    ap.add_argument("--exact", action="store_true")
    a = ap.parse_args()
    json.dump(evaluate(a.files, a.year, a.standard, a.exact), sys.stdout, ensure_ascii=False, indent=1)
    print()


if __name__ == "__main__":
    main()
