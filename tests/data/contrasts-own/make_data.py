"""Writes data.csv and margins.csv of the contrasts-own reference case (formats.md 8.4).

A synthetic citizen panel of 300 respondents for contrasts of means: life satisfaction
0-10, trust in the council on a four-point scale (a mean through ``scores:`` and a
distribution), hours of exercise a week (a number with decimals), sex and area (the
raking margins) and education, the second breakdown, which is itself often unanswered,
so some respondents of a domain have no group. Answers are missing as "Ved ikke" or
empty. The sample has too few men and too few in Vest, so the raked weights vary.

Run from anywhere: ``python tests/data/contrasts-own/make_data.py``. Fixed seed, no global
random state: the same files every time.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 20261203
N = 300

SEXES = ["Mand", "Kvinde"]
AREAS = ["Nord", "Syd", "Vest"]
EDUCATION = ["Grundskole", "Erhvervsuddannelse", "Videregående"]
TRUST = ["Slet ikke", "Lidt", "Noget", "Meget"]
SAMPLE_SEX = [0.35, 0.65]
SAMPLE_AREA = [0.45, 0.40, 0.15]
POP_SEX = [24_000, 26_000]
POP_AREA = [17_000, 18_000, 15_000]


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
    sex = rng.choice(2, size=N, p=SAMPLE_SEX)
    area = rng.choice(3, size=N, p=SAMPLE_AREA)
    edu = rng.choice(3, size=N, p=[0.25, 0.35, 0.40])
    latent = (
        rng.normal(size=N) + 0.8 * (edu == 2) - 0.5 * (edu == 0) - 0.5 * (area == 2) + 0.4 * sex
    )
    life = np.clip(np.rint(6.5 + 1.4 * latent + rng.normal(scale=1.6, size=N)), 0, 10)
    trust = np.searchsorted([-0.9, 0.0, 0.9], latent + rng.normal(scale=0.9, size=N))
    exercise = np.round(np.maximum(0, 3 + 1.2 * latent + rng.gamma(2, 1.5, size=N) - 3), 1)
    rows = {
        "respondent": np.arange(7001, 7001 + N),
        "koen": np.asarray(SEXES, dtype=object)[sex],
        "omraade": np.asarray(AREAS, dtype=object)[area],
        "udd": with_missing(rng, np.asarray(EDUCATION, dtype=object)[edu], 0.0, 0.08),
        "q1": with_missing(rng, life.astype(int).astype(str), 0.05, 0.04),
        "q2": with_missing(rng, np.asarray(TRUST, dtype=object)[trust], 0.07, 0.03),
        "q3": with_missing(rng, np.asarray([f"{x:.1f}" for x in exercise]), 0.0, 0.06),
    }
    with (HERE / "data.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(rows)
        out.writerows(zip(*rows.values(), strict=True))
    with (HERE / "margins.csv").open("w", encoding="utf-8", newline="") as f:
        f.write("# synthetic population of 50,000 adults (made up for this case)\n")
        out = csv.writer(f)
        out.writerow(["variable", "category", "target"])
        for s, count in zip(SEXES, POP_SEX, strict=True):
            out.writerow(["sex", s, count])
        for a, count in zip(AREAS, POP_AREA, strict=True):
            out.writerow(["area", a, count])


if __name__ == "__main__":
    main()
