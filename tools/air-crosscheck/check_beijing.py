"""Run `ecociv air evaluate` on the Beijing files for the complete years 2014-2016 under both
editions and compare with the pinned results (the same as crates/ecociv-standards/tests/air_beijing.rs,
but through the CLI and its JSON). Usage: python check_beijing.py ECOCIV DATA_DIR"""

import glob
import json
import subprocess
import sys

# (year, standard): (valid days, good days, good-day ratio, PM2.5 mean, PM2.5 P95, O3 P90)
EXPECTED = {
    (2014, "2012"): (360, 169, 46.9, 84, 223, 200),
    (2015, "2012"): (363, 187, 51.5, 79, 230, 200),
    (2016, "2012"): (363, 197, 54.3, 72, 192, 199),
    (2014, "2026"): (362, 126, 34.8, 84, 223, 200),
    (2015, "2026"): (363, 162, 44.6, 79, 230, 200),
    (2016, "2026"): (365, 172, 47.1, 72, 192, 199),
}


def main():
    ecociv, data = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(f"{data}/*.csv"))
    assert len(files) == 12, files
    bad = 0
    print("year std  valid good ratio  PM2.5 P95  O3-P90  PM2.5-compliant")
    for (year, std), want in EXPECTED.items():
        out = subprocess.run([ecociv, "air", "evaluate", *files, "--year", str(year), "--standard", std,
                              "--format", "json"], check=True, capture_output=True, text=True).stdout
        v = json.loads(out)
        pm, o3 = v["pollutants"]["PM2.5"], v["pollutants"]["O3"]
        got = (v["valid_days"], v["good_days"], v["good_days_ratio"], pm["annual_mean"],
               pm["percentile_value"], o3["percentile_value"])
        mark = "ok" if got == want else f"MISMATCH, expected {want}"
        bad += got != want
        print(f"{year} {std} {got[0]:5d} {got[1]:4d} {got[2]:5.1f} {got[3]:6} {got[4]:4} {got[5]:6}  "
              f"{pm['compliant']}  {mark}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
