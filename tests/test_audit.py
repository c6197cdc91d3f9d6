"""Run records beside every output, and `panelkit verify` on them."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from helpers import invoke
from panelkit.audit import FileStatus, relative_path, verify
from panelkit.errors import AuditError

API = Path(__file__).parent / "data" / "api-strat"


@pytest.fixture
def project(api_project: Path) -> Path:
    return api_project


BASE = ["data.csv", "--schema", "schema.yaml", "--margins", "margins.csv"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_summarize_writes_its_run_record(project: Path) -> None:
    code, _, err = invoke(
        "summarize", *BASE, "--indicators", "indicators.yaml", "--by", "stype",
        "--format", "json", "--out", "out/estimates.json", "--min-n", "5",
    )  # fmt: skip
    assert code == 0, err
    record = json.loads((project / "out" / "estimates.json.run.json").read_text())
    assert record["command"] == "summarize" and record["created"] == "2023-11-14"
    assert [(i["role"], i["path"]) for i in record["inputs"]] == [
        ("data", "../data.csv"),
        ("schema", "../schema.yaml"),
        ("margins", "../margins.csv"),
        ("indicators", "../indicators.yaml"),
    ]
    assert record["inputs"][0]["sha256"] == sha(project / "data.csv")
    assert record["inputs"][0]["bytes"] == (project / "data.csv").stat().st_size
    assert record["outputs"] == [
        {
            "file": "estimates.json",
            "sha256": sha(project / "out" / "estimates.json"),
            "bytes": (project / "out" / "estimates.json").stat().st_size,
        }
    ]
    assert record["settings"] == {
        "lang": "da", "by": ["stype"], "ci": "logit", "min_n": 5, "cap": None,
        "drop_invalid": False, "format": "json",
    }  # fmt: skip
    assert record["survey"] == {"rows_read": 200, "rows_used": 200, "rows_rejected": 0}
    assert set(record["versions"]) >= {"panelkit", "python", "numpy", "pandas"}
    # The same run gives the same record.
    before = (project / "out" / "estimates.json.run.json").read_bytes()
    invoke("summarize", *BASE, "--indicators", "indicators.yaml", "--by", "stype",
           "--format", "json", "--out", "out/estimates.json", "--min-n", "5")  # fmt: skip
    assert (project / "out" / "estimates.json.run.json").read_bytes() == before


def test_verify_says_ok_changed_missing(project: Path) -> None:
    assert invoke("weight", *BASE, "--out", "w.csv")[0] == 0
    assert invoke("validate", "data.csv", "--schema", "schema.yaml", "--rejects", "r.csv")[0] == 0
    code, out, err = invoke("verify", ".")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "r.csv.run.json (validate)",
        "  ok       input   data              data.csv",
        "  ok       input   schema            schema.yaml",
        "  ok       output                    r.csv",
        "w.csv.run.json (weight)",
        "  ok       input   data              data.csv",
        "  ok       input   schema            schema.yaml",
        "  ok       input   margins           margins.csv",
        "  ok       output                    w.csv",
        "All 7 files match their run records.",
    ]
    (project / "margins.csv").write_text((project / "margins.csv").read_text() + "\n")
    (project / "r.csv").unlink()
    code, out, err = invoke("verify", ".")
    assert code == 1
    assert "  changed  input   margins           margins.csv" in out
    assert "  missing  output                    r.csv" in out
    assert err == (
        "Error: .: 2 of 7 files do not match their run record (changed: margins margins.csv; "
        "missing: r.csv); run the command again to bring the outputs up to date, or find out "
        "what changed the inputs\n"
    )
    code, _, err = invoke("verify", "w.csv.run.json")  # one record
    assert code == 1 and err.startswith("Error: w.csv.run.json: 1 of 4 files do not match")


def test_paths_are_relative_so_a_moved_project_still_verifies(
    project: Path, tmp_path: Path
) -> None:
    assert invoke("describe", *BASE, "--out", "book/codebook.json")[0] == 0
    record = json.loads((project / "book" / "codebook.json.run.json").read_text())
    assert record["inputs"][0]["path"] == "../data.csv"
    assert record["settings"]["min_n"] == 20 and record["command"] == "describe"
    moved = tmp_path / "elsewhere"
    shutil.move(project, moved)
    result = verify(moved / "book")
    assert result.ok and {f.status for f in result.files} == {FileStatus.OK}
    assert relative_path(moved / "data.csv", moved / "book") == "../data.csv"


def test_verify_refuses_what_is_not_a_record(project: Path) -> None:
    with pytest.raises(AuditError, match=r"^nowhere: not found; give a report folder"):
        verify(Path("nowhere"))
    (project / "empty").mkdir()
    with pytest.raises(
        AuditError, match=r"^empty: holds no run record \(run.json or \*.run.json\)"
    ):
        verify(Path("empty"))
    (project / "x.run.json").write_text("[1, 2]")
    code, out, err = invoke("verify", "x.run.json")
    assert (code, out) == (1, "")
    assert err == (
        "Error: x.run.json: not a panelkit run record (expected panelkit_version, and inputs and "
        "outputs with file and sha256); give a run.json or *.run.json that panelkit wrote\n"
    )
    (project / "x.run.json").write_text("{")
    code, _, err = invoke("verify", "x.run.json")
    assert err.startswith("Error: x.run.json: cannot be read as a run record (not valid JSON)")


def test_a_record_is_never_written_over_an_input(project: Path) -> None:
    mine = (project / "indicators.yaml").read_text()
    (project / "est.json.run.json").write_text(mine)  # an input that happens to have that name
    code, _, err = invoke(
        "summarize", *BASE, "--indicators", "est.json.run.json", "--format", "json",
        "--out", "est.json",
    )  # fmt: skip
    assert (code, err) == (
        1,
        "Error: est.json.run.json: is an input of this run; choose another output name so the "
        "input is kept\n",
    )
    assert (project / "est.json.run.json").read_text() == mine
    assert not (project / "est.json").exists()


def test_a_bad_source_date_stops_before_writing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    code, _, err = invoke("weight", *BASE, "--out", "w.csv")
    assert (code, err) == (
        1,
        "Error: SOURCE_DATE_EPOCH='yesterday': expected whole seconds since 1970, e.g. "
        "1700000000; fix or unset it\n",
    )
    assert not (project / "w.csv").exists()
