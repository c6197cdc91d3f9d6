"""Outputs that must not destroy or trust: special files as --out, crafted run records.

Issue 10 bug 4 (``--out /dev/null`` replaced the device by a file) and issue 15
family 8 (``verify`` trusting its input) and family 7's home path in run records.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from helpers import invoke

API = Path(__file__).parent / "data" / "api-strat"
BASE = ["data.csv", "--schema", "schema.yaml", "--margins", "margins.csv"]
SPECIAL = (
    ": is not a regular file (a device, pipe or socket); panelkit writes only files, so give "
    "a file name, or leave --out out to print\n"
)


@pytest.fixture
def project(api_project: Path) -> Path:
    return api_project


# --------------------------------------------------------------------------- bug 4


def test_a_fifo_as_out_is_refused_and_stays_a_fifo(project: Path) -> None:
    fifo = project / "pipe.csv"
    os.mkfifo(fifo)
    code, _out, err = invoke("weight", *BASE, "--out", "pipe.csv")
    assert (code, err) == (1, "Error: pipe.csv" + SPECIAL)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in project.iterdir() if "pipe" in p.name) == ["pipe.csv"]


def test_a_device_node_as_out_is_refused_and_stays_a_device(project: Path) -> None:
    null = project / "null.json"
    try:
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a copy of /dev/null
    except PermissionError:
        pytest.skip("making a device node needs root")
    code, _, err = invoke(
        "summarize", *BASE, "-i", "indicators.yaml", "--format", "json", "--out", "null.json"
    )
    assert (code, err) == (1, "Error: null.json" + SPECIAL)
    assert stat.S_ISCHR(null.lstat().st_mode)
    assert not (project / "null.json.run.json").exists()


def test_dev_null_as_out_is_left_a_device_and_gets_no_record(project: Path) -> None:
    before = Path("/dev/null").stat()
    code, _, err = invoke(
        "summarize", *BASE, "-i", "indicators.yaml", "--format", "json", "--out", "/dev/null"
    )
    assert (code, err) == (1, "Error: /dev/null" + SPECIAL)
    after = Path("/dev/null").stat()
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)
    assert not Path("/dev/null.run.json").exists()


def test_a_record_name_that_is_a_fifo_is_refused_before_the_output(project: Path) -> None:
    os.mkfifo(project / "w.csv.run.json")
    code, _, err = invoke("weight", *BASE, "--out", "w.csv")
    assert (code, err) == (1, "Error: w.csv.run.json" + SPECIAL)
    assert not (project / "w.csv").exists()


# --------------------------------------------------------------------------- family 8


def _good_record(project: Path) -> dict:
    assert invoke("weight", *BASE, "--out", "w.csv")[0] == 0
    return json.loads((project / "w.csv.run.json").read_text())


def _crafted(project: Path, doc: object) -> tuple[int, str, str]:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    (project / "x.run.json").write_text(text)
    return invoke("verify", "x.run.json")


NOT_A_RECORD = (
    "Error: x.run.json: not a panelkit run record (expected panelkit_version, and inputs and "
    "outputs with file and sha256); give a run.json or *.run.json that panelkit wrote\n"
)


def _path_error(kind: str, shown: str, where: str) -> str:
    return (
        f"Error: x.run.json: {kind} path {shown} is not a {where} path; verify reads only files "
        "a panelkit record can name, so give a record that panelkit wrote\n"
    )


def _with_output(doc: dict, name: str) -> dict:
    return {**doc, "outputs": [{**doc["outputs"][0], "file": name}]}


def test_crafted_records_are_refused_with_one_error_line(project: Path) -> None:
    good = _good_record(project)
    inside, relative = "inside the record's folder", "relative"
    cases = [
        (_with_output(good, "../data.csv"), _path_error("output", "'../data.csv'", inside)),
        (_with_output(good, "sub/../../x"), _path_error("output", "'sub/../../x'", inside)),
        (_with_output(good, "/dev/zero"), _path_error("output", "'/dev/zero'", inside)),
        (_with_output(good, "w\x00.csv"), _path_error("output", "'w\\\\x00.csv'", inside)),
        (_with_output(good, "a\nb"), _path_error("output", "'a\\\\nb'", inside)),
        (
            {**good, "inputs": [{**good["inputs"][0], "path": "/etc/passwd"}]},
            _path_error("input", "'/etc/passwd'", relative),
        ),
        (
            {**good, "outputs": []},
            "Error: x.run.json: lists no outputs, so there is nothing to verify; give a "
            "run.json or *.run.json that panelkit wrote\n",
        ),
        ({**good, "outputs": [{"file": "w.csv", "sha256": "0"}]}, NOT_A_RECORD),
        ({**good, "outputs": [{**good["outputs"][0], "bytes": -1}]}, NOT_A_RECORD),
        ({**good, "outputs": [{**good["outputs"][0], "file": 7}]}, NOT_A_RECORD),
        ({**good, "inputs": [{**good["inputs"][0], "path": ["x"]}]}, NOT_A_RECORD),
        ({k: v for k, v in good.items() if k != "panelkit_version"}, NOT_A_RECORD),
        (
            "[" * 100_000 + "]" * 100_000,
            "Error: x.run.json: cannot be read as a run record (nested too deeply); give a "
            "run.json or *.run.json that panelkit wrote\n",
        ),
        (
            '{"a": ' * 5000 + "1" + "}" * 5000,
            "Error: x.run.json: cannot be read as a run record (nested too deeply); give a "
            "run.json or *.run.json that panelkit wrote\n",
        ),
    ]
    for doc, message in cases:
        code, out, err = _crafted(project, doc)
        assert (code, out, err) == (1, "", message), doc if isinstance(doc, dict) else "nested"


def test_a_record_that_is_too_large_is_not_read(project: Path) -> None:
    with (project / "x.run.json").open("wb") as handle:
        handle.truncate((16 << 20) + 1)
    code, _, err = invoke("verify", "x.run.json")
    assert (code, err) == (
        1,
        "Error: x.run.json: cannot be read as a run record (larger than 16 MiB); give a "
        "run.json or *.run.json that panelkit wrote\n",
    )


def test_special_files_named_by_a_record_are_refused_not_read(project: Path) -> None:
    good = _good_record(project)
    (project / "zero").symlink_to("/dev/zero")  # inside the folder, but a device
    os.mkfifo(project / "fifo")
    doc = {**good, "outputs": [{**good["outputs"][0], "file": n} for n in ("zero", "fifo")]}
    code, out, err = _crafted(project, doc)
    assert code == 1
    assert "  refused  output                    zero" in out.splitlines()
    assert "  refused  output                    fifo" in out.splitlines()
    assert err == (
        "Error: x.run.json: 2 of 5 files do not match their run record (refused (not a "
        "regular file inside the folder): zero, fifo); run the command again to bring the "
        "outputs up to date, or find out what changed the inputs\n"
    )


def test_a_symlink_out_of_the_folder_is_refused(project: Path) -> None:
    good = _good_record(project)
    (project / "out").mkdir()
    (project / "out" / "w.csv").symlink_to(project / "w.csv")
    shutil.copy(project / "w.csv.run.json", project / "out" / "w.csv.run.json")
    code, out, _ = invoke("verify", "out")
    assert code == 1 and "  refused  output                    w.csv" in out.splitlines()
    assert good["outputs"][0]["file"] == "w.csv"


def test_a_file_added_to_a_report_folder_is_reported(project: Path) -> None:
    assert invoke("report", *BASE, "--indicators", "indicators.yaml", "--out", "r")[0] == 0
    assert invoke("verify", "r")[0] == 0
    (project / "r" / "notes.txt").write_text("mine")
    (project / "r" / "tables" / "more.csv").write_text("x")
    code, out, err = invoke("verify", "r")
    assert code == 1
    assert "  extra    output                    notes.txt" in out.splitlines()
    assert "  extra    output                    tables/more.csv" in out.splitlines()
    assert "(extra (not written by the run): notes.txt, tables/more.csv)" in err


# --------------------------------------------------------------------------- family 7


def test_inputs_outside_the_project_are_named_not_located(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report written far from the project names no folder above it (no home path)."""
    far = tmp_path / "home" / "analyst" / "work"
    far.mkdir(parents=True)
    shutil.move(project, far / "proj")
    monkeypatch.chdir(far / "proj")
    elsewhere = tmp_path / "published"
    code, _, err = invoke("weight", *BASE, "--out", elsewhere / "w.csv")
    assert code == 0, err
    text = (elsewhere / "w.csv.run.json").read_text()
    assert "analyst" not in text and "home" not in text
    record = json.loads(text)
    assert [(i["file"], i["path"]) for i in record["inputs"]] == [
        ("data.csv", None),
        ("schema.yaml", None),
        ("margins.csv", None),
    ]
    code, out, err = invoke("verify", elsewhere)
    assert (code, err) == (0, "")
    assert "  unchecked input   data              data.csv" in out.splitlines()
    assert " ".join(out.split()).endswith(
        "All 1 checked files match their run records; 3 inputs outside the project are "
        "recorded by name and hash only."
    )
    # Inside the project the paths stay relative, so the project still moves as a whole.
    code, _, err = invoke("weight", *BASE, "--out", "out/w.csv")
    record = json.loads((far / "proj" / "out" / "w.csv.run.json").read_text())
    assert record["inputs"][0]["path"] == "../data.csv"


