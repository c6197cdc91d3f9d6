"""The jobs behind the commands: each CLI command calls one function here.

A job reads its inputs, runs the library steps in order (read → validate →
weight → estimate) and returns a typed result; it never prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from panelkit.errors import SettingsError
from panelkit.project import ProjectFiles
from panelkit.results import CiMethod, EstimateSet, Reconciliation, WeightingResult

if TYPE_CHECKING:
    import pandas as pd

    from panelkit.input.indicators import Indicator
    from panelkit.input.margins import Margins
    from panelkit.input.schema import Schema
    from panelkit.input.validation import SurveyData


def load_survey(data: Path, schema: Path | Schema) -> SurveyData:
    """Read an export and validate it against its schema (all rows, errors in the report)."""
    from panelkit.input.exports import read_export
    from panelkit.input.schema import Schema, load_schema
    from panelkit.input.validation import validate

    checked = schema if isinstance(schema, Schema) else load_schema(schema)
    raw = read_export(
        data,
        sheet=checked.source.sheet,
        header_row=checked.source.header_row,
        skip_rows=checked.source.skip_rows,
    )
    return validate(raw, checked)


@dataclass(frozen=True, eq=False)
class WeightedSurvey:
    """The usable rows of a survey and their weights (None: no margins, all weights 1)."""

    survey: SurveyData
    margins: Margins | None
    weighting: WeightingResult | None

    @property
    def reconciliation(self) -> Reconciliation:
        return self.survey.reconciliation()

    def weights_frame(self) -> pd.DataFrame:
        """One row per used respondent: the id (or line), ``weight`` and the weighting variables."""
        import numpy as np
        import pandas as pd

        survey = self.survey
        schema = survey.schema
        key = schema.id if schema.id is not None else survey.unit
        ids = survey.frame[schema.id] if schema.id is not None else pd.Series(survey.lines)
        weights = self.weighting.weights if self.weighting is not None else np.ones(survey.rows)
        columns: dict[str, object] = {key: ids.to_numpy(), "weight": weights}
        if self.margins is not None:
            for var in dict.fromkeys(v for m in self.margins.margins for v in m.variables):
                columns[var] = survey.frame[var].astype(object).to_numpy()
        return pd.DataFrame(columns)


def weight_survey(
    files: ProjectFiles, *, cap: float | None = None, drop_invalid: bool = False
) -> WeightedSurvey:
    """Validate, then rake to the margins (if any)."""
    from panelkit.input.margins import load_margins
    from panelkit.stats.weighting import rake

    survey = load_survey(files.data, files.schema).usable(drop_invalid)
    if files.margins is None:
        if cap is not None:
            raise SettingsError("--cap needs margins to rake to; pass --margins FILE")
        return WeightedSurvey(survey, None, None)
    margins = load_margins(files.margins, survey.schema)
    weighting = rake(survey.frame, margins, cap=cap, lines=survey.lines)
    return WeightedSurvey(survey, margins, weighting)


def write_weights(
    files: ProjectFiles, out: Path, *, cap: float | None = None, drop_invalid: bool = False
) -> WeightedSurvey:
    """Weight the survey and write one row per respondent to ``out`` (CSV, or parquet by extension)."""
    from panelkit.files import guard_not_input, write_bytes_atomic

    if files.margins is None:
        raise SettingsError(
            "weighting needs margins; pass --margins FILE or set margins: in panelkit.yaml"
        )
    guard_not_input(out, files.inputs())
    weighted = weight_survey(files, cap=cap, drop_invalid=drop_invalid)
    frame = weighted.weights_frame()
    if out.suffix.lower() == ".parquet":
        import io

        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        write_bytes_atomic(out, buffer.getvalue())
    elif out.suffix.lower() in (".csv", ".txt"):
        write_bytes_atomic(
            out,
            frame.to_csv(index=False, float_format="%.15g", lineterminator="\n").encode("utf-8"),
        )
    else:
        raise SettingsError(f"--out {out.name}: expected a .csv or .parquet file name")
    return weighted


def summarize(
    files: ProjectFiles,
    *,
    by: Sequence[str] = (),
    ci: CiMethod = CiMethod.LOGIT,
    min_n: int = 20,
    cap: float | None = None,
    drop_invalid: bool = False,
) -> EstimateSet:
    """Weighted indicators with standard errors and confidence intervals (formats §6)."""
    from panelkit.input.indicators import load_indicators
    from panelkit.stats.estimation import estimate

    if files.indicators is None:
        raise SettingsError(
            "no indicators given; pass --indicators FILE or set indicators: in panelkit.yaml"
        )
    if min_n < 0:
        raise SettingsError(f"--min-n {min_n}: expected 0 or more (0 turns suppression off)")
    weighted = weight_survey(files, cap=cap, drop_invalid=drop_invalid)
    schema = weighted.survey.schema
    check_by(schema, by)
    indicators = load_indicators(files.indicators, schema)
    w = weighted.weighting
    estimates = estimate(
        weighted.survey.frame,
        indicators,
        weights=None if w is None else w.weights,
        calibration=() if w is None else w.calibration,
        by=by,
        ci=ci,
        min_n=min_n,
    )
    return EstimateSet(
        survey=weighted.reconciliation,
        weighting=w,
        estimates=estimates,
        ci_method=ci,
        min_n=min_n,
        labels=indicator_labels(indicators),
    )


def check_by(schema: Schema, by: Sequence[str]) -> None:
    """A breakdown variable must be categorical (a category, multi or derived variable)."""
    import difflib

    usable = [n for n in schema.names if schema.labels_of(n) is not None]
    for name in by:
        if name not in schema.names or schema.labels_of(name) is None:
            close = difflib.get_close_matches(name, usable, n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise SettingsError(
                f"--by {name}: not a categorical variable of the schema; {hint}"
                f"expected one of {', '.join(usable)}"
            )


def indicator_labels(indicators: Sequence[Indicator]) -> dict[str, dict[str, str]]:
    return {i.id: {lang: i.label(lang) for lang in ("da", "en")} for i in indicators}
