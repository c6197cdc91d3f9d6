"""Writes data.csv and margins.csv of the analyses-own reference case (formats.md section 8).

A synthetic citizen panel of 400 respondents: a 0-10 life satisfaction, three loneliness
items (the third worded the other way, so reversed in the score), a five-point agree scale,
sex, age and area. The sample is far from the population (few young men, area strongly tied
to age), so the raked weights are extreme and the two margins strongly associated.

Run from anywhere: ``python tests/data/analyses-own/make_data.py``. Fixed seed, no global
random state: the same files every time.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 20261202
N = 400

AGE_GROUPS = [("18-29", 18, 29), ("30-49", 30, 49), ("50-69", 50, 69), ("70+", 70, 92)]
SEXES = ["Mand", "Kvinde"]
AREAS = ["Nord", "Syd", "Øst", "Vest"]
# Sample share of each age group x sex cell (rows: age groups; columns: Mand, Kvinde).
SAMPLE_CELLS = np.array([[0.03, 0.07], [0.10, 0.15], [0.15, 0.20], [0.12, 0.18]])
# Area given the age group, in the sample: the young live in Nord, the old in Øst and Vest.
AREA_GIVEN_AGE = np.array(
    [
        [0.60, 0.15, 0.15, 0.10],
        [0.35, 0.25, 0.20, 0.20],
        [0.15, 0.30, 0.30, 0.25],
        [0.05, 0.25, 0.35, 0.35],
    ]
)
# Population counts (50,000 in both margins): many more young people than the sample has.
POP_CELLS = np.array([[6000, 5700], [7500, 7200], [6200, 6300], [4400, 6700]])
POP_AREAS = np.array([15000, 12500, 12500, 10000])

LONELY_ANSWERS = ["Sjældent eller aldrig", "En gang imellem", "Ofte"]
AGREE = ["Helt enig", "Delvis enig", "Hverken enig eller uenig", "Delvis uenig", "Helt uenig"]


def ordinal(latent: np.ndarray, cuts: list[float], labels: list[str]) -> np.ndarray:
    """The label of the interval of ``cuts`` each latent value falls in."""
    return np.asarray(labels, dtype=object)[np.searchsorted(cuts, latent)]


def with_missing(
    rng: np.random.Generator, answers: np.ndarray, dont_know: float, empty: float
) -> np.ndarray:
    """Answers with a share turned into "Ved ikke" and a share left empty."""
    u = rng.random(answers.size)
    out = answers.astype(object).copy()
    out[u < dont_know] = "Ved ikke"
    out[(u >= dont_know) & (u < dont_know + empty)] = ""
    return out


def main() -> None:
    rng = np.random.default_rng(SEED)
    cell = rng.choice(SAMPLE_CELLS.size, size=N, p=SAMPLE_CELLS.ravel())
    group, sex = np.divmod(cell, 2)
    lows = np.array([g[1] for g in AGE_GROUPS])
    highs = np.array([g[2] for g in AGE_GROUPS])
    age = rng.integers(lows[group], highs[group] + 1)
    u = rng.random(N)[:, None]
    area = (u > np.cumsum(AREA_GIVEN_AGE[group], axis=1)).sum(axis=1)

    # One latent loneliness per person drives the items, life satisfaction and safety.
    lonely = rng.normal(size=N) + 0.6 * (group == 0) + 0.3 * (area == 0) - 0.2 * sex
    items = [
        ordinal(lonely + rng.normal(scale=0.8, size=N), [-0.2, 1.0], LONELY_ANSWERS),
        ordinal(lonely + rng.normal(scale=0.8, size=N), [0.0, 1.2], LONELY_ANSWERS),
        ordinal(-lonely + rng.normal(scale=0.8, size=N), [-0.8, 0.6], LONELY_ANSWERS),
    ]
    life = np.clip(np.rint(6.8 - 1.3 * lonely + rng.normal(scale=1.8, size=N)), 0, 10)
    safe = ordinal(
        -0.5 * lonely + 0.4 * (area >= 2) + rng.normal(size=N), [-1.2, -0.5, 0.1, 0.9], AGREE[::-1]
    )

    rows = {
        "respondent": np.arange(5001, 5001 + N),
        "koen": np.asarray(SEXES, dtype=object)[sex],
        "alder": age,
        "omraade": np.asarray(AREAS, dtype=object)[area],
        "q1": with_missing(rng, life.astype(int).astype(str), 0.06, 0.03),
        "q2_1": with_missing(rng, items[0], 0.04, 0.03),
        "q2_2": with_missing(rng, items[1], 0.04, 0.03),
        "q2_3": with_missing(rng, items[2], 0.05, 0.03),
        "q3": with_missing(rng, safe, 0.05, 0.02),
    }
    with (HERE / "data.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(rows)
        out.writerows(zip(*rows.values(), strict=True))

    with (HERE / "margins.csv").open("w", encoding="utf-8", newline="") as f:
        f.write("# synthetic population of 50,000 adults (made up for this case)\n")
        out = csv.writer(f)
        out.writerow(["variable", "category", "target"])
        for (label, _, _), counts in zip(AGE_GROUPS, POP_CELLS, strict=True):
            for s, count in zip(SEXES, counts, strict=True):
                out.writerow(["age_group|sex", f"{label}|{s}", int(count)])
        for a, count in zip(AREAS, POP_AREAS, strict=True):
            out.writerow(["area", a, int(count)])


if __name__ == "__main__":
    main()