# --------------------------------------------------------------------------- family 6


@pytest.fixture
def demo_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from panelkit.demo import write_demo_project

    root = tmp_path / "p"
    write_demo_project(root, n=300)
    settings = root / "panelkit.yaml"
    settings.write_text(settings.read_text() + "by: []\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.chdir(root)
    return root


def _own_files_message(name: str, why: str) -> str:
    return (
        f"Error: --out rapport: holds {name}, {why}; --force replaces only an earlier "
        "report's own files, so move it out of the folder or choose another one\n"
    )


def test_report_force_keeps_the_users_own_files(demo_project: Path) -> None:
    assert invoke("report", "--out", "rapport")[0] == 0
    (demo_project / "rapport" / "mine.docx").write_bytes(b"my notes")
    code, _, err = invoke("report", "--out", "rapport", "--force")
    assert (code, err) == (
        1,
        _own_files_message("mine.docx", "which the earlier report did not write"),
    )
    assert (demo_project / "rapport" / "mine.docx").read_bytes() == b"my notes"
    (demo_project / "rapport" / "mine.docx").unlink()
    (demo_project / "rapport" / "factbox.md").write_text("edited by hand")
    code, _, err = invoke("report", "--out", "rapport", "--force")
    assert (code, err) == (
        1,
        _own_files_message("factbox.md", "which was changed after the earlier report wrote it"),
    )
    assert (demo_project / "rapport" / "factbox.md").read_text() == "edited by hand"
    (demo_project / "rapport" / "factbox.md").unlink()  # a missing file of its own is fine
    assert invoke("report", "--out", "rapport", "--force")[0] == 0
    assert invoke("verify", "rapport")[0] == 0


def test_a_run_json_of_someone_elses_is_not_a_report(demo_project: Path) -> None:
    docs = demo_project / "rapport"
    docs.mkdir()
    (docs / "run.json").write_text('{"panelkit_version": "1", "note": "my own run.json"}')
    (docs / "keep.txt").write_text("mine")
    code, _, err = invoke("report", "--out", "rapport", "--force")
    assert (code, err) == (
        1,
        "Error: --out rapport: folder is not empty and holds no earlier report (run.json); "
        "--force only replaces a panelkit report, so choose an empty or new folder\n",
    )
    assert (docs / "keep.txt").read_text() == "mine"


def test_a_second_report_into_the_same_folder_is_refused_while_the_first_runs(
    demo_project: Path,
) -> None:
    import fcntl

    lock = demo_project / ".rapport.lock"
    with lock.open("w") as held:  # as a first run holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        code, _, err = invoke("report", "--out", "rapport")
    assert (code, err) == (
        1,
        "Error: --out rapport: another panelkit report is being written into this folder now "
        "(it holds .rapport.lock); wait for it to finish, then run again\n",
    )
    assert not (demo_project / "rapport").exists()
    assert invoke("report", "--out", "rapport")[0] == 0  # the lock a dead run left is taken over
    assert not lock.exists()


def test_demo_force_keeps_the_users_own_files(tmp_path: Path) -> None:
    root = tmp_path / "amager"
    assert invoke("demo", root)[0] == 0
    assert invoke("demo", root, "--force")[0] == 0  # its own, unchanged files: replaced
    export = root / "data" / "borgerpanel-2022.csv"
    export.write_text("my own export\n")
    code, _, err = invoke("demo", root, "--force")
    assert (code, err) == (
        1,
        f"Error: {export}: exists and is not the file an earlier `panelkit demo` wrote there; "
        "--force replaces only the demo's own files, so move it away or choose another folder\n",
    )
    assert export.read_text() == "my own export\n"
    other = tmp_path / "mine"
    other.mkdir()
    (other / "panelkit.yaml").write_text("data: mine.csv\n")
    code, _, err = invoke("demo", other, "--force")
    assert code == 1 and err.startswith(f"Error: {other / 'panelkit.yaml'}: exists and is not")
    assert (other / "panelkit.yaml").read_text() == "data: mine.csv\n"
    assert sorted(p.name for p in other.iterdir()) == ["panelkit.yaml"]  # nothing written
