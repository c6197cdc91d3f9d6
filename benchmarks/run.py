"""Benchmark: panelkit's jobs as fresh processes, beside their yardsticks in the same run.

Usage: python benchmarks/run.py [--sizes 10000,100000,1000000] [--keep DIR] [--no-r]
                                [--r-size 100000] [--repeat 1] [--demo-only] [--demo-repeat 3]

For each size it writes a synthetic export with the demo generator, then times as
fresh processes (wall time; peak memory = the child's own max RSS via os.wait4):
- ``panelkit summarize`` (rake three margins, the demo's indicators overall and by
  three groups, JSON), with and without ``--contrasts``;
- ``panelkit weight`` (reading and validating the raw export included);
- pandas ``read_csv`` of the same export (yardstick of the full job);
- weightipy raking the same respondents from a clean CSV (yardstick of ``weight``;
  ``pip install weightipy`` or ``pip install -e '.[bench]'``), and, as a second one,
  the same job as ``weight`` by pandas and weightipy: the raw export read, the weighting
  variables made, raked, the weights written (nothing checked);
- R ``survey`` on the same job at ``--r-size`` (``benchmarks/r_job.py``; needs
  ``Rscript`` with the survey package).
Then the bundled demo's ``summarize`` and ``report`` against ``python -c "import
pandas"``, interleaved in ``--demo-repeat`` rounds (``--demo-only``: that part alone).
Each panelkit job runs with ``PANELKIT_TIMINGS`` so that its seconds per
step (read, validate, weight, estimate, publish) are printed per respondent: a
regression shows in the step it is in. A yardstick that is not installed is
named as missing. Numbers are printed, never asserted; the last table is Markdown
for docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from r_job import R_SCRIPT  # noqa: E402

BY = ("age_group", "sex", "area")
STEPS = ("read", "validate", "weight", "estimate", "publish")

# weightipy's scheme from the margins file (``margins``): each margin's targets in percent.
_WEIGHTIPY_SCHEME = r"""
m = pd.read_csv(margins, comment="#")
scheme = {}
for var, part in m.groupby("variable", sort=False):
    col = var.replace("|", "_")
    total = part["target"].sum()
    scheme[col] = {c: 100 * t / total for c, t in zip(part["category"], part["target"])}
"""

WEIGHTIPY_JOB = (
    r"""
import sys, pandas as pd, weightipy as wp
data, margins = sys.argv[1], sys.argv[2]
df = pd.read_csv(data)
"""
    + _WEIGHTIPY_SCHEME
    + r"""
wp.weight_dataframe(df, wp.scheme_from_dict(scheme))
"""
)

# The same job as `panelkit weight` done the way an analyst's script would: pandas reads
# the raw export, the weighting variables are made from it as the demo's schema says
# (sex's codes, age's bins), weightipy rakes, and the ids and weights are written as CSV.
# Unlike panelkit, it checks nothing. A second yardstick, beside the issue's own.
WEIGHTIPY_RAW_JOB = (
    r"""
import sys, pandas as pd, weightipy as wp
export, margins, out = sys.argv[1], sys.argv[2], sys.argv[3]
raw = pd.read_csv(export, sep=";", encoding="cp1252", dtype=str)
sex = raw["s_1"].str.strip().map({"1": "Mand", "2": "Kvinde"})
age = pd.to_numeric(raw["s_2"].str.strip())
group = pd.cut(age, [17, 30, 45, 65, 111], right=False, labels=["17-29", "30-44", "45-64", "65+"])
df = pd.DataFrame({
    "respondent_id": raw["respondent"].str.strip(),
    "area": raw["s_3"].str.strip(),
    "age_group_sex": group.astype(str) + "|" + sex,
})
"""
    + _WEIGHTIPY_SCHEME
    + r"""
