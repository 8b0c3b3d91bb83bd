"""The terminal sparkline (``charts.blocks``): values squeezed to the width by averaging the
known neighbours, each block's height between the lowest and the highest. Expected strings
are worked out by hand in each test."""

from __future__ import annotations

import pytest

from collector.report import charts


def test_at_most_32_blocks_by_default_so_33_values_are_averaged_in_pairs() -> None:
    # 33 values > 32: pairs of neighbours, sixteen pairs of 0 and a last 8 alone.
    assert charts.blocks([0.0] * 32 + [8.0]) == "▁" * 16 + "█"


def test_neighbours_are_averaged_over_the_known_values_only() -> None:
    # Width 3, six values: pairs. (0, 0) -> 0, (4, none) -> 4, (7, 7) -> 7: 4/7 of the way up.
    assert charts.blocks([0.0, 0.0, 4.0, None, 7.0, 7.0], width=3) == "▁▅█"


@pytest.mark.parametrize("width", [0, 1, 32])
def test_no_values_draw_nothing_whatever_the_width(width: int) -> None:
    assert charts.blocks([], width=width) == ""


def test_a_step_without_any_value_is_a_space() -> None:
    assert charts.blocks([None, None]) == "  "
