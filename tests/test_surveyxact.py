"""SurveyXact: the real export in three forms, labels on read, and schema init from it.

tests/data/surveyxact-ex-survey2/README.md says what a correct reader gets; the
~800 KB workbook is read once per module (module-scoped fixtures).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from panelkit.errors import ExportError
from panelkit.input.exports import read_export
from panelkit.input.raw import RawExport
from panelkit.input.schema import Schema, VarType, load_schema
from panelkit.input.surveyxact import locate_files, read_labels, read_metadata
from panelkit.input.validation import SurveyData, validate
from panelkit.jobs import init_schema, load_survey
from panelkit.publish.codebook import build_codebook

SX = Path(__file__).parent / "data" / "surveyxact-ex-survey2"
WORKBOOK = SX / "ex_survey2.xlsx"
ANSI = SX / "ex_survey2_semicolon_ansi"
UTF16 = SX / "ex_survey2_tab_utf16"
# The three forms, each as `schema init` may be given it.
FORMS = {
    "workbook": [WORKBOOK],
    "folder": [ANSI],
    "files": [UTF16 / "structure.csv", UTF16 / "labels.csv", UTF16 / "dataset.csv"],
}
DATA = {"workbook": WORKBOOK, "folder": ANSI / "dataset.csv", "files": UTF16}
I_10_TEXT = (
    "I hvilken grad har du fått inspirasjon eller motivasjon til ditt valg av "
    "programområde/programfag fra følgende?  - Populærvitenskapelige bøker og blader"
)


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`schema init` on each form, written as <form>/survey2.yaml."""
    base = tmp_path_factory.mktemp("schemas")
    out = {}
    for form, sources in FORMS.items():
        (base / form).mkdir()
        out[form] = base / form / "survey2.yaml"
        init_schema(sources, out[form])
    return out


@pytest.fixture(scope="module")
def loaded(schemas: dict[str, Path]) -> dict[str, Schema]:
    """Every drafted schema, loaded as any schema is."""
    return {form: load_schema(path) for form, path in schemas.items()}


@pytest.fixture(scope="module")
def raws() -> dict[str, RawExport]:
    """Each form's answers, read once (codes arrive as labels)."""
    return {form: read_export(path) for form, path in DATA.items()}


@pytest.fixture(scope="module")
def surveys(loaded: dict[str, Schema], raws: dict[str, RawExport]) -> dict[str, SurveyData]:
    """Each form validated with the schema drafted from the folder form (as `validate` does)."""
    return {form: validate(raw, loaded["folder"]) for form, raw in raws.items()}


def without_source_line(path: Path) -> list[str]:
    return [
        line for line in path.read_text("utf-8").splitlines() if not line.startswith("# Source:")
    ]


# --------------------------------------------------------------------------- schema init


def test_three_forms_give_the_same_schema(schemas: dict[str, Path]) -> None:
    lines = {form: without_source_line(p) for form, p in schemas.items()}
    assert lines["workbook"] == lines["folder"] == lines["files"]
    sources = {
        form: next(x for x in p.read_text("utf-8").splitlines() if x.startswith("# Source:"))
        for form, p in schemas.items()
    }
    assert sources == {
        "workbook": "# Source: SurveyXact export, workbook ex_survey2.xlsx (sheets Dataset, "
        "Structure, Labels)",
        "folder": "# Source: SurveyXact export, folder ex_survey2_semicolon_ansi (dataset.csv, "
        "structure.csv, labels.csv); cp1252, semicolons",
        "files": "# Source: SurveyXact export, files dataset.csv, structure.csv, labels.csv; "
        "utf-16, tabs",
    }


def test_schema_round_trips_through_load_schema(loaded: dict[str, Schema]) -> None:
    for schema in loaded.values():
        assert schema.name == "survey2"
        assert len(schema.variables) == 242
    assert loaded["workbook"].variables == loaded["folder"].variables == loaded["files"].variables
    schema = loaded["workbook"]
    counts = {t: sum(v.type is t for v in schema.variables) for t in VarType}
    assert counts[VarType.CATEGORY] == 202
    assert counts[VarType.MULTI] == 34
    assert counts[VarType.TEXT] == 6


