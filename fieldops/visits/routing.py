"""A short visiting order for a day's follow-up visits.

Distances are straight lines on a local projection: longitude/latitude are projected to metres with an
equirectangular projection around the points' centroid (x = R·Δλ·cos φ0, y = R·Δφ). Over a city (tens of
kilometres) this is within a fraction of a percent of the great-circle distance, and it makes every distance
a plain Euclidean one. Walking and driving distances are longer than straight lines, but the order that keeps
straight lines short is a good order for streets too.

The route is an open path from a fixed start (the visitor's position if known, else the first visit of the
list) through every stop, without returning. It is built by nearest neighbour, then improved by 2-opt (reverse
a stretch) and Or-opt (move a run of one to three stops elsewhere, either way round) until neither finds an
improvement. For a day's list (up to 60 stops), and whenever that ends longer than the list's own order, the same
local search is also run from the list's order and the shorter result kept, so the suggested route is never
longer than visiting the list as given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
# Improvements smaller than this (metres) are rounding noise, not progress: stops the search from cycling.
EPSILON_M = 1e-6
# Up to this many stops the local search also starts from the list's order and keeps the better (a few ms).
SECOND_START_UP_TO = 60


@dataclass(frozen=True)
class Route:
    """A suggested order: indexes into the stops given, its length and the length of the order given (metres)."""

    order: list[int]
    distance_m: float
    unordered_m: float

    @property
    def saving_m(self) -> float:
        """How much shorter than visiting the stops in the order given."""
        return self.unordered_m - self.distance_m

    @property
    def saving_ratio(self) -> float:
        """The saving as a share of the unordered length (0 when there is nothing to save)."""
        return self.saving_m / self.unordered_m if self.unordered_m > 0 else 0.0


def project(points: Sequence[tuple[float, float]], origin: tuple[float, float] | None = None) -> list[tuple[float, float]]:
    """(lat, lon) pairs to local (x, y) metres, equirectangular around `origin` (default: the centroid)."""
    if not points:
        return []
    lat0, lon0 = origin or (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
    k = math.cos(math.radians(lat0))
    return [
        (EARTH_RADIUS_M * math.radians(lon - lon0) * k, EARTH_RADIUS_M * math.radians(lat - lat0))
        for lat, lon in points
    ]


def distance_matrix(xy: Sequence[tuple[float, float]]) -> list[list[float]]:
    """Euclidean distances between every pair of projected points."""
    return [[math.hypot(ax - bx, ay - by) for bx, by in xy] for ax, ay in xy]


def path_length(path: Sequence[int], dist: Sequence[Sequence[float]]) -> float:
    """Length of an open path through the given node indexes."""
    return sum(dist[a][b] for a, b in zip(path, path[1:]))


def nearest_neighbour(dist: Sequence[Sequence[float]], start: int = 0) -> list[int]:
    """Greedy path from `start`: always go to the closest stop not visited yet (ties: the lower index)."""
    n = len(dist)
    path = [start]
    left = set(range(n)) - {start}
    while left:
        here = path[-1]
        nxt = min(left, key=lambda j: (dist[here][j], j))
        path.append(nxt)
        left.remove(nxt)
    return path


def two_opt_gain(path: Sequence[int], dist: Sequence[Sequence[float]], i: int, j: int) -> float:
    """How much shorter the open path gets by reversing path[i..j] (1 <= i < j < len(path); path[0] stays first)."""
    a, b, c = path[i - 1], path[i], path[j]
    gain = dist[a][b] - dist[a][c]
    if j + 1 < len(path):
        d = path[j + 1]
        gain += dist[c][d] - dist[b][d]
    return gain


def best_two_opt_move(path: Sequence[int], dist: Sequence[Sequence[float]]) -> tuple[float, int, int] | None:
    """The most improving 2-opt reversal (gain, i, j), or None when no reversal shortens the path."""
    best: tuple[float, int, int] | None = None
    for i in range(1, len(path) - 1):
        for j in range(i + 1, len(path)):
            gain = two_opt_gain(path, dist, i, j)
            if gain > EPSILON_M and (best is None or gain > best[0]):
                best = (gain, i, j)
    return best


def _two_opt(path: list[int], dist: Sequence[Sequence[float]]) -> bool:
    """Apply first-improvement reversals until none helps; True if anything changed."""
    changed = False
    improved = True
    while improved:
        improved = False
        for i in range(1, len(path) - 1):
            for j in range(i + 1, len(path)):
                if two_opt_gain(path, dist, i, j) > EPSILON_M:
                    path[i : j + 1] = path[i : j + 1][::-1]
                    improved = changed = True
    return changed


def _or_opt(path: list[int], dist: Sequence[Sequence[float]]) -> bool:
    """Move one run of 1-3 stops (either way round) to where it shortens the path most; True if moved."""
    n = len(path)
    for k in (1, 2, 3):
        for i in range(1, n - k + 1):
            seg = path[i : i + k]
            prev, nxt = path[i - 1], (path[i + k] if i + k < n else None)
            removed = dist[prev][seg[0]] + (dist[seg[-1]][nxt] if nxt is not None else 0.0)
            bridged = dist[prev][nxt] if nxt is not None else 0.0
            cut_gain = removed - bridged
            if cut_gain <= EPSILON_M:
                continue
            rest = path[:i] + path[i + k :]
            best: tuple[float, int, bool] | None = None
            # Insert between rest[p] and rest[p + 1] (or after the last stop); never before the fixed start.
            for p in range(len(rest)):
                if p == i - 1:
                    continue  # where it came from
                u = rest[p]
                v = rest[p + 1] if p + 1 < len(rest) else None
                for rev in (False, True):
                    first, last = (seg[-1], seg[0]) if rev else (seg[0], seg[-1])
                    added = dist[u][first] + (dist[last][v] - dist[u][v] if v is not None else 0.0)
                    gain = cut_gain - added
                    if gain > EPSILON_M and (best is None or gain > best[0]):
                        best = (gain, p, rev)
            if best is not None:
                _, p, rev = best
                moved = seg[::-1] if rev else seg
                path[:] = rest[: p + 1] + moved + rest[p + 1 :]
                return True
    return False


def improve(path: list[int], dist: Sequence[Sequence[float]]) -> list[int]:
    """2-opt and Or-opt in turn until neither shortens the path (path[0] stays first); returns the path."""
    path = list(path)
    while True:
        _two_opt(path, dist)
        if not _or_opt(path, dist):
            return path


def plan_route(stops: Sequence[tuple[float, float]], start: tuple[float, float] | None = None) -> Route:
    """A short visiting order for (lat, lon) stops from `start` (default: the first stop), never longer than the given order."""
    n = len(stops)
    if n == 0:
        return Route(order=[], distance_m=0.0, unordered_m=0.0)
    points = ([start] if start is not None else []) + list(stops)
    dist = distance_matrix(project(points))
    offset = 1 if start is not None else 0
    given = list(range(len(points)))  # the start (if any), then the stops as listed
    unordered = path_length(given, dist)
    if n <= 2 and start is None:
        return Route(order=list(range(n)), distance_m=unordered, unordered_m=unordered)
    best = improve(nearest_neighbour(dist, 0), dist)
    if n <= SECOND_START_UP_TO or path_length(best, dist) > unordered:
        # A second start often finds a better local optimum and costs little for a day's list; and improving the
        # list's own order can never end longer than it (the guarantee when the first search ends worse).
        best = min(best, improve(given, dist), key=lambda p: path_length(p, dist))
    return Route(
        order=[node - offset for node in best[offset:]],
        distance_m=path_length(best, dist),
        unordered_m=unordered,
    )