weighted = wp.weight_dataframe(df, wp.scheme_from_dict(scheme))
weighted[["respondent_id", "weights"]].to_csv(out, index=False)
"""
)


@dataclass
class Run:
    wall: float
    peak: float
    code: int
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code == 0


def run_timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Wall seconds, peak RSS in MB and exit code of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0 and proc.stderr is not None:
        sys.stderr.write(proc.stderr.read().decode(errors="replace")[-2000:])
    # ru_maxrss is in kilobytes on Linux
    return Run(wall, usage.ru_maxrss / 1024, code)


def panelkit_job(cmd: list[str], cwd: Path, repeat: int, env: dict[str, str] | None = None) -> Run:
    """The fastest of ``repeat`` runs of a panelkit command, with its seconds per step."""
    best: Run | None = None
    for _ in range(repeat):
        record = cwd / "timings.jsonl"
        record.unlink(missing_ok=True)
        run = run_timed(cmd, cwd, env={**(env or os.environ), "PANELKIT_TIMINGS": str(record)})
        if run.ok and record.exists():
            run.steps = json.loads(record.read_text().splitlines()[-1])["steps"]
        if best is None or (run.ok and run.wall < best.wall):
            best = run
    assert best is not None
    return best


def best_of(cmd: list[str], cwd: Path, times: int = 5) -> float:
    """The fastest of a few runs: start-up time without the machine's noise."""
    return min(run_timed(cmd, cwd).wall for _ in range(times))


def r_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    check = subprocess.run(
        ["Rscript", "-e", "suppressMessages(library(survey))"], capture_output=True, check=False
    )
    return check.returncode == 0


def weightipy_available() -> bool:
    check = subprocess.run([sys.executable, "-c", "import weightipy"], capture_output=True)
    return check.returncode == 0


# Files are made in child processes: a child's ru_maxrss starts from its parent's at
# the fork, so the parent must stay small for the peaks to be the jobs' own.
MAKE_EXPORT = r"""
import sys
from pathlib import Path
from panelkit.demo import demo_export_bytes
Path(sys.argv[1]).write_bytes(demo_export_bytes(n=int(sys.argv[2])))
"""

# The weighting variables of the validated export as a clean CSV (labels), for weightipy.
MAKE_CLEAN = r"""
import sys
from pathlib import Path
import pandas as pd
from panelkit.jobs import load_survey
frame = load_survey(Path(sys.argv[1]), Path(sys.argv[2])).frame
clean = {
    "area": frame["area"].astype(str),
    "age_group_sex": frame["age_group"].astype(str) + "|" + frame["sex"].astype(str),
}
pd.DataFrame(clean).to_csv(sys.argv[3], index=False)
"""


@dataclass(frozen=True)
class DemoPaths:
    """The bundled demo's schema, margins and indicators (as panelkit.bundled.bundled_demo)."""

    schema: Path = ROOT / "data" / "schemas" / "borgerpanel-2022.yaml"
    margins: Path = ROOT / "data" / "margins" / "amager-oest-2021.csv"
    indicators: Path = ROOT / "data" / "indicators" / "borgerpanel-2022.yaml"


def compile_panelkit() -> None:
    """Byte-compile panelkit's modules, as installing a wheel does.

    An editable install (``pip install -e .``, as ``make`` does) leaves that to the first
    run, and where ``PYTHONDONTWRITEBYTECODE`` is set (as on the machines here) every
    run compiles panelkit from source again (0.1-0.3 s of start-up that a user's
    installed copy never pays). The libraries in the venv are compiled already.
    """
    import importlib.util

    spec = importlib.util.find_spec("panelkit")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return
    for folder in spec.submodule_search_locations:
        subprocess.run([sys.executable, "-m", "compileall", "-q", folder], check=True)


def child(script: str, *args: object) -> None:
    subprocess.run([sys.executable, "-c", script, *map(str, args)], check=True)


