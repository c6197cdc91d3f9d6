"""Level sums (stats/design.py): an answer with a few values (a share's yes/no, a
distribution's answers, a quantile's "at or below") gives the same estimates, variances,
contrasts and tests from its sums by raking pattern × group × level as from every
respondent's linearised values. These properties hold on random raked designs (sweeps
and exact), with domains, respondents without a group and weights of 0; the respondent
path is the one the R reference cases check (tests/test_reference.py, test_kinds.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import random_design
from panelkit.results import EstimateKind
from panelkit.stats import estimation
from panelkit.stats.contrasts import (
    association,
    group_contrasts,
    level_association,
    level_contrasts,
)
from panelkit.stats.design import (
    Breakdown,
    Domain,
    Influence,
    LevelSums,
    SurveyDesign,
    declare_design,
)

LEVELS = 3
GROUPS = 3

# One respondent: group (−1 = none), level, weight (0 possible), two margin cells, inside.
respondent = st.tuples(
    st.integers(-1, GROUPS - 1),
    st.integers(0, LEVELS - 1),
    st.one_of(st.just(0.0), st.floats(0.2, 5)),
    st.integers(0, 2),
    st.integers(0, 1),
    st.booleans(),
)
Row = tuple[int, int, float, int, int, bool]
Case = tuple[list[Row], int | None]
cases = st.tuples(st.lists(respondent, min_size=3, max_size=40), st.sampled_from([None, 10]))


def build(
    rows: list[Row], sweeps: int | None
) -> tuple[SurveyDesign, Domain, np.ndarray, np.ndarray, Breakdown, LevelSums]:
    """The design, its domain, each domain respondent's group and level, the breakdown."""
    group = np.array([r[0] for r in rows], dtype=np.int8)
    level = np.array([r[1] for r in rows], dtype=np.intp)
    w = np.array([r[2] for r in rows])
    w[0] = 1.0  # somebody weighs something
    design, domain = random_design(rows, w, pd.DataFrame({"g": group}), sweeps)
    labels = tuple(str(k) for k in range(GROUPS))
    breakdown = Breakdown("g", group, labels)
    g = group[domain.rows]
    sums = design.level_sums(domain, g, GROUPS, level[domain.rows], LEVELS)
    assert sums is not None
    return design, domain, g, level[domain.rows], breakdown, sums


