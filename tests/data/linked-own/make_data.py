"""Writes the exports and margins of the linked-own reference case (formats.md section 9).

Two waves of one synthetic citizen panel: 2022 (500 respondents) and 2023 (480). 260 members
answered both times (a year older in 2023, so some change age group); 240 of 2022 left and
220 new recruits joined. Who stays depends on age and trust (informative attrition). Answers
are correlated within a person across waves. The 2023 export renames three columns, and
2023 is also raked to area while 2022 is raked to age group x sex only.

Run from anywhere: ``python tests/data/linked-own/make_data.py``. Fixed seed, no global
random state: the same files every time.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 20221223
N_PREVIOUS, N_LINKED, N_NEW = 500, 260, 220

SEXES = ["Kvinde", "Mand"]
AREAS = ["Nord", "Syd", "Øst", "Vest"]
AGREE = ["Helt enig", "Delvis enig", "Hverken enig eller uenig", "Delvis uenig", "Helt uenig"]
LONELY = ["Aldrig", "Sjældent", "Nogle gange", "Ofte"]
AGE_LABELS = ["18-29", "30-49", "50-69", "70+"]
# Population counts (each wave's margins file; every margin of a wave has the same total).
POP_2022 = {
    "18-29": (5600, 5400),
    "30-49": (8200, 8000),
    "50-69": (7400, 7300),
    "70+": (3500, 2600),
}
POP_2023 = {
    "18-29": (5700, 5500),
    "30-49": (8300, 8100),
    "50-69": (7400, 7300),
    "70+": (3600, 2600),
}
AREAS_2023 = [14500, 12000, 12500, 9500]


def people(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """New panel members: background and the person effects that persist across waves."""
    age = np.clip(np.rint(rng.triangular(18, 38, 92, size=n)), 18, 95).astype(int)
    return {
        "sex": rng.integers(0, 2, size=n),
        "age": age,
        "area": rng.choice(4, size=n, p=[0.2, 0.25, 0.3, 0.25]),
        "trust": rng.normal(size=n) + 0.01 * (age - 50),
        "volunteer": rng.normal(size=n),
        "lonely": rng.normal(size=n) + 0.5 * (age < 30),
    }


def answers(
    rng: np.random.Generator, p: dict[str, np.ndarray], shift: float
) -> dict[str, np.ndarray]:
    """One wave's answers: person effect + wave noise (+ a change of ``shift``)."""
    n = p["age"].size

    def noisy(effect: np.ndarray, scale: float) -> np.ndarray:
        return effect + rng.normal(scale=scale, size=n)

    def missing(values: np.ndarray, label: str, share: float) -> np.ndarray:
        out = values.astype(object).copy()
        out[rng.random(n) < share] = label
        return out

    trust = np.asarray(AGREE[::-1], dtype=object)[
        np.searchsorted([-1.3, -0.6, 0.1, 0.9], noisy(p["trust"] + shift, 0.45))
    ]
    volunteer = np.where(noisy(p["volunteer"] + shift, 0.4) > 0.4, "Ja", "Nej")
    life = np.clip(np.rint(7 - 1.2 * p["lonely"] + 0.5 * p["trust"] + noisy(shift, 0.9)), 0, 10)
    lonely = np.asarray(LONELY, dtype=object)[
        np.searchsorted([-0.8, 0.3, 1.2], noisy(p["lonely"], 0.45))
    ]
    return {
        "q1": missing(trust, "Ved ikke", 0.05),
        "q2": missing(volunteer, "", 0.04),
        "q3": missing(missing(life.astype(int).astype(str), "Ved ikke", 0.05), "", 0.02),
        "q4": missing(lonely, "", 0.03),
    }


def write(path: Path, columns: dict[str, np.ndarray]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(columns)
        out.writerows(zip(*columns.values(), strict=True))


def main() -> None:
    rng = np.random.default_rng(SEED)
    ids = rng.choice(np.arange(100000, 1000000), size=N_PREVIOUS + N_NEW, replace=False)
    before = people(rng, N_PREVIOUS)
    wave1 = answers(rng, before, 0.0)
    # Attrition: the old and the trusting stay more often.
    stay = 0.6 * (before["age"] >= 50) + 0.5 * before["trust"] + rng.normal(size=N_PREVIOUS)
    kept = np.sort(np.argsort(-stay)[:N_LINKED])
    new = people(rng, N_NEW)
    now = {k: np.concatenate([before[k][kept], new[k]]) for k in before}
    now["age"] = now["age"] + np.concatenate([np.ones(N_LINKED, int), np.zeros(N_NEW, int)])
    wave2 = answers(rng, now, 0.25)
    ids2 = np.concatenate([ids[:N_PREVIOUS][kept], ids[N_PREVIOUS:]])

    order1, order2 = rng.permutation(N_PREVIOUS), rng.permutation(N_LINKED + N_NEW)
    sexes, areas = np.asarray(SEXES, dtype=object), np.asarray(AREAS, dtype=object)
    write(
        HERE / "panel-2022.csv",
        {
            "member": ids[:N_PREVIOUS][order1],
            "sex": sexes[before["sex"]][order1],
            "age": before["age"][order1],
            "area": areas[before["area"]][order1],
            **{k: v[order1] for k, v in wave1.items()},
        },
    )
    write(
        HERE / "panel-2023.csv",
        {
            "panel_id": ids2[order2],
            "koen": sexes[now["sex"]][order2],
            "alder": now["age"][order2],
            "area": areas[now["area"]][order2],
            "q1": wave2["q1"][order2],
            "q2": wave2["q2"][order2],
            "q3_life_satisfaction": wave2["q3"][order2],
            "q4": wave2["q4"][order2],
        },
    )
    for year, pop in (("2022", POP_2022), ("2023", POP_2023)):
        with (HERE / f"margins-{year}.csv").open("w", encoding="utf-8", newline="") as f:
            f.write(f"# synthetic population, {year}\n")
            out = csv.writer(f)
            out.writerow(["variable", "category", "target"])
            for label in AGE_LABELS:
                for s, count in zip(SEXES, pop[label], strict=True):
                    out.writerow(["age_group|sex", f"{label}|{s}", count])
            if year == "2023":
                for a, count in zip(AREAS, AREAS_2023, strict=True):
                    out.writerow(["area", a, count])


if __name__ == "__main__":
    main()