def steps_text(run: Run, n: int) -> str:
    """Microseconds per respondent of each step, and what the steps leave (start-up)."""
    if not run.steps:
        return ""
    parts = [f"{s} {1e6 * run.steps.get(s, 0.0) / n:5.2f}" for s in STEPS]
    other = run.wall - sum(run.steps.values())
    return "µs/resp: " + "  ".join(parts) + f"  (other {other:.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated files here")
    parser.add_argument("--no-r", action="store_true", help="skip R even when installed")
    parser.add_argument("--r-size", type=int, default=100_000, help="the size R runs at")
    parser.add_argument("--repeat", type=int, default=1, help="runs per panelkit job (fastest)")
    parser.add_argument("--demo-only", action="store_true", help="only the bundled demo's part")
    parser.add_argument(
        "--demo-repeat", type=int, default=3, help="interleaved rounds of the demo (fastest)"
    )
    args = parser.parse_args()
    sizes = [] if args.demo_only else [int(s) for s in args.sizes.split(",")]

    # The demo's files by path: importing panelkit here would load numpy and pandas
    # into the parent, whose memory every child's peak starts from.
    demo = DemoPaths()
    panelkit = [sys.executable, "-m", "panelkit"]
    compile_panelkit()
    with_r = not args.no_r and r_available()
    with_wp = weightipy_available()
    work = args.keep or Path(tempfile.mkdtemp(prefix="panelkit-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {load:.1f} at the start"
    )
    if not with_wp:
        print("weightipy: missing (pip install weightipy); its yardstick is left out")
    if not with_r:
        print("R survey: missing or --no-r (apt-get install r-base-core r-cran-survey)")
    table: list[tuple[str, str, str, str]] = []  # job, panelkit, yardstick, ratio

    for n in sizes:
        export = work / f"panel-{n}.csv"
        child(MAKE_EXPORT, export, n)
        common = ["--schema", str(demo.schema), "--margins", str(demo.margins)]
        summarize = [
            *panelkit, "summarize", str(export), *common,
            "--indicators", str(demo.indicators), *[a for b in BY for a in ("--by", b)],
            "--format", "json", "--out", str(work / f"estimates-{n}.json"),
        ]  # fmt: skip
        full = panelkit_job(summarize, work, args.repeat)
        contrasts = panelkit_job([*summarize, "--contrasts"], work, args.repeat)
        weight = panelkit_job(
            [*panelkit, "weight", str(export), *common, "--out", str(work / f"w-{n}.csv")],
            work,
            args.repeat,
        )
        read = run_timed(
            [
                sys.executable,
                "-c",
                "import pandas as pd; pd.read_csv("
                f"{str(export)!r}, sep=';', encoding='cp1252', dtype=str)",
            ],
            work,
        )
        print(f"\n{n:,} respondents (pandas read_csv {read.wall:.2f} s, {read.peak:.0f} MB)")
        for name, r in (("summarize", full), ("--contrasts", contrasts), ("weight", weight)):
            if not r.ok:
                print(f"  {name:<12} failed (exit {r.code})")
                continue
            print(
                f"  {name:<12} {r.wall:6.2f} s {r.peak:5.0f} MB  {r.wall / read.wall:4.1f}× read  "
                f"{steps_text(r, n)}"
            )
        label = f"{n:,}"
        if contrasts.ok:
            table.append(
                (
                    f"{label}, full `summarize --contrasts`",
                    f"{contrasts.wall:.2f} s, {contrasts.peak:.0f} MB",
                    f"pandas `read_csv`: {read.wall:.2f} s",
                    f"{contrasts.wall / read.wall:.1f}×",
                )
            )
        if with_wp and weight.ok:
            clean = work / f"clean-{n}.csv"
            child(MAKE_CLEAN, export, demo.schema, clean)
            job = work / "weightipy_job.py"
            job.write_text(WEIGHTIPY_JOB)
            wp_run = run_timed([sys.executable, str(job), str(clean), str(demo.margins)], work)
            if wp_run.ok:
                print(f"  weightipy    {wp_run.wall:6.2f} s {wp_run.peak:5.0f} MB (clean CSV)")
                table.append(
                    (
                        f"{label}, `weight`",
                        f"{weight.wall:.2f} s, {weight.peak:.0f} MB",
                        f"weightipy rake of a clean CSV: {wp_run.wall:.2f} s, {wp_run.peak:.0f} MB",
                        f"{weight.wall / wp_run.wall:.2f}×",
                    )
                )
            raw_job = work / "weightipy_raw_job.py"
            raw_job.write_text(WEIGHTIPY_RAW_JOB)
            raw_run = run_timed(
                [sys.executable, str(raw_job), str(export), str(demo.margins), str(work / "w.csv")],
                work,
            )
            if raw_run.ok:
                print(
                    f"  {'pandas+wp':<12} {raw_run.wall:6.2f} s {raw_run.peak:5.0f} MB (the raw "
                    "export read, raked and written, nothing checked)"
                )
                table.append(
                    (
                        f"{label}, `weight`",
                        f"{weight.wall:.2f} s, {weight.peak:.0f} MB",
                        "pandas reading the raw export, weightipy raking, weights written: "
                        f"{raw_run.wall:.2f} s, {raw_run.peak:.0f} MB",
                        f"{weight.wall / raw_run.wall:.2f}×",
                    )
                )
        if with_r and n == args.r_size and full.ok:
            script = work / "job.R"
            script.write_text(R_SCRIPT)
            r_run = run_timed(["Rscript", str(script), str(export), str(demo.margins)], work)
            if r_run.ok:
                print(f"  R survey     {r_run.wall:6.2f} s {r_run.peak:5.0f} MB")
                table.append(
                    (
                        f"{label}, full job",
                        f"{full.wall:.2f} s",
                        f"R `survey`: {r_run.wall:.1f} s",
                        f"{r_run.wall / full.wall:.0f}× faster",
                    )
                )

    # The bundled demo against the start-up of pandas alone, interleaved (pandas, summarize,
    # report; again), so that a shared machine's load falls on both sides of a ratio.
    # (panelkit's bytecode is compiled already: compile_panelkit.)
    pandas_cmd = [sys.executable, "-c", "import pandas"]
    summary_cmd = [*panelkit, "summarize", "--out", str(work / "demo.json")]
    report_cmd = [*panelkit, "report", "--out", str(work / "report"), "--force"]
    run_timed(summary_cmd, work)  # a first run reads the files and fonts into the caches
    pandas_runs, summary_runs, report_runs = [], [], []
    for _ in range(args.demo_repeat):
        pandas_runs.append(run_timed(pandas_cmd, work).wall)
        summary_runs.append(run_timed(summary_cmd, work).wall)
        report_runs.append(panelkit_job(report_cmd, work, 1))
    pandas, demo_summary = min(pandas_runs), min(summary_runs)
    report = min(report_runs, key=lambda r: r.wall)
    print(f"\ndemo: import pandas {pandas:.2f} s")
    print(f"  summarize    {demo_summary:6.2f} s  {demo_summary / pandas:4.1f}× import pandas")
    print(
        f"  report       {report.wall:6.2f} s  {report.wall / pandas:4.1f}× import pandas  "
        f"{steps_text(report, 1340)}"
    )
    for args_ in (["--version"], ["--help"]):
        wall = best_of([*panelkit, *args_], work)
        print(f"  {args_[0]:<12} {wall:6.2f} s  {wall / pandas:4.1f}× import pandas")
    table.append(
        (
            "demo (1,340), `summarize`",
            f"{demo_summary:.2f} s",
            f'`python -c "import pandas"`: {pandas:.2f} s',
            f"{demo_summary / pandas:.1f}×",
        )
    )
    table.append(
        (
            "demo, `report`",
            f"{report.wall:.2f} s",
            "`import pandas`",
            f"{report.wall / pandas:.1f}×",
        )
    )

    print("\n| job | panelkit | yardstick | ratio |\n| --- | --- | --- | --- |")
    for row in table:
        print("| " + " | ".join(row) + " |")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
