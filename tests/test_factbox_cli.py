"""`panelkit factbox` through Typer's CliRunner: the district plan's box, and what it leaves out."""

from __future__ import annotations

import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from helpers import invoke
from panelkit import jobs
from panelkit.bundled import bundled_demo
from panelkit.project import resolve_files
from panelkit.results import EstimateSet

SOURCE = "(ca. 1340 svar. Borgerpanelundersøgelse om bydelsplan 2022)"


@pytest.fixture(scope="module")
def estimates(tmp_path_factory: pytest.TempPathFactory) -> EstimateSet:
    return jobs.summarize(resolve_files(cwd=tmp_path_factory.mktemp("empty")))


def whole(value: float | None) -> str:
    assert value is not None
    return str(Decimal(repr(100 * value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def one_decimal(value: float | None) -> str:
    assert value is not None
    shown = Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return str(shown).replace(".", ",")


def test_text_reads_like_the_district_plan(in_tmp: Path, estimates: EstimateSet) -> None:
    est = {e.indicator: whole(e.estimate) for e in estimates.estimates if e.by is None}
    # A mean: one decimal, half up, decimal comma (7.11 → "7,1").
    mean = {
        e.indicator: one_decimal(e.estimate)
        for e in estimates.estimates
        if e.by is None and e.kind == "mean"
    }
    code, out, err = invoke("factbox")
    assert code == 0, err
    assert out == (
        "Fakta\n"
        f"• {est['miss_community']} pct. savner at føle sig som en del af et fællesskab og "
        f"{est['want_information']} pct. vil gerne have mere information om, hvor de kan "
        f"opsøge fællesskaber {SOURCE}\n"
        f"• {est['help_neighbour']} pct. er enig eller meget enig i, at de gerne vil hjælpe "
        f"naboen, hvis de er syge og har brug for hjælp til indkøb {SOURCE}\n"
        f"• {est['lonely_17_29']} pct. i alderen 17-29 år er enig eller meget enig i, at de ofte "
        f"føler sig mere ensomme end de bryder sig om {SOURCE}\n"
        f"• {est['poor_health']} pct. i Amager Øst angiver, at de har et mindre godt eller "
        "dårligt selvvurderet helbred. Det er ca. på niveau med tallet fra Region Hovedstaden "
        "Sundhedsprofil 2021. (ca. 1340 svar. Borgerpanelundersøgelse om bydelsplan 2022. "
        "Sammenligning: Region Hovedstaden Sundhedsprofil 2021)\n"
        f"• Gennemsnitlig tilfredshed med livet er {mean['life_satisfaction']} på en skala fra 0 "
        f"til 10. {SOURCE}\n"
        f"• Den gennemsnitlige ensomhedsscore er {mean['loneliness_score']} på en skala fra 3 til "
        f"9 (tre spørgsmål; højere er mere ensom). {SOURCE}\n"
    )
    assert "Udeladt" not in err


def test_markdown_html_english_and_a_file(in_tmp: Path) -> None:
    code, out, _ = invoke("factbox", "--format", "md")
    assert code == 0 and out.startswith("### Fakta\n\n- 22 pct. savner") and out.count("\n- ") == 6
    code, out, _ = invoke("factbox", "--format", "html")
    assert out.startswith('<section class="factbox" lang="da">\n<h2>Fakta</h2>\n<ul>\n<li>22 pct.')
    assert '<span class="source">(ca. 1340 svar.' in out
    code, out, _ = invoke("factbox", "--lang", "en")
    assert out.startswith("Facts\n• 22% miss feeling part of a community and 26% would like")
    assert "about 1,340 responses" in out and "This is about the same as the figure from" in out
    code, out, err = invoke("factbox", "--format", "md", "--out", "fakta.md")
    assert code == 0 and out == "" and "Written to fakta.md" in err
    assert (in_tmp / "fakta.md").read_text(encoding="utf-8").startswith("### Fakta")


def test_a_suppressed_figure_is_left_out_and_named_on_stderr(in_tmp: Path) -> None:
    code, out, err = invoke("factbox", "--min-n", "200")
    assert code == 0
    # lonely_17_29 has 164 answers: its bullet is gone, and so is its number (23).
    assert "17-29" not in out and "23 pct." not in out and out.count("\n• ") == 5
    assert (
        "Udeladt af faktaboksen (undertrykt, færre end 200 svar): lonely_17_29: i alderen "
        "17-29 år" in " ".join(err.split())
    )


def copy_demo(folder: Path) -> list[str]:
    demo = bundled_demo()
    shutil.copy(demo.data, folder / "data.csv")
    shutil.copy(demo.schema, folder / "schema.yaml")
    shutil.copy(demo.margins, folder / "margins.csv")
    shutil.copy(demo.indicators, folder / "indicators.yaml")
    shutil.copy(demo.baselines, folder / "baselines.csv")
    return [
        "data.csv", "--schema", "schema.yaml", "--margins", "margins.csv",
        "--indicators", "indicators.yaml", "--baselines", "baselines.csv",
    ]  # fmt: skip


def test_errors_are_one_line(in_tmp: Path) -> None:
    args = copy_demo(in_tmp)
    indicators = in_tmp / "indicators.yaml"
    text = indicators.read_text(encoding="utf-8")

    indicators.write_text(text.replace('da: "{pct} i {area}', 'da: "{procent} i {area}'))
    code, _, err = invoke("factbox", *args)
    assert code == 1
    assert err.startswith(
        "Error: indicators.yaml: indicator poor_health: fact box template (da): unknown "
        "placeholder {procent}; use one of {pct}, {pct1}, {label}, "
    )
    assert err.count("\n") == 1

    indicators.write_text(text.replace("  - help_neighbour\n", "  - help_neighbor\n"))
    code, _, err = invoke("factbox", *args)
    assert (code, err) == (
        1,
        'Error: indicators.yaml: factbox[1]: "help_neighbor" is not an indicator of this file; '
        "did you mean help_neighbour? expected one of feel_safe_answers, feel_safe_mean, "
        "health_answers, help_neighbour, life_sat_quartiles, life_satisfaction, loneliness_score, "
        "lonely, lonely_17_29, lonely_ucla, miss_community, poor_health, want_information\n",
    )

    indicators.write_text(
        text.replace(
            "  - help_neighbour\n", "  - {indicator: lonely, by: age_group, group: '18-29'}\n"
        )
    )
    code, _, err = invoke("factbox", *args)
    assert (code, err) == (
        1,
        'Error: indicators.yaml: factbox: "18-29" is not a group of age_group; expected one of '
        "17-29, 30-44, 45-64, 65+\n",
    )

    indicators.write_text(text.replace("area: Amager Øst\n", ""))
    code, _, err = invoke("factbox", *args)
    assert code == 1 and "uses {area} but no area is set" in err

    indicators.write_text(text)
    code, _, err = invoke("factbox", *args, "--out", "indicators.yaml")
    assert (code, err) == (
        1,
        "Error: indicators.yaml: is an input of this run; choose another output name so the "
        "input is kept\n",
    )


def test_a_group_row_in_the_layout(in_tmp: Path, estimates: EstimateSet) -> None:
    args = copy_demo(in_tmp)
    indicators = in_tmp / "indicators.yaml"
    text = indicators.read_text(encoding="utf-8")
    indicators.write_text(
        text.replace(
            "  - help_neighbour\n",
            "  - {indicator: lonely, by: age_group, group: '17-29'}\n",
        )
    )
    code, out, err = invoke("factbox", *args)
    assert code == 0, err
    lines = out.splitlines()
    # The group's own row of `lonely` (17-29), the same number as the lonely_17_29 domain.
    young = next(e for e in estimates.estimates if e.indicator == "lonely_17_29")
    assert lines[2].startswith(
        f"• {whole(young.estimate)} pct. er enig eller meget enig i, at de ofte"
    )
