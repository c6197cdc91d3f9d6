"""`schema init` from SPSS, Qualtrics and plain files, the YAML it writes, and the command.

Every drafted schema is loaded back with load_schema and used to validate the
file it came from: a draft that does not load, or rejects its own export, is a bug.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml
from openpyxl import Workbook

from helpers import invoke
from panelkit.errors import ExportError, OutputError
from panelkit.input.draft import (
    DraftBlock,
    DraftVariable,
    SchemaDraft,
    SourceKind,
    no_answer_kinds,
)
from panelkit.input.metadata import draft_schema, render_schema
from panelkit.input.schema import Category, Schema, VarType, load_schema, parse_schema
from panelkit.input.validation import SurveyData
from panelkit.jobs import init_schema, load_survey
from panelkit.project import Settings

SX_ANSI = Path(__file__).parent / "data" / "surveyxact-ex-survey2" / "ex_survey2_semicolon_ansi"


def drafted(
    tmp_path: Path, *sources: Path, name: str = "schema.yaml", min_n: int = 0
) -> tuple[Schema, str]:
    """The schema drafted from ``sources``. The fixtures are a few dozen rows, so by default
    with suppression off (min-n 0), where the inference itself shows; the min-n rules are
    pinned in the tests of "what the data may not put into a schema" below."""
    out = tmp_path / name
    init_schema(list(sources), out, settings=Settings(min_n=min_n))
    return load_schema(out), out.read_text("utf-8")


def validated(data: Path, schema: Schema) -> SurveyData:
    survey = load_survey(data, schema)
    assert survey.report.ok, [str(p) for p in survey.report.problems[:5]]
    return survey


# --------------------------------------------------------------------------- "no answer"


@pytest.mark.parametrize(
    ("label", "kinds"),
    [
        ("Ved ikke", ("don't know",)),  # Danish
        ("Vet ikke", ("don't know",)),  # Norwegian
        ("Vet ej", ("don't know",)),  # Swedish
        ("Vet inte", ("don't know",)),
        ("Don't know", ("don't know",)),
        ("Don’t know", ("don't know",)),  # typographic apostrophe
        ("VED IKKE.", ("don't know",)),
        ("Vill inte svara", ("prefer not to say",)),
        ("Ønsker ikke at svare", ("prefer not to say",)),
        ("Ønsker ikke å svare", ("prefer not to say",)),
        ("Prefer not to say", ("prefer not to say",)),
        ("Ikke relevant", ("not relevant",)),
        ("Ej relevant", ("not relevant",)),
        ("Not applicable", ("not relevant",)),
        ("N/A", ("not relevant",)),
        ("Ikke relevant (har ingen børn)", ("not relevant",)),
        ("Ikke relevant/ vet ikke", ("not relevant", "don't know")),
        ("Don't know or prefer not to say", ("don't know", "prefer not to say")),
    ],
)
def test_no_answer_labels(label: str, kinds: tuple[str, ...]) -> None:
    assert no_answer_kinds(label) == (kinds, True)


@pytest.mark.parametrize(
    ("label", "result"),
    [
        ("Meget enig", ((), False)),
        ("Hverken enig eller uenig", ((), False)),
        ("Ikke valgt", ((), False)),
        ("Annet/vil ikke svare", (("prefer not to say",), False)),
        ("Nej, ved ikke hvordan", ((), False)),
    ],
)
def test_answers_that_are_answers(label: str, result: tuple[tuple[str, ...], bool]) -> None:
    assert no_answer_kinds(label) == result


# --------------------------------------------------------------------------- SPSS


@pytest.fixture
def sav(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "resp_id": ["a1", "a2", "a3", "a4", "a5", "a6"],
            "koen": [1.0, 2.0, 2.0, 1.0, np.nan, 2.0],
            "tilfreds": [1.0, 2.0, 9.0, 3.0, 4.0, 8.0],
            "alder": [23.0, 45.0, 67.0, np.nan, 31.0, 999.0],
            "vaegt": [70.5, 80.25, 60.0, 55.5, 90.0, 77.0],
            "bemaerk": ["Dejligt her", "", "Støj om natten", "", "", "Mere grønt"],
            "tryghed": [1.0, 5.0, 10.0, 3.0, 7.0, 2.0],
        }
    )
    path = tmp_path / "borgerpanel.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label="Borgerpanel 2024",
        column_labels={
            "resp_id": "Respondent",
            "koen": "Køn",
            "tilfreds": "Hvor tilfreds er du med dit område?",
            "alder": "Alder",
            "vaegt": "Vægt i kg",
            "bemaerk": "Bemærkninger",
            "tryghed": "Hvor tryg føler du dig? (1-10)",
        },
        variable_value_labels={
            "koen": {2: "Kvinde", 1: "Mand"},
            "tilfreds": {
                1: "Meget tilfreds",
                2: "Tilfreds",
                3: "Utilfreds",
                4: "Meget utilfreds",
                8: "Uoplyst",
                9: "Ved ikke",
            },
            "alder": {999: "Ønsker ikke at oplyse"},
            "tryghed": {1: "Slet ikke tryg", 10: "Helt tryg"},
        },
        missing_ranges={"tilfreds": [8]},
        variable_measure={
            "koen": "nominal",
            "tilfreds": "ordinal",
            "alder": "scale",
            "vaegt": "scale",
            "tryghed": "ordinal",
        },
        variable_format={"alder": "F3.0", "vaegt": "F8.2"},
    )
    return path


def test_spss_value_and_variable_labels(tmp_path: Path, sav: Path) -> None:
    schema, text = drafted(tmp_path, sav)
    assert schema.title == "Borgerpanel 2024"
    assert schema.id == "resp_id"
    assert schema.variable("resp_id").type is VarType.ID
    koen = schema.variable("koen")
    assert (koen.type, koen.text) == (VarType.CATEGORY, "Køn")
    assert [(c.code, c.label) for c in koen.categories] == [("1", "Mand"), ("2", "Kvinde")]
    tilfreds = schema.variable("tilfreds")
    assert tilfreds.labels == ("Meget tilfreds", "Tilfreds", "Utilfreds", "Meget utilfreds")
    # 8 is declared missing in the .sav, 9 looks like "don't know"
    assert tilfreds.missing == ("Uoplyst", "Ved ikke")
    assert (
        '    # "Uoplyst" is declared missing in the .sav; "Ved ikke" looks like "don\'t know": '
        "counted as no answer, never as an error (move to categories: to count it)\n"
    ) in text
    # a number whose only label is "no answer"
    alder = schema.variable("alder")
    assert (alder.type, alder.missing, alder.min, alder.max) == (
        VarType.INTEGER,
        ("Ønsker ikke at oplyse",),
        None,
        None,
    )
    assert (
        "  # numbers from 23 to 67 in the data; add min: and max: to catch typing errors\n" in text
    )
    assert schema.variable("vaegt").type is VarType.NUMBER
    assert schema.variable("bemaerk").type is VarType.TEXT
    # partly labelled scale: the unlabelled codes seen become categories, in code order
    assert schema.variable("tryghed").labels == ("Slet ikke tryg", "2", "3", "5", "7", "Helt tryg")
    assert (
        "  # codes 2, 3, 5, 7 have no value label in the .sav: label = code; give them labels\n"
        in text
    )


def test_spss_schema_validates_its_file(tmp_path: Path, sav: Path) -> None:
    schema, _ = drafted(tmp_path, sav)
    survey = validated(sav, schema)
    frame = survey.frame
    assert list(frame["tilfreds"].astype(object).fillna("-")) == [
        "Meget tilfreds",
        "Tilfreds",
        "-",
        "Utilfreds",
        "Meget utilfreds",
        "-",
    ]
    # "Ved ikke" is recognised; 8 ("Uoplyst") is declared missing, so SPSS readers leave it empty
    assert list(survey.missing["tilfreds"].astype(object).fillna("-")) == [
        "-",
        "-",
        "Ved ikke",
        "-",
        "-",
        "-",
    ]
    assert list(frame["alder"].fillna(-1)) == [23, 45, 67, -1, 31, -1]
    assert list(frame["bemaerk"]) == [True, False, True, False, False, True]


def test_spss_multiple_response_set_is_multi(tmp_path: Path) -> None:
    """Without mr_sets support in pyreadstat's writer, 0/1 option columns are inferred."""
    frame = pd.DataFrame({"q_9_1": [0.0, 1.0, 1.0, 0.0], "q_9_2": [1.0, 0.0, 0.0, 0.0]})
    path = tmp_path / "multi.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels={"q_9_1": "Nyheder: Lokalavisen", "q_9_2": "Nyheder: Facebook"},
        variable_value_labels={
            "q_9_1": {0: "Ikke valgt", 1: "Valgt"},
            "q_9_2": {0: "Ikke valgt", 1: "Valgt"},
        },
    )
    schema, _ = drafted(tmp_path, path)
    assert schema.variable("q_9_1").labels == ("Ikke valgt", "Valgt")
    validated(path, schema)