def test_i_10_as_the_platform_has_it(loaded: dict[str, Schema]) -> None:
    i_10 = loaded["folder"].variable("i_10")
    assert i_10.column == "i_10"
    assert i_10.type is VarType.CATEGORY
    # the double space is kept; the export's trailing space is stripped (a schema strips text)
    assert i_10.text == I_10_TEXT
    assert [(c.code, c.label) for c in i_10.categories] == [
        ("1", "I liten grad"),
        ("2", "2"),
        ("3", "3"),
        ("4", "I stor grad"),
    ]
    assert i_10.missing == ()


def test_codes_keep_the_platform_order_and_dont_know_goes_to_missing(
    schemas: dict[str, Path], loaded: dict[str, Schema]
) -> None:
    text = schemas["folder"].read_text("utf-8")
    s_6 = loaded["folder"].variable("s_6")
    # labels.csv lists s_6 as 5, 1, 3, 4, 7, 6, 8; 6 is "Vet ikke"
    assert [c.code for c in s_6.categories] == ["5", "1", "3", "4", "7", "8"]
    assert s_6.missing == ("Vet ikke",)
    assert (
        '    # "Vet ikke" looks like "don\'t know": counted as no answer, never as an error '
        "(move to categories: to count it)\n"
        '    missing: ["Vet ikke"]\n'
    ) in text
    b_2 = loaded["folder"].variable("b_2")
    assert b_2.missing == ("Ikke relevant/ vet ikke",)
    # "Annet/vil ikke svare" is also "other": kept as an answer, with a comment
    b_1 = loaded["folder"].variable("b_1")
    assert b_1.labels == ("Jente", "Gutt", "Annet/vil ikke svare")
    assert (
        '  # "Annet/vil ikke svare" partly looks like "prefer not to say": kept as an answer; '
        "move it to missing: if it means no answer\n  b_1:\n"
    ) in text


def test_multiple_choice_open_and_unlabelled_questions(loaded: dict[str, Schema]) -> None:
    schema = loaded["folder"]
    v_1_1 = schema.variable("v_1_1")
    assert v_1_1.type is VarType.MULTI
    assert v_1_1.text == (
        "Hvilke(t) valgfag hadde du på ungdomsskolen? (flere kryss er mulig) - Design og redesign"
    )
    assert v_1_1.labels == ("Ikke valgt", "Valgt")
    assert {v.name for v in schema.variables if v.type is VarType.TEXT} == {
        "a_p",
        "a_fp",
        "s_1",
        "s_3",
        "s_5",
        "s_7",
    }
    # b_1_1 ("Skole") is closed but has no labels: the codes seen, in numeric order
    b_1_1 = schema.variable("b_1_1")
    assert b_1_1.type is VarType.CATEGORY
    codes = [int(c.code) for c in b_1_1.categories]
    assert codes == sorted(codes) and len(codes) == 14


def test_one_block_per_question(schemas: dict[str, Path]) -> None:
    text = schemas["folder"].read_text("utf-8")
    assert text.startswith(
        "# panelkit schema (docs/formats.md §2), drafted by `panelkit schema init`.\n"
    )
    assert (
        "\n\n  # v_1: Hvilke(t) valgfag hadde du på ungdomsskolen? (flere kryss er mulig)\n"
        "  # multiple choice: one 0/1 column per option (Ikke valgt/Valgt)\n"
        "  v_1_1:\n"
        "    column: v_1_1\n"
    ) in text
    # a grid of items is one block under its question
    assert (
        "\n\n  # i_01 … i_18: I hvilken grad har du fått inspirasjon eller motivasjon til ditt "
        "valg av programområde/programfag fra følgende?\n  i_01:\n"
    ) in text
    assert text.count("\n\n  # ") == 32


