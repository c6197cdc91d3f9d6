"""Settings are resolved once (option > panelkit.yaml > default), and every documented
panelkit.yaml key changes every command that documents it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import invoke
from panelkit.project import Settings, resolve_files, resolve_settings
from panelkit.results import CiMethod, Lang
from panelkit.stats.comparison import Adjust

API = Path(__file__).parent / "data" / "api-strat"
BASE = (
    "data: data/borgerpanel-2022.csv\nschema: schemas/borgerpanel-2022.yaml\n"
    "margins: margins/amager-oest-2021.csv\nindicators: indicators/borgerpanel-2022.yaml\n"
    "baselines: baselines/sundhedsprofil-2021.csv\n"
)


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    code, _, err = invoke("demo", folder / "p", "--n", "600")
    assert code == 0, err
    return folder / "p"


def api_project(folder: Path, extra: str = "") -> None:
    (folder / "panelkit.yaml").write_text(
        f"data: {API / 'data.csv'}\nschema: {API / 'schema.yaml'}\n"
        f"margins: {API / 'margins.csv'}\n{extra}"
    )


def test_weight_applies_cap_from_panelkit_yaml(in_tmp: Path) -> None:
    """Bug: `weight` ignored cap: (summarize applied it; the two disagreed)."""
    api_project(in_tmp, "cap: 1.5\n")
    code, out, err = invoke("weight", "--out", "w.csv")
    assert code == 0, err
    weights = [float(line.split(",")[1]) for line in (in_tmp / "w.csv").read_text().split()[1:]]
    mean = sum(weights) / len(weights)
    assert max(weights) <= 1.5 * mean * (1 + 1e-9)
    assert "Cap" in out
    assert '"cap": 1.5' in (in_tmp / "w.csv.run.json").read_text()
    # the option still wins
    code, _, err = invoke("weight", "--out", "w2.csv", "--cap", "3")
    assert code == 0, err
    assert '"cap": 3.0' in (in_tmp / "w2.csv.run.json").read_text()


def test_cap_from_panelkit_yaml_binds_in_the_weights_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cap above does not bind on api-strat (its raked weights reach 1.44 × the mean),
    so this checks the weights themselves: the demo's reach 3.14 × the mean and its 17-29
    men need 2.84, so cap: 3 binds while the margins still hold."""
    import pandas as pd

    from panelkit.demo import write_demo_project

    write_demo_project(tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    assert invoke("weight", "--out", "uncapped.csv")[0] == 0
    uncapped = pd.read_csv("uncapped.csv")["weight"]
    assert uncapped.max() > 3 * uncapped.mean()
    with Path("panelkit.yaml").open("a", encoding="utf-8") as fh:
        fh.write("cap: 3\n")
    assert invoke("weight", "--out", "capped.csv")[0] == 0
    capped = pd.read_csv("capped.csv")["weight"]
    assert capped.max() <= 3 * capped.mean() * (1 + 1e-9)
    assert capped.sum() == pytest.approx(uncapped.sum(), rel=1e-9)  # margins still met


def test_describe_honours_lang_from_panelkit_yaml(in_tmp: Path) -> None:
    """Bug: `describe` printed Danish whatever panelkit.yaml's lang: said."""
    api_project(in_tmp, "lang: en\n")
    code, out, err = invoke("describe")
    assert code == 0, err
    assert "Codebook: api-schools" in out and "Kodebog" not in out
    code, out, _ = invoke("describe", "--lang", "da")
    assert "Kodebog: api-schools" in out


def test_validate_is_danish_by_default_and_honours_lang(in_tmp: Path) -> None:
    """Bug: `validate` printed English while every other command printed Danish."""
    api_project(in_tmp)
    code, out, err = invoke("validate")
    assert code == 0, err
    assert "Rækker læst: 200 = brugt 200 + afvist 0" in out and out.endswith("Gyldig.\n")
    api_project(in_tmp, "lang: en\n")
    code, out, _ = invoke("validate")
    assert "Rows read: 200 = used 200 + rejected 0" in out and out.endswith("Valid.\n")


def test_resolver_precedence_and_enums(in_tmp: Path) -> None:
    api_project(in_tmp, "lang: en\nci: wilson\nmin_n: 5\nadjust: bh\nby: stype\n")
    files = resolve_files()
    settings = resolve_settings(files, min_n=7)
    assert settings == Settings(
        lang=Lang.EN, ci=CiMethod.WILSON, min_n=7, adjust=Adjust.BH, by=("stype",)
    )
    assert settings.lang is Lang.EN and settings.ci is CiMethod.WILSON
    assert Settings(lang="en").lang is Lang.EN  # type: ignore[arg-type]
    assert resolve_settings(files, by=()).by == ()  # given empty: no breakdown, not "not given"


# key -> the value that changes it; then every command that documents the key
VALUES = {
    "lang": "en",
    "min_n": "5000",
    "ci": "beta",
    "by": "sex",
    "cap": "1.2",
    "adjust": "none",
    "alpha": "0.999",
    "same_pp": "0",
    "small_pp": "60",
    "drop_invalid": "true",
    "title": "Min egen titel",
}
DOCUMENTED = {
    "lang": ("validate", "describe", "summarize", "compare", "factbox", "report"),
    "min_n": ("describe", "summarize", "compare", "factbox", "report"),
    "ci": ("summarize", "compare", "report"),
    "by": ("summarize", "compare", "report"),
    "cap": ("weight", "describe", "summarize", "compare", "factbox", "report"),
    "adjust": ("compare", "report"),
    "alpha": ("compare", "report"),
    "same_pp": ("compare", "report"),
    "small_pp": ("compare", "report"),
    "drop_invalid": ("weight", "describe", "summarize", "compare", "factbox", "report"),
    "title": ("report",),
}
CASES = [(key, command) for key, commands in DOCUMENTED.items() for command in commands]


def run_command(command: str, folder: Path) -> tuple[int, str]:
    """The command's whole behaviour: exit code, terminal output and files written."""
    args: list[str] = [command]
    if command == "weight":
        args += ["--out", "w.csv"]
    if command == "report":
        args += ["--out", "r", "--force"]
    code, out, err = invoke(*args)
    written = ""
    for path in sorted(folder.rglob("*")):
        if (
            path.is_file()
            and (path.name.startswith("w.csv") or "r" in path.relative_to(folder).parts[:1])
            and path.suffix in (".csv", ".html", ".md", ".txt", ".json")
        ):
            written += path.read_text(errors="replace")
    return code, out + err + written


@pytest.mark.parametrize(("key", "command"), CASES, ids=[f"{k}-{c}" for k, c in CASES])
def test_each_documented_key_changes_each_command(
    key: str, command: str, demo_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from panelkit.publish import report as report_module

    monkeypatch.setattr(report_module, "_chart_jobs", lambda content: [])  # quick
    folder = tmp_path / "p"
    shutil.copytree(demo_project, folder)
    monkeypatch.chdir(folder)
    if key == "drop_invalid":  # one invalid row: refused without the key, left out with it
        data = folder / "data" / "borgerpanel-2022.csv"
        lines = data.read_bytes().split(b"\n")
        row = lines[1].split(b";")
        row[1] = b"9"  # s_1, sex: not one of its codes
        lines[1] = b";".join(row)
        data.write_bytes(b"\n".join(lines))
    (folder / "panelkit.yaml").write_text(BASE)
    without = run_command(command, folder)
    for leftover in ("r", "w.csv", "w.csv.run.json"):
        target = folder / leftover
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    (folder / "panelkit.yaml").write_text(BASE + f"{key}: {VALUES[key]}\n")
    with_key = run_command(command, folder)
    assert with_key != without


# The demo's one fact-box comparison (15 pct. against the region's baseline) is "ca. på
# niveau" by default; with alpha 0.999 and same_pp 0 it is "lidt over" (16.1 against 15.0:
# +1.1 pp, adjusted p 0.518). From there each
# verdict key, alone, moves it again.
VERDICT_BASE = "alpha: 0.999\nsame_pp: 0\n"
VERDICT_KEYS = {
    "alpha": ("alpha: 0.0001\nsame_pp: 0\n", "Det er ca. på niveau med"),
    "same_pp": ("alpha: 0.999\nsame_pp: 2\n", "Det er ca. på niveau med"),
    "small_pp": (VERDICT_BASE + "small_pp: 0\n", "Det er over tallet"),
}


@pytest.mark.parametrize("key", sorted(VERDICT_KEYS))
def test_each_verdict_key_changes_the_fact_box(
    key: str, demo_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "p"
    shutil.copytree(demo_project, folder)
    monkeypatch.chdir(folder)
    (folder / "panelkit.yaml").write_text(BASE + VERDICT_BASE)
    code, base, _ = invoke("factbox")
    assert code == 0 and "Det er lidt over tallet" in base
    lines, expected = VERDICT_KEYS[key]
    (folder / "panelkit.yaml").write_text(BASE + lines)
    code, changed, _ = invoke("factbox")
    assert code == 0 and expected in changed


LONG = "a" * 300


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("summarize", "--format", "json", "--out", ""),
            "--out: no file name; give one, e.g. --out indicators.json",
        ),
        (("weight", "--out", ""), "--out: no file name; give one, e.g. --out weights.csv"),
        (("report", "--out", ""), "--out: no file name; give one, e.g. --out rapport"),
        (
            ("describe", "--format", "md", "--out", ""),
            "--out: no file name; give one, e.g. --out codebook.md",
        ),
        (
            ("summarize", "--format", "json", "--out", f"{LONG}.json"),
            f"{'a' * 300}… cannot write here (File name too long); choose another place",
        ),
    ],
    ids=["summarize-empty", "weight-empty", "report-empty", "describe-empty", "long-name"],
)
def test_bad_out_is_one_error_line(
    args: tuple[str, ...], line: str, demo_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo_project)
    code, _, err = invoke(*args)
    assert (code, err) == (1, f"Error: {line}\n")


