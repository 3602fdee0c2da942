"""Visiting-order quality and speed on real 2015 Boston 311 locations.

    .venv/bin/python bench/visit_route_bench.py

For random days of n visits across Boston, and for days of 15 visits within 2 km of a neighbourhood centre,
prints the mean saving of the suggested order over the list's order, the gap to the true shortest order
(brute force, n <= 9), and the time to plan one day.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fieldops.imports.services import located_rows  # noqa: E402
from fieldops.visits.routing import distance_matrix, path_length, plan_route, project  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "boston311_2015_sample36k.csv.gz"
NEIGHBOURHOODS = {"Dudley Sq": (42.3294, -71.0839), "Fields Corner": (42.3003, -71.0616), "Brighton Center": (42.3490, -71.1530)}


def boston_points() -> list[tuple[float, float]]:
    # The city itself, not geocoding accidents.
    return [(lat, lon) for lat, lon, _ in located_rows(DATA) if 42.22 <= lat <= 42.41 and -71.20 <= lon <= -70.98]


def optimum(stops: list[tuple[float, float]]) -> float:
    """The shortest open path from stops[0] through all the others (brute force)."""
    dist = distance_matrix(project(stops))
    return min(path_length([0, *perm], dist) for perm in itertools.permutations(range(1, len(stops))))


def main() -> None:
    points = boston_points()
    rng = random.Random(311)
    print(f"{len(points):,} Boston 311 locations (City Hall default point left out)\n")
    print(f"{'stops':>5}  {'days':>4}  {'mean saving':>11}  {'gap to optimum':>14}  {'ms per day':>10}")
    for n, days in ((5, 300), (8, 200), (9, 60), (12, 200), (20, 100), (40, 30), (80, 10), (150, 4)):
        savings, gaps, times = [], [], []
        for _ in range(days):
            stops = rng.sample(points, n)
            t0 = time.perf_counter()
            route = plan_route(stops)
            times.append((time.perf_counter() - t0) * 1000)
            savings.append(route.saving_ratio)
            if n <= 9:
                best = optimum(stops)
                gaps.append(route.distance_m / best - 1 if best else 0.0)
        gap = f"{statistics.mean(gaps):.2%} (max {max(gaps):.1%})" if gaps else "—"
        print(f"{n:>5}  {days:>4}  {statistics.mean(savings):>11.1%}  {gap:>14}  {statistics.median(times):>10.1f}")
    print()
    for name, centre in NEIGHBOURHOODS.items():
        near = [p for p in points if math.dist(project([p, centre], origin=centre)[0], (0, 0)) < 2000]
        day = rng.sample(near, 15)
        route = plan_route(day)
        print(f"15 visits within 2 km of {name}: suggested {route.distance_m / 1000:.1f} km, unordered {route.unordered_m / 1000:.1f} km ({route.saving_ratio:.0%} shorter)")


if __name__ == "__main__":
    main()
