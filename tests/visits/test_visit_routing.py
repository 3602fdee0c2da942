"""The visiting order, on real 2015 Boston 311 locations: never longer than the list's order, and 2-opt optimal."""

from __future__ import annotations

import math
import random

import pytest

from fieldops.imports.services import located_rows
from fieldops.visits.routing import (
    EPSILON_M,
    best_two_opt_move,
    distance_matrix,
    path_length,
    plan_route,
    project,
)
from data_files import shared_file

BOSTON_BOX = (42.22, 42.41, -71.20, -70.98)  # lat min/max, lon min/max: the city, not geocoding accidents


def _boston_points() -> list[tuple[float, float]]:
    # Boston's 311 system puts cases without a location at City Hall (the mapping's fall-back point): left out.
    rows = located_rows(shared_file("boston311_2015_sample36k.csv.gz"))
    return [(lat, lon) for lat, lon, _ in rows if BOSTON_BOX[0] <= lat <= BOSTON_BOX[1] and BOSTON_BOX[2] <= lon <= BOSTON_BOX[3]]


@pytest.fixture(scope="module")
def boston() -> list[tuple[float, float]]:
    points = _boston_points()
    assert len(points) > 25_000
    return points


def _haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def _own_length(points: list[tuple[float, float]], order: list[int], start: tuple[float, float] | None) -> float:
    """The route's length measured independently of the module: great-circle legs."""
    seq = ([start] if start else []) + [points[i] for i in order]
    return sum(_haversine(a, b) for a, b in zip(seq, seq[1:]))


def test_projection_matches_great_circle_distances_across_boston(boston) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    sample = rng.sample(boston, 300)
    xy = project(sample)
    worst = 0.0
    for _ in range(2000):
        i, j = rng.randrange(300), rng.randrange(300)
        true = _haversine(sample[i], sample[j])
        if true < 200:
            continue
        worst = max(worst, abs(math.dist(xy[i], xy[j]) - true) / true)
    assert worst < 0.002, worst  # under 0.2 % across the whole city


@pytest.mark.parametrize(("size", "samples"), [(2, 50), (3, 200), (5, 200), (8, 150), (12, 100), (20, 60), (40, 20), (80, 6)])
def test_route_is_never_longer_than_the_list_and_leaves_no_improving_2opt_swap(boston, size, samples) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(size * 311)
    savings = []
    for k in range(samples):
        stops = rng.sample(boston, size)
        start = rng.choice(boston) if k % 3 == 0 else None  # sometimes from the visitor's position
        route = plan_route(stops, start)
        assert sorted(route.order) == list(range(size))  # every stop exactly once
        if start is None:
            assert route.order[0] == 0  # starts at the first visit of the list
        assert route.distance_m <= route.unordered_m + 1e-6
        assert route.distance_m == pytest.approx(_own_length(stops, route.order, start), rel=2e-3, abs=1e-6)
        assert route.unordered_m == pytest.approx(_own_length(stops, list(range(size)), start), rel=2e-3, abs=1e-6)
        # 2-opt optimal: no reversal of any stretch (the start stays put) makes it shorter.
        points = ([start] if start else []) + stops
        dist = distance_matrix(project(points))
        path = ([0] + [i + 1 for i in route.order]) if start else route.order
        assert best_two_opt_move(path, dist) is None
        for i in range(1, len(path) - 1):
            for j in range(i + 1, len(path)):
                reversed_path = path[:i] + path[i : j + 1][::-1] + path[j + 1 :]
                assert path_length(reversed_path, dist) >= path_length(path, dist) - EPSILON_M
        savings.append(route.saving_ratio)
    mean = sum(savings) / len(savings)
    print(f"\n{size:>3} stops, {samples} samples of Boston 311 locations: mean saving {mean:.1%} vs the unordered list, best {max(savings):.1%}")
    if size >= 5:
        assert mean > 0.15  # random city-wide stops: the suggested order is much shorter on average


def test_route_of_a_real_day_reports_its_saving(boston) -> None:  # type: ignore[no-untyped-def]
    # A day's round: 15 visits within 2 km of Dudley Square (Roxbury), as listed by due time.
    dudley = (42.3294, -71.0839)
    near = [p for p in boston if _haversine(p, dudley) < 2000]
    stops = random.Random(2015).sample(near, 15)
    route = plan_route(stops)
    print(f"\nA day's 15 visits around Dudley Sq: suggested {route.distance_m / 1000:.1f} km, unordered {route.unordered_m / 1000:.1f} km, saving {route.saving_ratio:.0%}")
    assert route.distance_m < route.unordered_m
    assert route.saving_ratio > 0.3


def test_small_and_degenerate_inputs() -> None:
    assert plan_route([]).order == [] and plan_route([]).distance_m == 0
    one = plan_route([(42.33, -71.08)])
    assert one.order == [0] and one.distance_m == 0
    same = plan_route([(42.33, -71.08)] * 4)  # four visits in one building
    assert sorted(same.order) == [0, 1, 2, 3] and same.distance_m == pytest.approx(0, abs=1e-9)
    from_here = plan_route([(42.33, -71.08)], start=(42.34, -71.08))
    assert from_here.order == [0] and from_here.distance_m == pytest.approx(1112, rel=0.01)  # 0.01° of latitude
    # A line of stops listed out of order comes back in order along the line.
    line = [(42.30 + 0.001 * i, -71.08) for i in (0, 5, 2, 8, 1, 3, 7, 4, 6)]
    route = plan_route(line)
    assert [line[i][0] for i in route.order] == sorted(p[0] for p in line)
    assert route.saving_m > 0