def test_not_a_sav_file(tmp_path: Path) -> None:
    path = tmp_path / "fake.sav"
    path.write_text("hello")
    with pytest.raises(ExportError) as info:
        draft_schema([path])
    assert str(info.value) == (
        f"{path} is not an SPSS .sav file (it does not start with $FL2); save the data from "
        "SPSS as .sav, or export CSV"
    )


# --------------------------------------------------------------------------- Qualtrics

QUALTRICS_HEAD = [
    ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
     "Finished", "RecordedDate", "ResponseId", "RecipientEmail", "LocationLatitude",
     "Q1", "Q2_1", "Q2_2", "Q3", "Q3_4_TEXT", "Q4", "Q5"],
    ["Start Date", "End Date", "Response Type", "IP Address", "Progress",
     "Duration (in seconds)", "Finished", "Recorded Date", "Response ID", "Recipient Email",
     "Location Latitude", "How satisfied are you with your neighbourhood?",
     "How much do you agree? - I feel safe", "How much do you agree? - I know my neighbours",
     "Where did you hear about the panel?",
     "Where did you hear about the panel? - Other - Text", "How old are you?",
     "Anything else you want to tell us?"],
    ['{"ImportId":"startDate","timeZone":"Europe/Copenhagen"}',
     '{"ImportId":"endDate","timeZone":"Europe/Copenhagen"}', '{"ImportId":"status"}',
     '{"ImportId":"ipAddress"}', '{"ImportId":"progress"}', '{"ImportId":"duration"}',
     '{"ImportId":"finished"}', '{"ImportId":"recordedDate","timeZone":"Europe/Copenhagen"}',
     '{"ImportId":"_recordId"}', '{"ImportId":"recipientEmail"}',
     '{"ImportId":"locationLatitude"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2_1"}',
     '{"ImportId":"QID2_2"}', '{"ImportId":"QID3"}', '{"ImportId":"QID3_4_TEXT"}',
     '{"ImportId":"QID4_TEXT"}', '{"ImportId":"QID5_TEXT"}'],
]  # fmt: skip
SATISFIED = ["Very satisfied", "Satisfied", "Dissatisfied", "Don't know"]
AGREE = ["Agree", "Disagree", "Neither agree nor disagree", "Prefer not to say"]
HEARD = ["Letter", "Facebook", "Other"]


