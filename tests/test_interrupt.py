"""Nothing lost: a `panelkit report` killed midway (SIGKILL) leaves the earlier report whole.

The report is written into a temporary sibling folder (``.NAME.*.new``) and then swapped
into place. The test starts a real process, waits until that folder appears, kills the
process, and compares the report folder with the one from before, byte for byte. The
earlier report is in English and the new run in Danish, so the two cannot be mistaken.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from panelkit import jobs
from panelkit.demo import write_demo_project
from panelkit.project import Settings, resolve_files

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def staging(parent: Path, name: str) -> list[str]:
    return [
        e.name
        for e in os.scandir(parent)
        if e.name.startswith(f".{name}.") and e.name.endswith(".new")
    ]


def kill_when_staging_appears(args: list[str], cwd: Path, out: Path) -> tuple[bool, int]:
    """Run, kill as soon as the temporary folder exists; (seen before the end, exit code)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    earlier = set(staging(out.parent, out.name))  # left by an earlier killed run
    process = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    seen = False
    while process.poll() is None and time.monotonic() < deadline:
        if set(staging(out.parent, out.name)) - earlier:
            process.send_signal(signal.SIGKILL)
            seen = True
            break
    code = process.wait(timeout=60)
    return seen, code


def test_a_killed_report_run_leaves_the_earlier_report(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write_demo_project(root, n=300)
    settings = root / "panelkit.yaml"
    settings.write_text(settings.read_text() + "by: []\n")  # fewer charts: a quicker run
    out = root / "rapport"
    files = resolve_files(cwd=root)
    jobs.write_report(files, out, Settings(lang="en"))
    before = snapshot(out)
    assert "run.json" in before and len(before) > 10

    args = [sys.executable, "-m", "panelkit", "report", "--out", "rapport", "--force"]
    for _attempt in range(3):  # the kill may come after the swap on a very fast disk: retry
        seen, code = kill_when_staging_appears(args, root, out)
        assert code in (-signal.SIGKILL, 0), code
        after = snapshot(out)
        if seen and code == -signal.SIGKILL and after == before:
            break
        # Killed too late: the new report must then be whole (it replaced the old at once).
        assert set(after) == set(before) and after["index.html"] != before["index.html"]
        jobs.write_report(files, out, Settings(lang="en"), force=True)
        before = snapshot(out)
    else:
        pytest.fail("the run was never caught before its folder swap")
    assert after == before  # the earlier report, every file, every byte
    # What the killed run leaves is its temporary folder beside the report, never inside it.
    assert all(name.startswith(".rapport.") for name in staging(root, "rapport"))
    # The next run tidies it away.
    jobs.write_report(files, out, Settings(lang="en"), force=True)
    assert staging(root, "rapport") == []


def test_a_kill_between_the_two_renames_is_recovered(tmp_path: Path) -> None:
    import hashlib
    import json

    from panelkit.publish.report import write_report_folder

    # A panelkit report's record: the marker, and the files it wrote with their hashes.
    listed = {"file": "index.html", "sha256": hashlib.sha256(b"old").hexdigest(), "bytes": 3}
    RUN = json.dumps({"panelkit_version": "0.1.0", "command": "report", "inputs": [],
                      "outputs": [listed]}).encode()  # fmt: skip

    out = tmp_path / "rapport"
    write_report_folder(out, {"run.json": RUN, "index.html": b"old"}, force=False, inputs=())
    # What a kill between "rename the old report away" and "rename the new one in" leaves:
    out.rename(tmp_path / ".rapport.abc123.old")
    (tmp_path / ".rapport.def456.new").mkdir()
    write_report_folder(out, {"run.json": RUN, "index.html": b"new"}, force=True, inputs=())
    assert (out / "index.html").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport"]


def test_a_killed_single_file_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """write_bytes_atomic renames a complete temporary file into place, or leaves the old one."""
    from panelkit import files as files_module

    target = tmp_path / "estimates.json"
    target.write_bytes(b"old")

    def killed(_fd: int) -> None:
        raise KeyboardInterrupt  # stands in for the process dying before the rename

    monkeypatch.setattr(files_module.os, "fsync", killed)
    with pytest.raises(KeyboardInterrupt):
        files_module.write_bytes_atomic(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["estimates.json"]


# --------------------------------------------------------------------------- SIGKILL, then rerun

KILL_AT = (
    "import os, signal, sys\n"
    "import {module} as m\n"
    "def killed(*args, **kwargs):\n"
    "    os.kill(os.getpid(), signal.SIGKILL)\n"
    "m.{name} = killed\n"
    "from panelkit.cli import app\n"
    "app(sys.argv[1:])\n"
)


def run_killed_at(module: str, name: str, args: list[str], cwd: Path) -> int:
    """Run the CLI in a real process that SIGKILLs itself when it reaches ``module.name``."""
    code = KILL_AT.format(module=module, name=name)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, timeout=300
    )
    return done.returncode


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_killed_weight_leaves_a_private_temp_file_the_next_run_removes(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write_demo_project(root, n=300)
    args = ["weight", "--out", "w.csv"]
    # Killed after the weights are written to the temporary file, before the rename.
    assert run_killed_at("os", "fsync", args, root) == -signal.SIGKILL
    left = leftovers(root)
    assert len(left) == 1 and left[0].startswith(".w.csv.panelkit-"), left
    assert (root / left[0]).stat().st_size > 0 and (root / left[0]).stat().st_mode & 0o077 == 0
    assert not (root / "w.csv").exists()
    done = subprocess.run(
        [sys.executable, "-m", "panelkit", *args], cwd=root, capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert leftovers(root) == [] and (root / "w.csv").is_file()


def test_a_killed_report_leaves_a_private_folder_the_next_run_removes(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write_demo_project(root, n=300)
    settings = root / "panelkit.yaml"
    settings.write_text(settings.read_text() + "by: []\n")
    args = ["report", "--out", "rapport"]
    # Killed while the new report is being written into its temporary folder.
    assert run_killed_at("os", "fsync", args, root) == -signal.SIGKILL
    left = leftovers(root)
    assert [n for n in left if n.endswith(".new")] and ".rapport.lock" in left, left
    staged = next(root / n for n in left if n.endswith(".new"))
    assert staged.stat().st_mode & 0o077 == 0  # not readable by others while it is built
    assert not (root / "rapport").exists()
    done = subprocess.run(
        [sys.executable, "-m", "panelkit", *args], cwd=root, capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert leftovers(root) == [] and (root / "rapport" / "run.json").is_file()