# --------------------------------------------------------------------------- validate


def test_validate_reads_each_form_to_identical_data(surveys: dict[str, SurveyData]) -> None:
    for survey in surveys.values():
        assert survey.report.ok
        assert survey.frame.shape == (999, 242)
    # equals: same values, same dtypes (the same categories in the same order)
    assert surveys["workbook"].frame.equals(surveys["folder"].frame)
    assert surveys["folder"].frame.equals(surveys["files"].frame)
    assert surveys["workbook"].missing.equals(surveys["files"].missing)


def test_i_10_labels_and_counts(surveys: dict[str, SurveyData]) -> None:
    for survey in surveys.values():
        i_10 = survey.frame["i_10"]
        assert list(i_10.cat.categories) == ["I liten grad", "2", "3", "I stor grad"]
        counts = i_10.value_counts(sort=False)
        assert counts.to_dict() == {"I liten grad": 300, "2": 35, "3": 22, "I stor grad": 18}
        assert int(i_10.isna().sum()) == 624


# --------------------------------------------------------------------------- labels on read


def test_labels_on_read_from_each_form(raws: dict[str, RawExport]) -> None:
    frames = [read_export(ANSI), raws["folder"], raws["files"], raws["workbook"]]
    assert frames[0].path == ANSI / "dataset.csv"
    assert frames[0].labels == ANSI / "labels.csv"
    assert frames[2].labels == UTF16 / "labels.csv"
    assert frames[3].labels == WORKBOOK
    for raw in frames:
        assert raw.rows == 999
        counts = raw.frame["i_10"].value_counts().to_dict()
        assert counts == {"I liten grad": 300, "2": 35, "3": 22, "I stor grad": 18}
        assert set(raw.frame["v_1_1"].dropna()) == {"Ikke valgt", "Valgt"}


def test_exported_as_labels_reads_the_same(tmp_path: Path, raws: dict[str, RawExport]) -> None:
    """A codes export read with its labels equals the same export written as labels."""
    coded = raws["folder"].frame.iloc[:, :60]
    # write what SurveyXact's labels export would hold: the labelled cells
    as_labels = tmp_path / "export.csv"
    coded.to_csv(as_labels, sep=";", index=False, encoding="cp1252")
    again = read_export(as_labels)
    assert again.labels is None
    pd.testing.assert_frame_equal(
        again.frame.astype(object).where(again.frame.notna(), None),
        coded.astype(object).where(coded.notna(), None),
    )


def test_dataset_without_labels_stays_codes(tmp_path: Path) -> None:
    shutil.copy(ANSI / "dataset.csv", tmp_path / "dataset.csv")
    raw = read_export(tmp_path / "dataset.csv")
    assert raw.labels is None
    assert raw.frame["i_10"].value_counts().to_dict() == {"1": 300, "2": 35, "3": 22, "4": 18}


def test_labels_file_name_is_matched_ignoring_case(tmp_path: Path) -> None:
    shutil.copy(ANSI / "dataset.csv", tmp_path / "Dataset.csv")
    shutil.copy(ANSI / "labels.csv", tmp_path / "LABELS.csv")
    raw = read_export(tmp_path / "Dataset.csv")
    assert raw.labels == tmp_path / "LABELS.csv"
    assert raw.frame["s_6"].value_counts().get("Vet ikke") == 23


def test_a_folder_without_dataset_csv_is_still_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError) as info:
        read_export(tmp_path)
    assert str(info.value) == (
        f"{tmp_path} is a folder, not a file; give the path of the survey export"
    )


# --------------------------------------------------------------------------- metadata