@pytest.fixture
def qualtrics(tmp_path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(QUALTRICS_HEAD)
    for i in range(24):
        writer.writerow(
            [f"2024-03-01 10:{i:02d}:00", f"2024-03-01 10:{i + 5:02d}:00", "IP Address",
             f"10.0.0.{i}", "100", str(300 + i), "True", "2024-03-01 11:00:00", f"R_{i:04d}xyz",
             f"p{i}@example.com", "55.6", SATISFIED[i % 4], AGREE[i % 4], AGREE[(i + 1) % 4],
             HEARD[i % 3], f"Noget helt andet {i}" if i % 3 == 2 else "", str(20 + i),
             f"A long free-text comment number {i}" if i % 4 == 0 else ""]
        )  # fmt: skip
    path = tmp_path / "qualtrics.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return path


def test_qualtrics_three_header_rows(tmp_path: Path, qualtrics: Path) -> None:
    schema, text = drafted(tmp_path, qualtrics)
    assert schema.source.skip_rows == (2, 3)
    assert "source:\n  skip_rows: [2, 3]\n" in text
    assert schema.id == "ResponseId"
    # Qualtrics' own columns are left out (several are personal data), and the header says so
    assert [v.column for v in schema.variables] == [
        "ResponseId", "Q1", "Q2_1", "Q2_2", "Q3", "Q3_4_TEXT", "Q4", "Q5",
    ]  # fmt: skip
    assert "# Left out: Qualtrics' own columns StartDate, EndDate, Status, IPAddress," in text
    q1 = schema.variable("Q1")
    assert q1.text == "How satisfied are you with your neighbourhood?"
    assert q1.labels == ("Dissatisfied", "Satisfied", "Very satisfied")
    assert q1.missing == ("Don't know",)
    assert schema.variable("Q2_1").text == "How much do you agree? - I feel safe"
    assert schema.variable("Q2_1").missing == ("Prefer not to say",)
    # open questions stay free text, even when every answer is a number (with a note)
    assert schema.variable("Q3_4_TEXT").type is VarType.TEXT
    assert schema.variable("Q4").type is VarType.TEXT
    assert (
        "  # an open question whose answers are all numbers: if it asks for a number, make it type: integer (or number)\n  Q4:\n"
        in text
    )
    assert schema.variable("Q5").type is VarType.TEXT
    assert "\n\n  # Q2_1 … Q2_2: How much do you agree?\n  # the answers seen" in text
    assert "p0@example.com" not in text and "10.0.0." not in text


def test_qualtrics_schema_validates_its_file(tmp_path: Path, qualtrics: Path) -> None:
    schema, _ = drafted(tmp_path, qualtrics)
    survey = validated(qualtrics, schema)
    assert survey.report.rows_read == 24
    assert survey.lines[0] == 4  # the first respondent is on line 4
    assert int(survey.frame["Q1"].isna().sum()) == 6  # "Don't know"
    assert int(survey.frame["Q5"].sum()) == 6


# --------------------------------------------------------------------------- plain files


def plain_frame() -> pd.DataFrame:
    n = 40
    rng = np.random.default_rng(7)
    likert = np.array(["Meget enig", "Enig", "Uenig", "Ved ikke"])
    return pd.DataFrame(
        {
            "id": [f"R{i:03d}" for i in range(n)],
            "Hvor gammel er du?": rng.integers(17, 90, n),
            "køn": rng.choice(["Mand", "Kvinde"], n),
            "q_5": likert[rng.integers(0, 4, n)],
            "q_9_1": rng.integers(0, 2, n),
            "q_9_2": rng.integers(0, 2, n),
            "bolig": rng.integers(1, 5, n),
            "indkomst": np.round(rng.normal(350.5, 80, n), 1),
            "kommentar": [
                f"Her er kommentar nummer {i} om byen" if i % 2 else "" for i in range(n)
            ],
        }
    )


def test_plain_csv_by_inference(tmp_path: Path) -> None:
    frame = plain_frame()
    path = tmp_path / "export.csv"
    text = frame.to_csv(sep=";", index=False, decimal=",")
    path.write_bytes(text.encode("cp1252"))
    schema, written = drafted(tmp_path, path)
    assert schema.id == "id"
    age = schema.variable("Hvor_gammel_er_du")
    assert (age.column, age.text, age.type) == (
        "Hvor gammel er du?",
        "Hvor gammel er du?",
        VarType.INTEGER,
    )
    low, high = frame["Hvor gammel er du?"].min(), frame["Hvor gammel er du?"].max()
    assert (
        f"  # numbers from {low} to {high} in the data; add min: and max: to catch typing errors\n"
        in written
    )
    assert schema.variable("køn").labels == ("Kvinde", "Mand")
    q_5 = schema.variable("q_5")
    assert (q_5.labels, q_5.missing) == (("Enig", "Meget enig", "Uenig"), ("Ved ikke",))
    assert schema.variable("q_9_1").type is VarType.MULTI
    assert schema.variable("q_9_2").type is VarType.MULTI
    # few whole numbers without labels: a category of codes, in numeric order
    assert schema.variable("bolig").labels == ("1", "2", "3", "4")
    assert schema.variable("indkomst").type is VarType.NUMBER  # decimal commas
    assert schema.variable("kommentar").type is VarType.TEXT
    assert "kommentar nummer" not in written
    survey = validated(path, schema)
    assert survey.report.rows_read == 40


def test_plain_xlsx_by_inference(tmp_path: Path) -> None:
    frame = plain_frame()
    wb = Workbook()
    ws = wb.active
    ws.title = "Svar"
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([None if v == "" else (v.item() if hasattr(v, "item") else v) for v in row])
    wb.create_sheet("Noter").append(["Eksporteret 2024"])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    schema, written = drafted(tmp_path, path)
    assert schema.source.sheet == "Svar"  # the workbook has more than one sheet
    assert written.splitlines()[1] == '# Source: workbook export.xlsx, sheet "Svar"'
    assert schema.variable("Hvor_gammel_er_du").type is VarType.INTEGER
    assert schema.variable("q_5").missing == ("Ved ikke",)
    assert schema.variable("q_9_1").type is VarType.MULTI
    assert schema.variable("bolig").labels == ("1", "2", "3", "4")
    assert schema.variable("indkomst").type is VarType.NUMBER
    assert schema.variable("kommentar").type is VarType.TEXT
    validated(path, schema)


def test_csv_and_xlsx_give_the_same_variables(tmp_path: Path) -> None:
    frame = plain_frame()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    csv_path = tmp_path / "a" / "export.csv"
    csv_path.write_text(frame.to_csv(index=False), "utf-8")
    wb = Workbook()
    ws = wb.active
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([None if v == "" else (v.item() if hasattr(v, "item") else v) for v in row])
    xlsx_path = tmp_path / "b" / "export.xlsx"
    wb.save(xlsx_path)
    from_csv, _ = drafted(tmp_path / "a", csv_path)
    from_xlsx, _ = drafted(tmp_path / "b", xlsx_path)
    assert from_csv.variables == from_xlsx.variables


def test_few_repeated_short_answers_only_make_a_category(tmp_path: Path) -> None:
    """Free text answered a handful of times must not become categories (it would leak)."""
    path = tmp_path / "few.csv"
    path.write_text("by,kommentar\nA,Fint\nA,Larm om natten\nB,\nB,Skal flytte\n", "utf-8")
    schema, written = drafted(tmp_path, path)
    assert schema.variable("by").labels == ("A", "B")
    assert schema.variable("kommentar").type is VarType.TEXT
    assert "Larm" not in written


# --------------------------------------------------------------------------- the YAML itself


def tricky_draft() -> SchemaDraft:
    variables = (
        DraftVariable("yes", "yes", VarType.CATEGORY, "Svar: \"ja\" eller 'nej'?\\", (Category("Yes", "Yes"), Category("No", "No"))),
        DraftVariable("q_1", "01 spørgsmål", VarType.CATEGORY, "Line one\nline two\x85\u2028end  ", (Category("01", "Nul en"), Category("1", "En"), Category("-1", "Minus"), Category("true", "null"))),
        DraftVariable("n", "null", VarType.NUMBER, "# not a comment: {a: [b]}", missing=("~", "Ved ikke"), missing_note="note\nwith a break"),
        DraftVariable("m", "Q 3", VarType.MULTI, None, notes=("note with \x07 bell",)),
    )  # fmt: skip
    return SchemaDraft(
        SourceKind.CSV,
        "CSV file weird\nname.csv",
        Path("x.csv"),
        (Path("x.csv"),),
        (DraftBlock("heading\nover two lines", variables),),
        title="Titel: 2024",
    )


def test_yaml_quoting_round_trips() -> None:
    text = render_schema(tricky_draft(), name="on")
    schema = parse_schema(yaml.safe_load(text))
    assert schema.name == "on"
    assert schema.title == "Titel: 2024"
    yes = schema.variable("yes")
    assert yes.text == "Svar: \"ja\" eller 'nej'?\\"
    assert yes.labels == ("Yes", "No")
    q_1 = schema.variable("q_1")
    assert q_1.column == "01 spørgsmål"
    assert q_1.text == "Line one\nline two\x85\u2028end"
    assert [(c.code, c.label) for c in q_1.categories] == [
        ("01", "Nul en"),
        ("1", "En"),
        ("-1", "Minus"),
        ("true", "null"),
    ]
    n = schema.variable("n")
    assert (n.column, n.text, n.missing) == ("null", "# not a comment: {a: [b]}", ("~", "Ved ikke"))
    assert schema.variable("m").column == "Q 3"
    # every comment is one line
    assert "  # heading over two lines\n" in text
    assert "    # note with a break\n" in text
    assert "  # note with bell\n" in text
    assert "# Source: CSV file weird name.csv\n" in text


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    frame = plain_frame()
    path = tmp_path / "export.csv"
    path.write_text(frame.to_csv(index=False), "utf-8")
    first = render_schema(draft_schema([path]), name="s")
    assert render_schema(draft_schema([path]), name="s") == first


# --------------------------------------------------------------------------- the job


def test_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("a,b\n1,x\n2,y\n1,x\n", "utf-8")
    out = tmp_path / "schema.yaml"
    out.write_text("keep me")
    with pytest.raises(OutputError) as info:
        init_schema([path], out)
    assert str(info.value) == (
        f"{out} already exists; pass --force to replace it, or choose another --out"
    )
    assert out.read_text() == "keep me"
    result = init_schema([path], out, force=True)
    assert result.variables == 2 and load_schema(out).names == ("a", "b")


def test_never_over_an_input(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("a,b\n1,x\n2,y\n", "utf-8")
    with pytest.raises(OutputError) as info:
        init_schema([path], path, force=True)
    assert str(info.value).endswith(
        "is an input of this run; choose another output name so the input is kept"
    )
    assert path.read_text() == "a,b\n1,x\n2,y\n"


# --------------------------------------------------------------------------- the command


def test_cli_schema_init(in_tmp: Path) -> None:
    code, out, err = invoke("schema", "init", SX_ANSI, "--out", "survey.yaml")
    assert code == 0, err
    assert out.startswith(
        "Schema written to survey.yaml: 242 variables (202 category, 6 text, 34 multi).\n"
    )
    assert '8 variables have answers such as "don\'t know" under missing:' in out
    assert f"Next: panelkit validate {SX_ANSI / 'dataset.csv'}" in out.replace("\n", "")
    assert load_schema(in_tmp / "survey.yaml").name == "survey"
    code, out, err = invoke(
        "validate", SX_ANSI / "dataset.csv", "--schema", "survey.yaml", "--lang", "en"
    )
    assert code == 0, err
    assert "Rows read: 999 = used 999 + rejected 0" in out


def test_cli_refuses_to_overwrite(in_tmp: Path) -> None:
    (in_tmp / "schema.yaml").write_text("mine")
    (in_tmp / "export.csv").write_text("a,b\n1,x\n2,x\n")
    code, out, err = invoke("schema", "init", "export.csv")
    assert (code, out, err) == (
        1,
        "",
        "Error: schema.yaml already exists; pass --force to replace it, or choose another --out\n",
    )
    code, _, err = invoke("schema", "init", "export.csv", "--force")
    assert code == 0, err
    assert (in_tmp / "schema.yaml").read_text().startswith("# panelkit schema")


def test_cli_unknown_source_type(in_tmp: Path) -> None:
    (in_tmp / "notes.docx").write_bytes(b"PK\x03\x04")
    code, out, err = invoke("schema", "init", "notes.docx")
    assert (code, out) == (1, "")
    assert err == (
        "Error: notes.docx: cannot draft a schema from a .docx file; give a SurveyXact export "
        "(the workbook, or dataset.csv, structure.csv and labels.csv or their folder), an SPSS "
        ".sav, a Qualtrics CSV, or a plain .csv or .xlsx\n"
    )
    assert not (in_tmp / "schema.yaml").exists()


def test_cli_folder_without_the_three_files(in_tmp: Path) -> None:
    (in_tmp / "export").mkdir()
    (in_tmp / "export" / "dataset.csv").write_text("a\n1\n")
    code, out, err = invoke("schema", "init", "export")
    assert (code, out) == (1, "")
    assert err == (
        "Error: export is a folder without SurveyXact's structure.csv, labels.csv; a folder "
        "must hold dataset.csv, structure.csv and labels.csv; or give the export file itself\n"
    )


def test_cli_missing_source(in_tmp: Path) -> None:
    code, _, err = invoke("schema", "init", "nowhere.csv")
    assert (code, err) == (
        1,
        "Error: nowhere.csv does not exist; check the path and the file name\n",
    )


def test_cli_out_is_an_input(in_tmp: Path) -> None:
    (in_tmp / "export.csv").write_text("a\n1\n")
    code, _, err = invoke("schema", "init", "export.csv", "--out", "export.csv", "--force")
    assert (code, err) == (
        1,
        "Error: export.csv: is an input of this run; choose another output name so the input "
        "is kept\n",
    )


def test_cli_without_a_source_is_a_usage_error(in_tmp: Path) -> None:
    code, _, err = invoke("schema", "init")
    assert code == 2
    assert "Missing argument 'SOURCE'." in err


def test_a_column_of_only_no_answers_keeps_them_as_categories(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("x\nVed ikke\nVet ikke\nVed ikke\nved ikke\nVet ikke\n", "utf-8")
    schema, text = drafted(tmp_path, path)
    x = schema.variable("x")
    assert (x.labels, x.missing) == (("Ved ikke", "Vet ikke"), ())
    assert "  # every answer looks like no answer; all are kept as categories: check them\n" in text
    validated(path, schema)


# --------------------------------------------------------------------------- what the data may not put into a schema


def leaky_csv(path: Path) -> Path:
    """60 respondents: a mostly-"Nej" free-text column with two one-off comments, a real
    category (30 + 30), one with a one-off answer, and ages from 17 to 95."""
    n = 60
    frame = pd.DataFrame(
        {
            "bemaerkning": ["Nej"] * (n - 2) + ["Min nabo larmer hver nat", "Savner cykelsti"],
            "by": ["Nord", "Syd"] * (n // 2),
            "bolig": ["Eje"] * 30 + ["Leje"] * 29 + ["Husbåd"],
            "alder": [17, 95, *(30 + i % 40 for i in range(n - 2))],
        }
    )
    frame.to_csv(path, index=False)
    return path


def comment_above(text: str, variable: str) -> str:
    lines = text.splitlines()
    return lines[lines.index(f"  {variable}:") - 1]


def test_a_category_from_the_data_needs_every_answer_min_n_times(tmp_path: Path) -> None:
    schema, text = drafted(tmp_path, leaky_csv(tmp_path / "export.csv"), min_n=20)
    # mostly "Nej" with two one-off comments: free text, and no answer of it is written
    assert schema.variable("bemaerkning").type is VarType.TEXT
    assert comment_above(text, "bemaerkning") == (
        "  # answers given fewer than 20 times, so free text: panelkit only uses whether it "
        "was answered"
    )
    for answer in ("Nej", "Min nabo", "cykelsti", "Husbåd"):
        assert answer not in text
    # 30 + 30: a category; 30 + 29 + 1: the one-off answer makes it text
    assert schema.variable("by").labels == ("Nord", "Syd")
    assert schema.variable("bolig").type is VarType.TEXT
    validated(tmp_path / "export.csv", schema)


def test_min_n_decides_where_a_category_ends(tmp_path: Path) -> None:
    path = leaky_csv(tmp_path / "export.csv")
    by_30, _ = drafted(tmp_path, path, min_n=30, name="a.yaml")
    by_31, _ = drafted(tmp_path, path, min_n=31, name="b.yaml")
    assert (by_30.variable("by").type, by_31.variable("by").type) == (
        VarType.CATEGORY,
        VarType.TEXT,
    )
    # with suppression off (min-n 0), as describe then shows every count: three distinct
    # answers among 60 make a category, as before the rule
    off, _ = drafted(tmp_path, path, min_n=0, name="c.yaml")
    assert off.variable("bemaerkning").type is VarType.CATEGORY


def test_a_numbers_range_is_written_only_with_min_n_0(tmp_path: Path) -> None:
    path = leaky_csv(tmp_path / "export.csv")
    schema, text = drafted(tmp_path, path, min_n=20)
    assert schema.variable("alder").type is VarType.INTEGER
    # 17 and 95 are two respondents' answers: not written (describe hides them too)
    assert comment_above(text, "alder") == (
        "  # numbers in the data (the smallest and largest are single respondents' answers, "
        "so not shown); add min: and max: to catch typing errors"
    )
    assert "17" not in text and "95" not in text
    _, text = drafted(tmp_path, path, min_n=0, name="off.yaml")
    assert comment_above(text, "alder") == (
        "  # numbers from 17 to 95 in the data; add min: and max: to catch typing errors"
    )


def test_platform_labels_are_not_data(tmp_path: Path, sav: Path) -> None:
    """Value labels declared in the .sav are written whatever min-n: they are metadata."""
    schema, text = drafted(tmp_path, sav, min_n=20)
    # six respondents: every label occurs fewer than 20 times, and some not at all
    assert [(c.code, c.label) for c in schema.variable("koen").categories] == [
        ("1", "Mand"),
        ("2", "Kvinde"),
    ]
    assert schema.variable("tilfreds").labels == (
        "Meget tilfreds",
        "Tilfreds",
        "Utilfreds",
        "Meget utilfreds",
    )
    assert "numbers from" not in text  # the age's range: 23 and 67 are answers
    assert "Dejligt her" not in text and "Støj" not in text


def test_cli_schema_init_takes_min_n_from_the_option_or_panelkit_yaml(in_tmp: Path) -> None:
    leaky_csv(in_tmp / "export.csv")
    code, _, err = invoke("schema", "init", "export.csv")
    assert code == 0, err
    assert load_schema(in_tmp / "schema.yaml").variable("by").type is VarType.CATEGORY
    code, _, err = invoke("schema", "init", "export.csv", "--force", "--min-n", "31")
    assert code == 0, err
    assert load_schema(in_tmp / "schema.yaml").variable("by").type is VarType.TEXT
    (in_tmp / "panelkit.yaml").write_text("min_n: 31\n", "utf-8")
    code, _, err = invoke("schema", "init", "export.csv", "--force")
    assert code == 0, err
    assert load_schema(in_tmp / "schema.yaml").variable("by").type is VarType.TEXT
    code, _, err = invoke("schema", "init", "export.csv", "--force", "--min-n", "0")
    assert code == 0, err
    assert "numbers from 17 to 95" in (in_tmp / "schema.yaml").read_text("utf-8")