@pytest.mark.parametrize(
    ("column", "shown_as"),
    [
        ("sch\nwide", "sch\\nwide"),
        ("\x1b[2Jsch", "\\x1b[2Jsch"),
        ("s" * 10_000, "s" * 80 + "…"),
    ],
    ids=["newline", "escape-codes", "10000-chars"],
)
def test_error_line_is_one_escaped_line(in_tmp: Path, column: str, shown_as: str) -> None:
    """A hostile column name reaches the Error: line escaped and shortened."""
    data = in_tmp / "data.csv"
    text = (API / "data.csv").read_text()
    data.write_text(text.replace('"sch.wide"', '"' + column + '"', 1))
    code, _, err = invoke("validate", data, "--schema", API / "schema.yaml")
    assert code == 1
    assert err.count("\n") == 1 and err.startswith('Error: data.csv: column "sch.wide"')
    assert "\x1b" not in err and len(err) < 1100
    assert shown_as in err


def test_problem_table_escapes_answers(in_tmp: Path) -> None:
    """An answer holding terminal escape codes is shown escaped, never raw."""
    data = in_tmp / "data.csv"
    lines = (API / "data.csv").read_text().splitlines()
    lines[2] = lines[2].replace('"E"', '"\x1b[2J\x1b[H"', 1)
    data.write_text("\n".join(lines) + "\n")
    code, out, _ = invoke("validate", data, "--schema", API / "schema.yaml")
    assert code == 1
    assert "\x1b" not in out and "\\x1b[2J\\x1b[H" in out
