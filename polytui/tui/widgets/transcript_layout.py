"""Heights of the turns of a transcript and a prefix sum over them, so a content row ``y`` maps
to its turn with one bisect. Heights start as estimates and are corrected one turn at a time as
turns get wrapped exactly; the prefix sum is rebuilt from the first changed turn on ``flush``.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate


class HeightIndex:
    """Row heights per turn with O(log n) row -> turn lookups."""

    __slots__ = ("_heights", "_starts", "_dirty_from", "_exact")

    def __init__(self, heights: list[int]) -> None:
        self._heights = [max(1, h) for h in heights]
        self._starts = [0, *accumulate(self._heights)]
        self._dirty_from: int | None = None
        self._exact: set[int] = set()

    def __len__(self) -> int:
        return len(self._heights)

    @property
    def exact_count(self) -> int:
        """How many turns have an exact (wrapped) height."""
        return len(self._exact)

    def is_exact(self, index: int) -> bool:
        return index in self._exact

    def set_exact(self, index: int, height: int) -> None:
        """Record the wrapped height of a turn (call ``flush`` before reading positions)."""
        height = max(1, height)
        self._exact.add(index)
        if self._heights[index] != height:
            self._heights[index] = height
            if self._dirty_from is None or index < self._dirty_from:
                self._dirty_from = index

    def refine(self, heights: list[int]) -> None:
        """New estimates for the turns not yet exact (same number of turns)."""
        exact = self._exact
        self._heights = [
            old if index in exact else max(1, new)
            for index, (old, new) in enumerate(zip(self._heights, heights, strict=True))
        ]
        self._dirty_from = 0

    def flush(self) -> None:
        """Bring the prefix sum up to date after ``set_exact`` calls."""
        first = self._dirty_from
        if first is None:
            return
        self._dirty_from = None
        starts = self._starts
        starts[first:] = accumulate(self._heights[first:], initial=starts[first])

    @property
    def total(self) -> int:
        self.flush()
        return self._starts[-1]

    def height(self, index: int) -> int:
        return self._heights[index]

    def start(self, index: int) -> int:
        self.flush()
        return self._starts[index]

    def end(self, index: int) -> int:
        """First row after the turn."""
        self.flush()
        return self._starts[index + 1]

    def index_at(self, y: int) -> int:
        """The turn covering row ``y`` (clamped to the first/last turn); -1 when empty."""
        if not self._heights:
            return -1
        self.flush()
        index = bisect_right(self._starts, y) - 1
        return min(max(index, 0), len(self._heights) - 1)
