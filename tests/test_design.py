"""The survey design declared once (stats/design.py): what every estimator takes.

The R numbers are those of tests/data/api-strat (R survey 4.1.1, apistrat raked to
stype and sch.wide; see tests/test_estimation.py for R's preamble).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from panelkit.input.indicators import Indicator, load_indicators
from panelkit.input.margins import load_margins
from panelkit.jobs import analyse_wave, load_survey, weight_survey
from panelkit.project import ProjectFiles
from panelkit.results import Estimate, EstimateKind
from panelkit.stats.design import Domain, Influence, SurveyDesign, declare_design
from panelkit.stats.estimation import estimate, estimate_indicators, share, share_domain
from panelkit.stats.weighting import rake

DATA = Path(__file__).parent / "data" / "api-strat"
BY = ["stype", "api_band"]


@pytest.fixture(scope="module")
def files() -> ProjectFiles:
    return ProjectFiles(
        data=DATA / "data.csv",
        schema=DATA / "schema.yaml",
        margins=DATA / "margins.csv",
        indicators=DATA / "indicators.yaml",
    )


@pytest.fixture(scope="module")
def design(files: ProjectFiles) -> SurveyDesign:
    survey = load_survey(files.data, files.schema)
    assert files.margins is not None
    return declare_design(survey, load_margins(files.margins, survey.schema))


@pytest.fixture(scope="module")
def indicators(design: SurveyDesign) -> tuple[Indicator, ...]:
    assert design.survey is not None
    return load_indicators(DATA / "indicators.yaml", design.survey.schema)


def r_row(indicator: str, by: str | None = None, group: str | None = None) -> dict:
    rows = json.loads((DATA / "expected.json").read_text())["estimates"]
    return next(r for r in rows if (r["indicator"], r["by"], r["group"]) == (indicator, by, group))


def test_a_design_declared_once_gives_rs_estimates(
    design: SurveyDesign, indicators: tuple[Indicator, ...]
) -> None:
    rows = estimate_indicators(design, indicators, by=BY, min_n=0)
    for e in rows:
        want = r_row(e.indicator, e.by, e.group) if e.estimate is not None else None
        if want is None or want.get("se") is None:
            continue
        assert e.estimate == pytest.approx(want["estimate"], rel=1e-6)
        assert e.se == pytest.approx(want["se"], rel=1e-6)


def test_the_design_holds_the_raking_of_its_margins(files: ProjectFiles) -> None:
    survey = load_survey(files.data, files.schema)
    assert files.margins is not None
    margins = load_margins(files.margins, survey.schema)
    design = declare_design(survey, margins, cap=3.0)
    raked = rake(survey.frame, margins, cap=3.0)
    np.testing.assert_array_equal(design.weights, raked.weights)
    assert design.weighting is not None and design.weighting.cap == 3.0
    assert design.margins is margins and design.survey is survey
    for mine, theirs in zip(design.calibration.cells, raked.calibration, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_the_design_gives_the_same_se_as_weights_passed_separately(
    design: SurveyDesign, indicators: tuple[Indicator, ...]
) -> None:
    # The design declared once and the weights and cells handed over one by one agree.
    assert design.weighting is not None
    separately = estimate(
        design.frame,
        indicators,
        weights=design.weighting.weights,
        calibration=design.weighting.calibration,
        by=BY,
        min_n=0,
    )
    once = estimate_indicators(design, indicators, by=BY, min_n=0)
    assert once == separately


def test_the_jobs_estimate_on_the_design(files: ProjectFiles) -> None:
    weighted = weight_survey(files)
    assert weighted.weighting is weighted.design.weighting
    schema = weighted.survey.schema
    rows = analyse_wave(weighted, load_indicators(DATA / "indicators.yaml", schema), by=BY)
    want = r_row("awards")
    assert rows.estimates[0].se == pytest.approx(want["se"], rel=1e-6)
    assert rows.weighting is weighted.weighting


def test_analyse_wave_can_leave_out_groups_outside_the_domain(files: ProjectFiles) -> None:
    weighted = weight_survey(files)
    schema = weighted.survey.schema
    inds = load_indicators(DATA / "indicators.yaml", schema)
    kept = analyse_wave(weighted, inds, by=["api_band"], min_n=0)
    left = analyse_wave(weighted, inds, by=["api_band"], min_n=0, empty_groups=False)
    empty = [e for e in kept.estimates if e.suppression == "empty"]
    assert empty and all(e.by is not None for e in empty)
    assert len(left.estimates) == len(kept.estimates) - len(empty)
    assert not any(e.suppression == "empty" for e in left.estimates)


def test_declaring_the_design_does_not_touch_the_callers_data(
    files: ProjectFiles, indicators: tuple[Indicator, ...]
) -> None:
    survey = load_survey(files.data, files.schema)
    before = survey.frame.copy(deep=True)
    weights = np.linspace(1.0, 2.0, survey.rows)
    cells = (survey.frame["stype"].cat.codes.to_numpy().astype(np.intp),)
    design = declare_design(survey.frame, weights=weights, calibration=cells)
    estimate_indicators(design, indicators, by=BY)
    pd.testing.assert_frame_equal(survey.frame, before)
    # The design keeps its own read-only copies: changing the caller's arrays changes nothing.
    weights[:] = 5.0
    cells[0][:] = 0
    assert design.weights[0] == 1.0 and design.calibration.cells[0].max() == 2
    with pytest.raises(ValueError, match="read-only"):
        design.weights[0] = 3.0


def test_declare_design_refuses_mixed_instructions(design: SurveyDesign) -> None:
    with pytest.raises(ValueError, match="not both"):
        declare_design(design.frame, design.margins, weights=np.ones(design.n))
    with pytest.raises(ValueError, match="cap"):
        declare_design(design.frame, cap=3.0)
    with pytest.raises(ValueError, match="calibration_sweeps"):
        declare_design(design.frame, sweeps=0)


def test_a_new_estimator_plugs_in_with_its_influence_values(design: SurveyDesign) -> None:
    # A mean written here, outside panelkit, uses the design's variance untouched:
    # the mean of a 0/1 variable is the share, with the share's SE (raking adjusted).
    answered = design.frame["awards"].notna().to_numpy()
    domain = design.domain(answered)
    y = (design.frame["awards"] == "Yes").to_numpy(dtype=float)[domain.rows]
    w = domain.weights
    mean = float(np.sum(w * y) / np.sum(w))
    group = np.zeros(len(domain), dtype=np.intp)
    var = design.variance(Influence(domain, group, (y - mean) / np.sum(w), 1))
    want = r_row("awards")
    assert mean == pytest.approx(want["estimate"], rel=1e-12)
    assert float(np.sqrt(var[0])) == pytest.approx(want["se"], rel=1e-6)


def test_group_sums_made_once_serve_every_estimate_on_those_groups(
    design: SurveyDesign, indicators: tuple[Indicator, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Several estimates on one domain's groups (a distribution's answers) share what the
    # variance needs apart from the values: made once, handed over with each influence,
    # they give the variances worked out afresh, to the bit.
    domain, _ = share_domain(design, indicators[0])
    g = design.breakdown("stype").codes[domain.rows].astype(np.intp)
    rng = np.random.default_rng(7)
    values = [rng.normal(size=len(domain)) for _ in range(3)]
    afresh = [design.variance(Influence(domain, g, e, 3)) for e in values]
    sums = design.group_sums(domain, g, 3)
    for e, want in zip(values, afresh, strict=True):
        np.testing.assert_array_equal(design.variance(Influence(domain, g, e, 3, sums)), want)
    # Groups taken one at a time (the memory bound of many patterns × groups) as well.
    monkeypatch.setattr("panelkit.stats.design._BLOCK_BYTES", 1)
    chunked = design.group_sums(domain, g, 3)
    assert len(chunked.chunks) == 3
    for e, want in zip(values, afresh, strict=True):
        got = design.variance(Influence(domain, g, e, 3, chunked))
        np.testing.assert_array_equal(got, design.variance(Influence(domain, g, e, 3)))
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_group_sums_of_other_groups_or_another_design_are_refused(
    design: SurveyDesign, indicators: tuple[Indicator, ...]
) -> None:
    domain, _ = share_domain(design, indicators[0])
    g = (design.breakdown("stype").codes[domain.rows] == 0).astype(np.intp)
    e = np.ones(len(domain))
    sums = design.group_sums(domain, g, 2)
    with pytest.raises(ValueError, match="domain and group"):
        Influence(domain, g.copy(), e, 2, sums)
    with pytest.raises(ValueError, match="domain and group"):
        Influence(domain, g, e, 3, sums)
    with pytest.raises(ValueError, match="domain and group"):
        Influence(domain.take(np.arange(len(domain))), g, e, 2, sums)
    other = SurveyDesign(design.frame, design.weights, design.calibration)
    with pytest.raises(ValueError, match="another design"):
        other.variance(Influence(domain, g, e, 2, sums))


def test_covariance_and_scores_agree_with_the_variance(
    design: SurveyDesign, indicators: tuple[Indicator, ...]
) -> None:
    domain, yes = share_domain(design, indicators[0])
    lin = share(domain, yes, design.breakdown("stype"))
    var = design.variance(lin.influence)
    # One column per group: the groups' totals jointly, from the same linearisation.
    inf = lin.influence
    values = np.zeros((len(inf.domain), inf.groups))
    values[np.arange(len(inf.domain)), inf.group] = inf.values
    cov = design.covariance(inf.domain, values)
    np.testing.assert_allclose(np.diag(cov), var, rtol=1e-10)
    # Scores reach every respondent of the design, inside the domain or not.
    z = design.scores(inf.domain, values)
    assert z.shape == (design.n, inf.groups)
    # A respondent may appear in two groups (a contrast's group and its rest).
    twice = Influence(
        Domain(
            np.concatenate([inf.domain.rows, inf.domain.rows]),
            np.concatenate([inf.domain.weights, inf.domain.weights]),
            np.concatenate([inf.domain.pattern, inf.domain.pattern]),
        ),
        np.concatenate([inf.group, np.full(len(inf.group), inf.groups)]),
        np.concatenate([inf.values, inf.values]),
        inf.groups + 1,
    )
    total = design.variance(Influence(inf.domain, np.zeros_like(inf.group), inf.values, 1))
    np.testing.assert_allclose(design.variance(twice), [*var, total[0]], rtol=1e-10)


def test_estimates_say_their_kind_and_share_rows_keep_the_json_contract(
    design: SurveyDesign, indicators: tuple[Indicator, ...]
) -> None:
    rows = estimate_indicators(design, indicators[:1])
    assert rows[0].kind is EstimateKind.SHARE
    row = rows[0].to_dict()
    # formats §6's keys stay; §8.3 adds kind (every row) and deff (shares, means, answers).
    section_6 = {"indicator", "by", "group", "n", "n_positive", "estimate", "se", "ci_low"}
    section_6 |= {"ci_high", "ci_method", "suppressed", "suppression", "df"}
    assert set(row) == section_6 | {"kind", "deff"}
    assert row["kind"] == "share"
    fields = Estimate.__dataclass_fields__
    assert fields["kind"].default is EstimateKind.SHARE


def _tables_dense(design: SurveyDesign) -> list[bool]:
    return [isinstance(t, np.ndarray) for row in design._engine.cross for t in row]


def test_sparse_cross_tables_give_the_dense_tables_variances(
    design: SurveyDesign, indicators: tuple[Indicator, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The margins' cross tables are dense up to _DENSE_CELLS cells and sparse beyond (a
    # margin of many cells): the same raking residuals and variances, to rounding.
    rng = np.random.default_rng(11)
    domain, _ = share_domain(design, indicators[0])
    g = design.breakdown("stype").codes[domain.rows].astype(np.intp)
    values = rng.normal(size=(len(domain), 3))
    dense = [design.variance(Influence(domain, g, values[:, j], 3)) for j in range(3)]
    assert all(_tables_dense(design))
    monkeypatch.setattr("panelkit.stats.design._DENSE_CELLS", 0)
    kept_sparse = SurveyDesign(design.frame, design.weights, design.calibration)
    assert not any(_tables_dense(kept_sparse))
    domain, _ = share_domain(kept_sparse, indicators[0])
    for j in range(3):
        got = kept_sparse.variance(Influence(domain, g, values[:, j], 3))
        np.testing.assert_allclose(got, dense[j], rtol=1e-12)