def test_metadata_is_the_same_from_every_form() -> None:
    metas = [read_metadata(locate_files(sources)) for sources in FORMS.values()]  # type: ignore[arg-type]
    assert metas[0].structure == metas[1].structure == metas[2].structure
    assert metas[0].labels == metas[1].labels == metas[2].labels
    assert len(metas[0].structure) == 242
    assert (metas[1].encoding, metas[1].delimiter) == ("cp1252", ";")
    assert (metas[2].encoding, metas[2].delimiter) == ("utf-16", "\t")
    i_10 = next(r for r in metas[0].structure if r.variable == "i_10")
    assert (i_10.question_type, i_10.sub_type) == ("Closed", "Single")
    assert metas[0].labels["s_6"][0] == ("5", "Da jeg gikk på barneskolen")


def write_export(folder: Path, encoding: str = "utf-8-sig", sep: str = ",") -> Path:
    """A tiny SurveyXact export of codes, in the given encoding and separator."""
    folder.mkdir(parents=True, exist_ok=True)
    structure = [
        ["questionName", "variableName", "questionType", "subType", "questionText", "choiceValue", "choiceText"],
        ["q_1", "q_1", "Closed", "Single", "Hvordan trives du?", "", ""],
        ["q_2", "q_2_1", "Closed", "Multiple", "Hvor får du nyheder fra?", "1", "Lokalavisen"],
        ["q_2", "q_2_2", "Closed", "Multiple", "Hvor får du nyheder fra?", "2", "Facebook"],
        ["q_3", "q_3", "Open", "String", "Andre kommentarer", "", ""],
    ]  # fmt: skip
    labels = [
        ["q_1", "2", "Godt"],
        ["q_1", "1", "Meget godt"],
        ["q_1", "3", "Dårligt"],
        ["q_1", "9", "Ved ikke"],
        ["q_2_1", "0", "Ikke valgt"],
        ["q_2_1", "1", "Valgt"],
        ["q_2_2", "0", "Ikke valgt"],
        ["q_2_2", "1", "Valgt"],
    ]
    dataset = [["q_1", "q_2_1", "q_2_2", "q_3"], ["1", "1", "0", "Fint tak"], ["9", "0", "1", ""]]
    for name, rows in (("structure", structure), ("labels", labels), ("dataset", dataset)):
        text = "\r\n".join(sep.join(r) for r in rows) + "\r\n"
        (folder / f"{name}.csv").write_bytes(text.encode(encoding))
    return folder


@pytest.mark.parametrize(
    ("encoding", "sep"), [("utf-8-sig", ","), ("utf-8", ";"), ("cp1252", "\t"), ("utf-16", ";")]
)
def test_any_encoding_and_separator(tmp_path: Path, encoding: str, sep: str) -> None:
    folder = write_export(tmp_path / "export", encoding, sep)
    out = tmp_path / "schema.yaml"
    init_schema([folder], out)
    schema = load_schema(out)
    q_1 = schema.variable("q_1")
    assert [(c.code, c.label) for c in q_1.categories] == [
        ("2", "Godt"),
        ("1", "Meget godt"),
        ("3", "Dårligt"),
    ]
    assert q_1.missing == ("Ved ikke",)
    assert schema.variable("q_2_1").text == "Hvor får du nyheder fra? - Lokalavisen"
    assert schema.variable("q_3").type is VarType.TEXT
    survey = load_survey(folder / "dataset.csv", schema)
    assert survey.report.ok and survey.report.missing_answers == 1
    assert list(survey.frame["q_1"].astype(object).fillna("-")) == ["Meget godt", "-"]
    assert list(survey.missing["q_1"].astype(object).fillna("-")) == ["-", "Ved ikke"]
    assert list(survey.frame["q_3"]) == [True, False]


def test_a_folder_without_the_three_files(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "export")
    (folder / "structure.csv").unlink()
    with pytest.raises(ExportError) as info:
        locate_files([folder])
    assert str(info.value) == (
        f"{folder} is a folder without SurveyXact's structure.csv; a folder must hold "
        "dataset.csv, structure.csv and labels.csv; or give the export file itself"
    )


