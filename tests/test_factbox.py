"""The fact box reproduces the district plan's style, in Danish and English."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pytest

from panelkit.errors import SettingsError
from panelkit.input.baselines import Baseline
from panelkit.publish.factbox import (
    FactBox,
    FactRef,
    OmitReason,
    build_factbox,
    layout_from_data,
)
from panelkit.publish.texts import answers_text, pct_words
from panelkit.results import Estimate, Lang
from panelkit.stats.comparison import Adjust, compare_pairs

TITLE = "Borgerpanelundersøgelse om bydelsplan 2022"


@dataclass(frozen=True)
class Ind:
    """A stand-in for input.indicators.Indicator (only what the fact box reads)."""

    id: str
    labels: Mapping[str, str]
    templates: Mapping[str, str] | None = None
    source: str | None = None

    def label(self, lang: str) -> str:
        return self.labels[lang]

    def factbox_text(self, lang: str) -> str | None:
        return (self.templates or {}).get(lang)


def est(
    indicator: str,
    p: float | None,
    se: float = 0.012,
    n: int = 1338,
    by: str | None = None,
    group: str | None = None,
) -> Estimate:
    return Estimate(
        indicator=indicator,
        by=by,
        group=group,
        n=n,
        n_positive=0 if p is None else round(p * n),
        estimate=p,
        se=None if p is None else se,
        ci_low=None,
        ci_high=None,
        ci_method="logit",
        suppressed=p is None,
    )


MISS = Ind(
    "miss_community",
    {
        "da": "savner at føle sig som en del af et fællesskab",
        "en": "miss being part of a community",
    },
)
INFO = Ind(
    "want_info",
    {
        "da": "vil gerne have mere information om, hvor de kan opsøge fællesskaber",
        "en": "would like more information on where to find communities",
    },
)
LONELY = Ind(
    "lonely_17_29",
    {
        "da": "i alderen 17-29 år er enig eller meget enig i, at de ofte føler sig mere ensomme "
        "end de bryder sig om",
        "en": "aged 17-29 agree they often feel lonelier than they would like",
    },
)
HEALTH = Ind(
    "poor_health",
    {"da": "har dårligt helbred", "en": "report poor health"},
    templates={
        "da": "{pct} i {area} angiver, at de har et mindre godt eller dårligt selvvurderet "
        "helbred.",
        "en": "{pct} in {area} rate their health as less than good.",
    },
)
REST = Baseline(
    "helbred", "resten af København", None, 0.16, None, None, None,
    "Region Hovedstaden Sundhedsprofil 2021", 2021,
)  # fmt: skip

ESTIMATES = [
    est("miss_community", 0.2213),
    est("want_info", 0.2502),
    est("lonely_17_29", 0.2311, n=212),
    est("poor_health", 0.15, se=0.01),
]
ALL = [MISS, INFO, LONELY, HEALTH]
LAYOUT = [["miss_community", "want_info"], ["lonely_17_29"], ["poor_health"]]


def quote_box(lang: Lang = Lang.DA, estimates: list[Estimate] = ESTIMATES) -> FactBox:
    comparisons = compare_pairs([(estimates[3], REST)])
    return build_factbox(
        estimates,
        ALL,
        comparisons=comparisons,
        lang=lang,
        survey_title=TITLE if lang is Lang.DA else "Citizen panel survey 2022",
        n_answers=1338,
        area="Amager Øst",
        bullets=LAYOUT,
    )


def test_reproduces_the_district_plan_in_danish() -> None:
    box = quote_box()
    assert [b.line() for b in box.bullets] == [
        "22 pct. savner at føle sig som en del af et fællesskab og 25 pct. vil gerne have mere "
        "information om, hvor de kan opsøge fællesskaber "
        "(ca. 1340 svar. Borgerpanelundersøgelse om bydelsplan 2022)",
        "23 pct. i alderen 17-29 år er enig eller meget enig i, at de ofte føler sig mere "
        "ensomme end de bryder sig om (ca. 1340 svar. Borgerpanelundersøgelse om bydelsplan 2022)",
        # 15% (se 0.01) vs the fixed 16%: z = −1, p = 0.32 → "ca. på niveau med".
        "15 pct. i Amager Øst angiver, at de har et mindre godt eller dårligt selvvurderet "
        "helbred. Det er ca. på niveau med resten af København. (ca. 1340 svar. "
        "Borgerpanelundersøgelse om bydelsplan 2022. Sammenligning: Region Hovedstaden "
        "Sundhedsprofil 2021)",
    ]
    assert box.omitted == ()
    first = box.bullets[0]
    assert [p.indicator for p in first.parts] == ["miss_community", "want_info"]
    assert first.source == "ca. 1340 svar. Borgerpanelundersøgelse om bydelsplan 2022"
    assert box.bullets[2].parts[0].comparison is not None


def test_english() -> None:
    box = quote_box(Lang.EN)
    assert box.text() == (
        "Facts\n"
        "• 22% miss being part of a community and 25% would like more information on where to "
        "find communities (about 1,340 responses. Citizen panel survey 2022)\n"
        "• 23% aged 17-29 agree they often feel lonelier than they would like "
        "(about 1,340 responses. Citizen panel survey 2022)\n"
        "• 15% in Amager Øst rate their health as less than good. This is about the same as in "
        "resten af København. (about 1,340 responses. Citizen panel survey 2022. "
        "Comparison: Region Hovedstaden Sundhedsprofil 2021)\n"
    )


def test_three_renderings() -> None:
    box = quote_box()
    assert box.text().startswith("Fakta\n• 22 pct. savner")
    md = box.markdown()
    assert md.startswith("### Fakta\n\n- 22 pct. savner at føle sig")
    assert md.count("\n- ") == 3
    page = box.html()
    assert page.startswith('<section class="factbox" lang="da">\n<h2>Fakta</h2>\n<ul>\n<li>22 pct.')
    assert page.count("<li>") == 3
    assert (
        'fællesskaber <span class="source">(ca. 1340 svar. Borgerpanelundersøgelse om '
        "bydelsplan 2022)</span></li>"
    ) in page
    assert page.endswith("</ul>\n</section>\n")


def test_suppressed_estimates_never_appear() -> None:
    rows = [
        est("miss_community", 0.2213),
        est("want_info", None, n=14),
        est("lonely_17_29", None, n=12),
        est("poor_health", 0.15, se=0.01),
    ]
    box = quote_box(estimates=rows)
    # The shared bullet keeps its other figure, without "og"; the lonely bullet is gone.
    assert [b.text for b in box.bullets] == [
        "22 pct. savner at føle sig som en del af et fællesskab",
        "15 pct. i Amager Øst angiver, at de har et mindre godt eller dårligt selvvurderet "
        "helbred. Det er ca. på niveau med resten af København.",
    ]
    assert [(o.indicator, o.reason, o.bullet) for o in box.omitted] == [
        ("want_info", OmitReason.SUPPRESSED, 0),
        ("lonely_17_29", OmitReason.SUPPRESSED, 1),
    ]
    for rendering in (box.text(), box.markdown(), box.html()):
        assert "information" not in rendering and "ensomme" not in rendering
        assert " og " not in rendering


def test_only_suppressed_gives_an_empty_box_and_missing_rows_are_reported() -> None:
    box = build_factbox(
        [est("miss_community", None, n=3)], [MISS, INFO], survey_title=TITLE, n_answers=40
    )
    assert box.bullets == ()
    assert [(o.indicator, o.reason) for o in box.omitted] == [
        ("miss_community", OmitReason.SUPPRESSED),
        ("want_info", OmitReason.MISSING),
    ]
    assert "<li>" not in box.html()


def test_default_layout_is_one_bullet_per_indicator() -> None:
    box = build_factbox(ESTIMATES[:2], [MISS, INFO], survey_title=TITLE, n_answers=1338)
    assert [b.text for b in box.bullets] == [
        "22 pct. savner at føle sig som en del af et fællesskab",
        "25 pct. vil gerne have mere information om, hvor de kan opsøge fællesskaber",
    ]


def test_decimals_group_and_n_placeholders() -> None:
    ind = Ind(
        "lonely",
        {"da": "er ensomme", "en": "are lonely"},
        templates={
            "da": "{pct1} af de {group}-årige ({n}) {label}",
            "en": "{pct1} of those aged {group} ({n}) {label}",
        },
    )
    rows = [est("lonely", 0.2213, n=212, by="age_group", group="17-29")]
    layout = [[FactRef("lonely", "age_group", "17-29")]]
    da = build_factbox(rows, [ind], survey_title=TITLE, n_answers=1338, bullets=layout)
    assert da.bullets[0].text == "22,1 pct. af de 17-29-årige (ca. 210 svar) er ensomme"
    en = build_factbox(
        rows, [ind], survey_title="Survey", n_answers=1338, bullets=layout, lang=Lang.EN
    )
    assert en.bullets[0].text == "22.1% of those aged 17-29 (about 210 responses) are lonely"


def test_several_compared_figures_in_one_bullet_say_which_is_compared() -> None:
    base = Baseline("b", "København", "16-24", 0.30, 0.28, 0.32, None, "Sundhedsprofil 2021", 2021)
    rows = [est("miss_community", 0.2213, se=0.011), est("want_info", 0.2502)]
    # 22.13% vs 30% (se_b = 0.04 / 3.92 = 0.0102): z = −0.0787 / 0.0150 = −5.2 → BELOW.
    comparisons = compare_pairs([(rows[0], base)], adjust=Adjust.NONE)
    box = build_factbox(
        rows,
        [MISS, INFO],
        comparisons=comparisons,
        survey_title=TITLE,
        n_answers=1338,
        bullets=[["miss_community", "want_info"]],
    )
    assert box.bullets[0].line() == (
        "22 pct. savner at føle sig som en del af et fællesskab og 25 pct. vil gerne have mere "
        "information om, hvor de kan opsøge fællesskaber. De 22 pct. er under niveauet i "
        "København (16-24). (ca. 1340 svar. Borgerpanelundersøgelse om bydelsplan 2022. "
        "Sammenligning: Sundhedsprofil 2021)"
    )


def test_verdict_and_baseline_placeholders() -> None:
    ind = Ind(
        "poor_health",
        {"da": "x", "en": "x"},
        templates={"da": "{pct} mod {baseline} i {baseline_area}. {verdict}"},
    )
    rows = [est("poor_health", 0.25, se=0.01)]
    comparisons = compare_pairs([(rows[0], REST)])  # 9 pp, z = 9 → ABOVE
    box = build_factbox(rows, [ind], comparisons=comparisons, survey_title=TITLE)
    assert box.bullets[0].line() == (
        "25 pct. mod 16 pct. i resten af København. Det er over niveauet i resten af "
        "København. (Borgerpanelundersøgelse om bydelsplan 2022. Sammenligning: "
        "Region Hovedstaden Sundhedsprofil 2021)"
    )


def test_html_and_markdown_escape_everything() -> None:
    ind = Ind("x", {"da": "synes <b>godt</b> om & *elsker* [link](javascript:x)"})
    box = build_factbox([est("x", 0.5)], [ind], survey_title='Survey "<2022>"', n_answers=50)
    page = box.html()
    assert "<b>" not in page and "<2022>" not in page
    assert "synes &lt;b&gt;godt&lt;/b&gt; om &amp; *elsker*" in page
    assert "(50 svar. Survey &quot;&lt;2022&gt;&quot;)" in page
    md = box.markdown()
    assert r"synes \<b\>godt\</b\> om \& \*elsker\* \[link\](javascript:x)" in md
    assert box.text() == (
        'Fakta\n• 50 pct. synes <b>godt</b> om & *elsker* [link](javascript:x) (50 svar. Survey "<2022>")\n'
    )


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "text"),
    [
        (0.2213, Lang.DA, 0, "22 pct."),
        (0.2502, Lang.DA, 0, "25 pct."),
        (0.2213, Lang.DA, 1, "22,1 pct."),
        (0.2213, Lang.EN, 0, "22%"),
        (0.2213, Lang.EN, 1, "22.1%"),
        (0.225, Lang.DA, 0, "23 pct."),  # half up, not to even
        (0.145, Lang.DA, 0, "15 pct."),  # 100 · 0.145 = 14.4999… in floating point
        (0.0, Lang.DA, 1, "0,0 pct."),
        (1.0, Lang.EN, 0, "100%"),
    ],
)
def test_format_pct(value: float, lang: Lang, decimals: int, text: str) -> None:
    assert pct_words(value, lang, decimals) == text


@pytest.mark.parametrize(
    ("n", "lang", "text"),
    [
        (1338, Lang.DA, "ca. 1340 svar"),
        (1335, Lang.DA, "ca. 1340 svar"),
        (1334, Lang.DA, "ca. 1330 svar"),
        (212, Lang.DA, "ca. 210 svar"),
        (45, Lang.DA, "45 svar"),
        (12_345, Lang.DA, "ca. 12.350 svar"),
        (1338, Lang.EN, "about 1,340 responses"),
        (1, Lang.EN, "1 response"),
        (99, Lang.EN, "99 responses"),
    ],
)
def test_format_answers(n: int, lang: Lang, text: str) -> None:
    assert answers_text(n, lang) == text


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{pct} {lable}",
            "indicator x: fact box template (da): unknown placeholder {lable}; use one of "
            "{pct}, {pct1}, {label}, {area}, {group}, {n}, {verdict}, {baseline}, "
            "{baseline_area}",
        ),
        ("{pct:>5} x", "indicator x: fact box template (da): unknown placeholder {pct:>5}; use"),
        (
            "{pct} {",
            "indicator x: fact box template (da): unbalanced braces; write {{ and }} for a "
            "literal brace",
        ),
        (
            "{pct} i {area}",
            "indicator x: fact box template (da) uses {area} but no area is set; "
            "give the survey's area",
        ),
        (
            "{pct} for {group}",
            "indicator x: fact box template (da) uses {group} but the fact box shows its "
            "overall row; name a group in the layout ({indicator, by, group}) or drop {group}",
        ),
        (
            "{pct}. {verdict}",
            "indicator x: fact box template (da) uses {verdict} but x has no baseline "
            "comparison; give the indicator a baseline and run with baselines",
        ),
    ],
)
def test_template_errors(template: str, message: str) -> None:
    ind = Ind("x", {"da": "y"}, templates={"da": template})
    with pytest.raises(SettingsError) as info:
        build_factbox([est("x", 0.5)], [ind], survey_title=TITLE)
    assert str(info.value).startswith(message)


def test_literal_braces_and_layout_errors() -> None:
    ind = Ind("x", {"da": "y"}, templates={"da": "{pct} {{x}}"})
    box = build_factbox([est("x", 0.5)], [ind], survey_title=TITLE)
    assert box.bullets[0].text == "50 pct. {x}"
    with pytest.raises(SettingsError) as info:
        build_factbox([est("x", 0.5)], [ind], survey_title=TITLE, bullets=[["x", "nope"]])
    assert str(info.value) == 'fact box layout: "nope" is not an indicator; expected one of x'


def test_layout_from_yaml_data() -> None:
    data = [
        ["miss_community", "want_info"],
        "lonely_17_29",
        [{"indicator": "lonely", "by": "age_group", "group": "17-29"}],
    ]
    assert layout_from_data(data) == (
        (FactRef("miss_community"), FactRef("want_info")),
        (FactRef("lonely_17_29"),),
        (FactRef("lonely", "age_group", "17-29"),),
    )
    with pytest.raises(SettingsError, match=r"^indicators.yaml factbox: bullet 2 is empty"):
        layout_from_data([["a"], []], "indicators.yaml factbox")
    with pytest.raises(SettingsError, match="bullet 1: True is not an indicator id"):
        layout_from_data([True])
    with pytest.raises(SettingsError, match="needs both by and group"):
        layout_from_data([{"indicator": "a", "by": "age_group"}])
    with pytest.raises(SettingsError, match="the bullets must be a list"):
        layout_from_data({"a": 1})


def test_works_with_the_real_indicator_and_its_own_source() -> None:
    from panelkit.input.indicators import Indicator

    real = Indicator(
        id="miss_community",
        variable="miss_community",
        positive=("Meget enig", "Enig"),
        labels=(("da", "savner at føle sig som en del af et fællesskab"), ("en", "miss it")),
        factbox=(("da", "{pct} {label}."),),
        source="Borgerpanelet 2024",
    )
    box = build_factbox([est("miss_community", 0.2213)], [real, INFO], survey_title=TITLE)
    assert box.bullets[0].line() == (
        "22 pct. savner at føle sig som en del af et fællesskab. (Borgerpanelet 2024)"
    )
    shared = build_factbox(
        ESTIMATES[:2],
        [real, INFO],
        survey_title=TITLE,
        n_answers=1338,
        bullets=[["miss_community", "want_info"]],
    )
    assert shared.bullets[0].source == (
        "ca. 1340 svar. Borgerpanelet 2024; Borgerpanelundersøgelse om bydelsplan 2022"
    )


def test_a_baseline_of_the_survey_area_is_named_by_its_source() -> None:
    own = Baseline(
        "helbred", "Amager Øst", None, 0.15, None, None, None,
        "Region Hovedstaden Sundhedsprofil 2021", 2021,
    )  # fmt: skip
    rows = [est("poor_health", 0.09, se=0.01)]  # 6 pp below, z = −6 → BELOW
    comparisons = compare_pairs([(rows[0], own)])
    da = build_factbox(
        rows, [HEALTH], comparisons=comparisons, survey_title=TITLE, area="amager øst"
    )
    assert da.bullets[0].text.endswith(
        "helbred. Det er under tallet fra Region Hovedstaden Sundhedsprofil 2021."
    )
    en = build_factbox(
        rows, [HEALTH], comparisons=comparisons, survey_title="S", area="Amager Øst", lang=Lang.EN
    )
    assert en.bullets[0].text.endswith(
        "less than good. This is below the figure from Region Hovedstaden Sundhedsprofil 2021."
    )


def test_a_bad_template_shows_even_when_its_figure_is_suppressed() -> None:
    ind = Ind("x", {"da": "y"}, templates={"da": "{procent} y"})
    with pytest.raises(SettingsError, match=r"unknown placeholder \{procent\}"):
        build_factbox([est("x", None, n=3)], [ind], survey_title=TITLE)
