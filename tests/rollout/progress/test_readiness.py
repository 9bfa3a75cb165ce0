"""Readiness levels (``rollout.progress.figures``): the mean of the covered, staffed, trained and equipped shares
of the whole area, with the documented thresholds; a district at 100% coverage that is mostly staffed, trained
and equipped no longer reads "Thấp"; the badge says the level in words, beside its colour and percentage."""

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from rollout.progress.figures import READINESS_HIGH, READINESS_MEDIUM, Figures

NOBODY = Figures()
NOTHING_YET = Figures(communes=11, covered=0, staffing_norm=44)  # Tu Mơ Rông before the pilot: 0%
HALF_WAY = Figures(communes=10, covered=6, staffing_norm=40, deployed=24, trained_deployed=20, equipped=5)
# The demo's Thành phố Kon Tum: every commune covered, most of them staffed, trained and equipped, 1 operational.
CITY = Figures(communes=21, covered=21, staffing_norm=84, deployed=70, trained_deployed=63, equipped=16, operational=1)
ALL_OPERATIONAL = Figures(communes=3, covered=3, staffing_norm=12, deployed=12, trained_deployed=12, equipped=3,
                          operational=3)  # fmt: skip


@pytest.mark.parametrize(
    ("figures", "percent", "level"),
    [
        (NOBODY, None, "none"),
        (NOTHING_YET, 0.0, "low"),
        (HALF_WAY, 55.0, "medium"),  # (60 + 60 + 50 + 50) / 4
        (CITY, 83.6, "high"),  # (100 + 83.3 + 75 + 76.2) / 4
        (ALL_OPERATIONAL, 100.0, "ready"),
        # Covered before the pilot, but nobody recorded as deployed, trained or equipped: still low.
        (Figures(communes=4, covered=4, staffing_norm=16), 25.0, "low"),
        # More officers than the norm count as the norm, not more.
        (Figures(communes=2, covered=1, staffing_norm=4, deployed=9, trained_deployed=9, equipped=0), 62.5, "medium"),
    ],
    ids=["no-communes", "0%", "middle", "100%-coverage", "all-operational", "baseline-only", "over-norm"],
)
def test_readiness_level_of_an_area(figures, percent, level):
    assert figures.readiness_percent == percent
    assert figures.readiness == level


def test_the_thresholds_are_inclusive():
    # communes 4, covered 4 (1), staffed 4/10 (.4), trained 2/10 (.2), equipped 2/4 (.5): 52.5%
    assert Figures(communes=4, covered=4, staffing_norm=10, deployed=4, trained_deployed=2, equipped=2).readiness == (
        "medium"
    )
    exactly_medium = Figures(communes=2, covered=2, staffing_norm=2, deployed=0, trained_deployed=0, equipped=2)
    assert exactly_medium.readiness_percent == READINESS_MEDIUM and exactly_medium.readiness == "medium"
    just_below_high = Figures(communes=10, covered=10, staffing_norm=10, deployed=10, trained_deployed=10, equipped=1)
    assert just_below_high.readiness_percent == 77.5 and just_below_high.readiness == "medium"
    exactly_high = Figures(communes=5, covered=5, staffing_norm=5, deployed=5, trained_deployed=1, equipped=5)
    assert exactly_high.readiness_percent == READINESS_HIGH and exactly_high.readiness == "high"


@pytest.mark.parametrize(
    ("figures", "words"),
    [(NOTHING_YET, "Thấp 0,0%"), (HALF_WAY, "Trung bình 55,0%"), (CITY, "Cao 83,6%"),
     (ALL_OPERATIONAL, "Đã sẵn sàng 100,0%"), (NOBODY, "Chưa có số liệu")],
)  # fmt: skip
def test_the_badge_says_the_level_in_words(figures, words):
    with translation.override("vi"):
        html = render_to_string("rollout/dashboard/readiness.html", {"f": figures})
    assert f'data-level="{figures.readiness}"' in html
    assert " ".join(re.sub(r"<[^>]+>", " ", html).split()) == words