def test_several_files_must_be_the_three(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "export")
    with pytest.raises(ExportError) as info:
        locate_files([folder / "dataset.csv", folder / "labels.csv"])
    assert str(info.value) == (
        f"{folder / 'dataset.csv'}, {folder / 'labels.csv'}: a SurveyXact export is three "
        "files; structure.csv is not given; add it"
    )
    other = tmp_path / "answers.csv"
    other.write_text("a\n1\n")
    with pytest.raises(ExportError) as info:
        locate_files([folder / "dataset.csv", other])
    assert str(info.value) == (
        f"{other}: several sources are read as one SurveyXact export, which is dataset.csv, "
        "structure.csv and labels.csv; give those three, or one export file"
    )


def test_structure_without_a_column(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "export")
    text = (folder / "structure.csv").read_text("utf-8-sig").replace("questionText", "spørgsmål")
    (folder / "structure.csv").write_text(text, "utf-8")
    with pytest.raises(ExportError) as info:
        read_metadata(locate_files([folder]))  # type: ignore[arg-type]
    assert str(info.value) == (
        "structure.csv, line 1: the structure has no column questionText; SurveyXact's "
        "structure has the columns questionName, variableName, questionType, subType, "
        "questionText, choiceValue, choiceText; export it again"
    )


def test_labels_row_without_a_code(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("q_1;1;Godt\nq_2\n", "utf-8")
    with pytest.raises(ExportError) as info:
        read_labels(path)
    assert str(info.value) == (
        "labels.csv, line 2: expected a variable, a code and its label; SurveyXact's labels "
        "have three columns and no header"
    )


def test_schema_is_plain_yaml(schemas: dict[str, Path]) -> None:
    """No tags, no anchors: yaml.safe_load reads it, with the keys in the file's order."""
    doc = yaml.safe_load(schemas["files"].read_text("utf-8"))
    assert list(doc) == ["name", "variables"]
    assert list(doc["variables"])[:3] == ["v_1_1", "v_1_2", "v_1_3"]


def test_codebook_of_the_real_export(surveys: dict[str, SurveyData]) -> None:
    book = build_codebook(surveys["workbook"], None, min_n=0)  # every count, to compare
    i_10 = book.variable("i_10")
    assert i_10.text == I_10_TEXT
    assert [(a.label, a.code, a.n) for a in i_10.answers] == [
        ("I liten grad", "1", 300),
        ("2", None, 35),
        ("3", None, 22),
        ("I stor grad", "4", 18),
    ]
    assert (i_10.answered, i_10.empty) == (375, 624)
    assert i_10.answers[0].share == pytest.approx(300 / 375)
    s_6 = book.variable("s_6")
    assert [(m.label, m.n) for m in s_6.missing] == [("Vet ikke", 23)]
    assert s_6.answered + s_6.empty + 23 == 999
    assert book.variable("a_p").answers == ()
    # With the default min-n 20: 18 is hidden, and the next smallest (22) with it.
    hidden = build_codebook(surveys["workbook"], None).variable("i_10").answers
    assert [(a.n, a.suppression) for a in hidden] == [
        (300, None),
        (35, None),
        (None, "secondary"),
        (None, "primary"),
    ]


def test_labels_export_with_labels_beside_is_left_alone(tmp_path: Path) -> None:
    """A label that spells another code ("2" for code 1) must not be read as that code."""
    (tmp_path / "labels.csv").write_text("q;1;2\nq;2;Nej\nq;3;Ved ikke\n", "utf-8")
    (tmp_path / "dataset.csv").write_text("q\n2\nNej\nVed ikke\n", "utf-8")
    assert list(read_export(tmp_path / "dataset.csv").frame["q"]) == ["2", "Nej", "Ved ikke"]
    (tmp_path / "dataset.csv").write_text("q\n1\n2\n3\n", "utf-8")
    assert list(read_export(tmp_path / "dataset.csv").frame["q"]) == ["2", "Nej", "Ved ikke"]
