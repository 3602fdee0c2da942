"""Rebuild the demo data shipped in fieldops/data/ from ../shared/data (run by maintainers, not at run time).

Takes a seeded sample of real 2015 Boston 311 cases of the demo's service types, skipping rows at the
default City Hall point, and copies the Boston ward polygons. Both are City of Boston open data (ODC-PDDL).
"""

from __future__ import annotations

import csv
import gzip
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "fieldops" / "data"
PER_TYPE = 70
TYPES = [
    "Pothole Repair (Internal)",
    "Street Light Outages",
    "Sidewalk Repair (Make Safe)",
    "Empty Litter Basket",
    "Pick up Dead Animal",
    "PWD Graffiti",
    "Schedule a Bulk Item Pickup SS",
    "Rodent Activity",
    "Tree Maintenance Requests",
    "Sign Repair",
]
KEEP = ["CASE_ENQUIRY_ID", "OPEN_DT", "TYPE", "Department", "CASE_TITLE", "Location", "ward", "LATITUDE", "LONGITUDE", "Source"]
CITY_HALL = ("42.3594", "-71.0587")


def main() -> int:
    src = SHARED / "boston311_2015_sample36k.csv.gz"
    by_type: dict[str, list[dict[str, str]]] = {t: [] for t in TYPES}
    with gzip.open(src, "rt", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["TYPE"] in by_type and (row["LATITUDE"], row["LONGITUDE"]) != CITY_HALL and row["LATITUDE"]:
                by_type[row["TYPE"]].append(row)
    rng = random.Random(311)
    rows = []
    for t in TYPES:
        rows.extend(rng.sample(by_type[t], min(PER_TYPE, len(by_type[t]))))
    rows.sort(key=lambda r: r["CASE_ENQUIRY_ID"])
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "boston311_2015_demo.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=KEEP, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    shutil.copyfile(SHARED / "boston_wards_2012-2022.geojson", OUT / "boston_wards.geojson")
    print(f"wrote {len(rows)} requests and the Boston wards to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