def close(got: np.ndarray, want: np.ndarray, size: float) -> bool:
    """Equal up to rounding of the values' own size (either may call a residue 0)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    same_nan = np.array_equal(np.isnan(got), np.isnan(want))
    ok = np.nan_to_num(np.abs(got - want)) <= 1e-9 * max(
        size, float(np.nanmax(np.abs(want), initial=0))
    )
    return same_nan and bool(ok.all())


@settings(max_examples=150, deadline=None)
@given(cases)
def test_level_variance_is_the_variance_of_the_same_values(case: Case) -> None:
    design, domain, g, level, _, sums = build(*case)
    rng = np.random.default_rng(len(g))
    values = rng.normal(size=(GROUPS, LEVELS))
    kept = g >= 0
    influence = Influence(domain.take(np.flatnonzero(kept)), g[kept].astype(np.intp),
                          values[g[kept], level[kept]], GROUPS)  # fmt: skip
    want = design.variance(influence)
    size = float(((domain.weights[kept] * values[g[kept], level[kept]]) ** 2).sum())
    assert close(design.level_variance(sums, values), want, size)


@settings(max_examples=150, deadline=None)
@given(cases)
def test_level_covariance_is_the_cell_covariance_of_the_same_values(case: Case) -> None:
    design, domain, g, level, _, sums = build(*case)
    rng = np.random.default_rng(len(g) + 1)
    values = rng.normal(size=(GROUPS, LEVELS, 2))
    kept = np.flatnonzero(g >= 0)
    cell = g[kept].astype(np.intp) * LEVELS + level[kept]
    b = values.reshape(GROUPS * LEVELS, 2)
    want = design.cell_covariance(domain.take(kept), cell, np.zeros(len(kept)), np.zeros_like(b), b)
    size = float(((domain.weights[kept, None] * b[cell]) ** 2).sum())
    assert close(design.level_covariance(sums, values), want, size)
    # values a · y + b, y per level far from 0 (the centring of y), as a contrast's
    slopes = rng.normal(size=(GROUPS, LEVELS, 2))
    y = 600 + 100 * rng.normal(size=LEVELS)
    a = slopes.reshape(GROUPS * LEVELS, 2)
    sub = domain.take(kept)
    want = design.cell_covariance(sub, cell, y[level[kept]], a, b)
    size = float(((sub.weights[:, None] * (np.abs(a[cell]) * 700 + np.abs(b[cell]))) ** 2).sum())
    assert close(design.level_covariance(sums, values, slopes, y), want, size)


@settings(max_examples=150, deadline=None)
@given(cases, st.integers(0, LEVELS - 1))
def test_a_ratio_from_level_sums_is_the_ratio_of_the_respondents(case: Case, yes: int) -> None:
    design, domain, _, level, breakdown, sums = build(*case)
    y = (np.arange(LEVELS) == yes).astype(float)
    tally, var = estimation._level_ratio(design, sums, y, EstimateKind.SHARE)
    lin = estimation.share(domain, level == yes, breakdown)
    want = design.variance(lin.influence)
    np.testing.assert_array_equal(tally.n, lin.n)
    np.testing.assert_array_equal(tally.df, lin.df)
    np.testing.assert_allclose(tally.estimate, lin.estimate, rtol=1e-12)
    np.testing.assert_allclose(tally.n_kish, lin.n_kish, rtol=1e-12)
    assert lin.spread is not None and tally.spread is not None
    np.testing.assert_allclose(tally.spread, lin.spread, rtol=1e-9, atol=1e-12)
    size = float(((lin.influence.domain.weights * lin.influence.values) ** 2).sum())
    assert close(var, want, size)


@settings(max_examples=150, deadline=None)
@given(cases)
def test_contrasts_and_test_from_level_sums_are_those_of_the_respondents(case: Case) -> None:
    design, domain, _, level, breakdown, sums = build(*case)
    y = np.array([0.0, 1.0, 0.0])  # "yes" = level 1
    got = level_contrasts(design, sums, y)
    want = group_contrasts(design, domain, y[level], breakdown)
    np.testing.assert_array_equal(got.n_group, want.n_group)
    np.testing.assert_array_equal(got.n_rest, want.n_rest)
    for name in ("estimate_group", "estimate_rest", "difference"):
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-12, atol=1e-15)
    # The variances agree to rounding of the 0/1 answers' size (an SE is the root of one:
    # where the true variance is 0, either SE may be a residue of 1e-8).
    assert close(got.se**2, want.se**2, 1.0)
    test, want_test = level_association(design, sums), association(design, domain, level, breakdown)
    assert (test is None) == (want_test is None)
    if test is not None and want_test is not None:
        assert (test.answers, test.groups) == (want_test.answers, want_test.groups)
        for name in ("f", "ndf", "ddf", "p"):
            assert getattr(test, name) == pytest.approx(
                getattr(want_test, name), rel=1e-6, abs=1e-12
            )


def test_level_sums_of_another_design_are_refused() -> None:
    one = declare_design(pd.DataFrame({"g": [0, 1, 0]}))
    other = declare_design(pd.DataFrame({"g": [0, 1, 0]}))
    domain = one.domain(np.ones(3, dtype=bool))
    sums = one.level_sums(domain, np.array([0, 1, 0]), 2, np.array([0, 1, 1]), 2)
    assert sums is not None
    with pytest.raises(ValueError, match="another design"):
        other.level_variance(sums, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="another design"):
        other.level_covariance(sums, np.zeros((2, 2, 1)))


def test_level_sums_that_would_not_fit_the_memory_bound_are_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from panelkit.stats import design as design_module

    d = declare_design(pd.DataFrame({"g": [0, 1, 0]}))
    domain = d.domain(np.ones(3, dtype=bool))
    monkeypatch.setattr(design_module, "_BLOCK_BYTES", 4 * 8 * 3 * 2 - 1)  # 3 groups × 2 levels
    assert d.level_sums(domain, np.array([0, 1, 0]), 2, np.array([0, 1, 1]), 2) is None
    monkeypatch.setattr(design_module, "_BLOCK_BYTES", 4 * 8 * 3 * 2)
    assert d.level_sums(domain, np.array([0, 1, 0]), 2, np.array([0, 1, 1]), 2) is not None


def test_a_group_whose_respondents_all_weigh_0_has_no_test() -> None:
    # Group 1's column of the table has no weight: the expected counts there are 0/0,
    # and the Rao-Scott design matrix is singular (it raised LinAlgError before).
    group = np.array([0, 0, 0, 1, 1, 2, 2, 2], dtype=np.int8)
    level = np.array([0, 1, 1, 0, 1, 0, 1, 0])
    w = np.array([1.0, 2.0, 1.0, 0.0, 0.0, 1.5, 1.0, 2.0])
    design = declare_design(pd.DataFrame({"g": group}), weights=w)
    domain = design.domain(np.ones(len(w), dtype=bool))
    breakdown = Breakdown("g", group, ("0", "1", "2"))
    sums = design.level_sums(domain, group, 3, level, 2)
    assert sums is not None
    assert association(design, domain, level, breakdown) is None
    assert level_association(design, sums) is None


def test_a_table_whose_groups_each_gave_one_answer_has_no_test() -> None:
    # Found by the property above: one respondent of group 0 answered 0, three of group 1
    # answered 2, one of group 2 answered 1 (the others are outside the domain). Six of
    # the nine cells are empty, too few to span the four interaction contrasts: the
    # Rao-Scott matrix is singular, and a solve gave F = 5.84 (p = 0.006) on one path,
    # an error on the other. Neither is a test.
    rows: list[Row] = [(0, 0, 0.0, 0, 0, False)] * 24 + [
        (1, 2, 2.0, 0, 0, True),
        (1, 2, 1.485900747981563, 0, 1, True),
        (1, 2, 3.264080465984215, 0, 0, True),
        (2, 1, 2.0, 0, 0, True),
    ]
    design, domain, g, level, breakdown, sums = build(rows, None)
    assert sorted(zip(g.tolist(), level.tolist(), strict=True)) == [
        (0, 0),
        (1, 2),
        (1, 2),
        (1, 2),
        (2, 1),
    ]
    assert association(design, domain, level, breakdown) is None
    assert level_association(design, sums) is None
