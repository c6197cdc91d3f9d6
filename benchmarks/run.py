"""Benchmark: the whole panel job (weight + summarise) as a separate process, per size.

Usage: python benchmarks/run.py [--sizes 1340,100000,1000000] [--keep DIR]

For each size it writes a synthetic export with the demo generator, then times
`panelkit summarize` (rake three margins, the demo's indicators overall and by
three groups, JSON written to a file) as a fresh process and reports wall time
and peak memory (the child's own max RSS via os.wait4), then the same job with
`--contrasts` (every group against the rest of its domain, and the tests of
association; formats §8.4) and its time as a ratio of the job without. When `Rscript` with the
survey package is on PATH it runs the same job in R and prints the ratio.
Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from r_job import R_SCRIPT  # noqa: E402

BY = ("age_group", "sex", "area")


def run_timed(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB, exit code of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0 and proc.stderr is not None:
        sys.stderr.write(proc.stderr.read().decode(errors="replace"))
    # ru_maxrss is in kilobytes on Linux
    return wall, usage.ru_maxrss / 1024, code


def best_of(cmd: list[str], cwd: Path, times: int = 5) -> float:
    """The fastest of a few runs: start-up time without the machine's noise."""
    return min(run_timed(cmd, cwd)[0] for _ in range(times))


def startup(work: Path) -> None:
    panelkit = [sys.executable, "-m", "panelkit"]
    pandas = best_of([sys.executable, "-c", "import pandas"], work)
    for args in (["--version"], ["--help"]):
        wall = best_of([*panelkit, *args], work)
        print(
            f"panelkit {args[0]:<9} {wall:5.2f} s   import pandas {pandas:5.2f} s   ratio {wall / pandas:4.2f}"
        )


def r_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    check = subprocess.run(
        ["Rscript", "-e", "suppressMessages(library(survey))"], capture_output=True, check=False
    )
    return check.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1340,100000,1000000")
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated files here")
    parser.add_argument("--no-r", action="store_true", help="skip R even when installed")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from panelkit.demo import bundled_demo, demo_export_bytes

    demo = bundled_demo()
    panelkit = [sys.executable, "-m", "panelkit"]
    with_r = not args.no_r and r_available()
    work = args.keep or Path(tempfile.mkdtemp(prefix="panelkit-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    startup(work)
    print(
        f"{'respondents':>12} {'panelkit s':>11} {'peak MB':>8} {'read-only s':>12} {'R s':>8} "
        f"{'R/panelkit':>10} {'contrasts s':>12} {'peak MB':>8} {'ratio':>6}"
    )
    for n in sizes:
        export = work / f"panel-{n}.csv"
        export.write_bytes(demo_export_bytes(n=n))
        out = work / f"estimates-{n}.json"
        cmd = [
            *panelkit,
            "summarize",
            str(export),
            "--schema",
            str(demo.schema),
            "--margins",
            str(demo.margins),
            "--indicators",
            str(demo.indicators),
            *[a for b in BY for a in ("--by", b)],
            "--format",
            "json",
            "--out",
            str(out),
        ]
        wall, peak, code = run_timed(cmd, work)
        if code != 0:
            print(f"{n:>12} failed (exit {code})")
            continue
        read_cmd = [
            sys.executable,
            "-c",
            f"import pandas as pd; pd.read_csv({str(export)!r}, sep=';', encoding='cp1252', dtype=str)",
        ]
        read_wall, _, _ = run_timed(read_cmd, work)
        r_text, ratio = "-", "-"
        if with_r:
            script = work / "job.R"
            script.write_text(R_SCRIPT)
            r_wall, _, r_code = run_timed(
                ["Rscript", str(script), str(export), str(demo.margins)], work
            )
            if r_code == 0:
                r_text, ratio = f"{r_wall:8.2f}", f"{r_wall / wall:10.1f}"
        c_wall, c_peak, c_code = run_timed([*cmd, "--contrasts"], work)
        c_text = (
            f"{c_wall:12.2f} {c_peak:8.0f} {c_wall / wall:6.2f}"
            if c_code == 0
            else f"{'failed':>12}"
        )
        print(
            f"{n:>12} {wall:11.2f} {peak:8.0f} {read_wall:12.2f} {r_text:>8} {ratio:>10} {c_text}"
        )
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
