"""The words of every output, per language: one catalogue (:class:`Texts`) for Danish
and one for English, looked up by :class:`~panelkit.results.Lang` with :func:`texts`.

Headings, column names, notes, verdicts and the number words (:class:`NumberWords`)
all live here, so no other module branches on the language: it asks for
``texts(lang).<entry>``. A template holds ``{named}`` placeholders, the same in both
languages (``tests/test_words.py`` checks, and that no other module
branches on the language); a pair ``(one, many)`` is a template in
the singular and the plural. The number formatters that use :class:`NumberWords` are
in :mod:`panelkit.publish.texts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from panelkit.results import Lang
from panelkit.stats.comparison import Verdict


@dataclass(frozen=True)
class NumberWords:
    """One language's way of writing numbers."""

    decimal: str  # the decimal separator
    thousands: str  # the thousands separator of long numbers
    percent: str  # after a share in tables: " %" / "%"
    pct_word: str  # after a share in running text: " pct." / "%"
    to: str  # between the ends of an interval in words: "til" / "to"
    about: str  # before a rounded count: "ca." / "about"
    answers: str  # "svar" / "responses"
    answer: str  # one answer: "svar" / "response"
    group_short_numbers: bool  # English writes 1,340; Danish 1340 (but 13.400)
    hidden: str  # a count hidden by secondary suppression: "skjult" / "hidden"


@dataclass(frozen=True)
class ChartWords:
    """The words of the charts (publish/charts.py) and their alt texts."""

    axis: str
    share: str
    ci: str
    ci_short: str
    baseline: str
    suppressed: str
    overall: str
    nothing: str
    and_: str
    bar_alt: str
    bar_intro: str  # after the bar chart's heading in its alt text
    group_alt: str
    wave_alt: str


@dataclass(frozen=True)
class PageWords:
    """The words of the report page and its method notes (publish/html.py)."""

    contents: str
    facts: str
    indicators: str
    groups: str
    comparison: str
    change: str  # {prev}
    change_plain: str  # the change's heading and topic when the previous wave has no name
    weighting: str
    method: str
    sources: str
    files: str
    indicator: str
    group: str
    n: str
    share: str
    ci: str
    panel: str
    reference: str
    diff: str
    test: str
    p_adj: str
    verdict: str
    change_col: str
    change_col_means: str
    attrition_diff: str
    attrition_diff_means: str
    means_change: str
    suppressed: str
    answers: str
    all: str
    by: str
    reason: str
    margin: str
    category: str
    sample: str
    target: str
    weighted: str
    question: str
    no_previous: str
    no_comparison: str
    no_baselines: str
    no_groups: str
    unweighted: str
    suppressed_rows: str
    none_suppressed: str
    omitted: str  # {items}
    made: str  # {version}
    rows: str  # {read} {used} {rejected}
    chart_note: str
    files_intro: str
    months: tuple[str, ...]  # January … December
    date: str  # {day} {month} {year}
    # the method notes: (topic, text)
    weighting_note: str  # {margins}
    shares_topic: str
    shares_note: str
    se_topic: str
    se_note: str
    ci_topic: str
    ci_logit: str
    ci_wilson: str
    ci_beta: str
    ci_fallback: str
    suppression_topic: str
    suppression_off: str
    suppression_note: str  # {min_n}
    comparisons_topic: str
    change_linked: str  # {cur} {prev}; then change_adjusted, then change_linked_end
    change_independent: str  # {cur} {prev}; then change_adjusted, then change_independent_end
    change_adjusted: str  # {method}
    change_linked_end: str
    change_independent_end: str
    data_topic: str
    aggregates_note: str  # after the rows line
    # the attrition table of linked waves
    attrition: str
    attrition_item: str
    answered_again: str
    left: str
    attrition_intro: str  # {prev} {cur}
    # why a figure is suppressed, in the method's table
    reason_primary: str  # {min_n}
    reason_secondary: str
    reason_empty: str
    population_margins: str  # the margins' entry under sources


@dataclass(frozen=True)
class CliWords:
    """The words the command line prints (cli.py)."""

    rows: str  # {read} {used} {rejected}
    # validate: against, rows read, valid, rejected, variables, missing, problems, column,
    # problem, "… {more} more", valid, "{problems} problems in {rows} rows"
    validation: tuple[str, ...]
    estimates_title: str
    weighted: str  # {deff} {n_effective}
    contrasts_title: str
    tests_title: str
    omitted: str  # {why} {indicator}{group}: {label}
    omitted_primary: str  # {min_n}
    omitted_secondary: str
    omitted_none: str
    previous_wave: str  # before the previous wave's rows line
    report_done: str  # {verb} {index} {n}
    report_written: str
    report_replaced: str


Pair = tuple[str, str]  # (singular, plural) of a template


def plural(pair: Pair, n: int) -> str:
    """The singular template of ``pair`` for one, else the plural."""
    return pair[0] if n == 1 else pair[1]


@dataclass(frozen=True)
class Texts:
    """Every word an output prints, in one language."""

    numbers: NumberWords
    chart: ChartWords
    # verdicts (stats.comparison.Verdict): against a baseline, and since the last wave
    verdict: Mapping[Verdict, str]
    change: Mapping[Verdict, str]
    # tables (publish/tables.py)
    estimate_head: tuple[str, ...]  # the terminal/Markdown table of estimates
    estimate_xlsx_head: tuple[str, ...]  # `summarize --format xlsx`
    estimate_sheet_head: tuple[str, ...]  # the report workbook's estimate sheets
    comparison_head: tuple[str, ...]
    comparison_sheet_head: tuple[str, ...]
    wave_sheet_head: tuple[str, ...]  # {prev} and {cur} are the waves' names
    margin_head: tuple[str, ...]
    suppressed: str
    all_groups: str
    yes: str
    reasons: Mapping[str, str]  # Suppression value → why, in a cell
    tests: Mapping[str, str]  # ComparisonTest value → in words
    adjust_methods: Mapping[str, str]  # Adjust value → the method's name in a sentence
    sheet_indicators: str
    sheet_comparison: str
    sheet_notes: str
    rows_line: str  # under the Markdown table
    primary_note: Pair
    secondary_note: Pair
    empty_note: Pair
    comparison_wording_note: str
    comparison_fixed_note: str
    comparison_difference_note: str  # followed by the adjusted or not-adjusted ending
    comparison_adjusted: str
    comparisons_word: Pair
    comparison_not_adjusted: str
    comparison_rule_note: str
    weighting_facts: Mapping[str, str]
    # fact box (publish/factbox.py); a comparison's sentence is built from who + verdict
    factbox_heading: str
    factbox_compared: str  # before the list of compared sources
    and_word: str  # before the last of a list
    factbox_it: str
    factbox_subject: str
    factbox_own_area: str  # the baseline is another survey of the panel's own area
    factbox_same: str  # "about the same as" reads without "the level in"
    factbox_level: str
    # the report (publish/content.py, report.py, html.py)
    by_heading: str  # a breakdown's heading
    report_steps: Mapping[str, str]  # the progress labels of `panelkit report`
    report_sheets: Mapping[str, str]  # the workbook's sheet names
    weighting_sheet_head: tuple[str, ...]
    notes_sheet_head: tuple[str, ...]
    chart_indicators: str  # the charts' titles
    chart_change: str
    skip_link: str  # the report page's first link, to its main content
    statement: tuple[str, ...]  # tilgaengelighed.md, paragraph by paragraph ({title}, …)
    # with report.pdf: one item more for what was checked, one for what was not
    statement_pdf: tuple[str, str]
    # the codebook (publish/codebook.py); kinds keyed by codebook.VariableKind's values
    codebook_kinds: Mapping[str, str]
    codebook_words: Mapping[str, str]
    codebook_head: tuple[str, ...]
    codebook_sheets: Mapping[str, tuple[str, tuple[str, ...]]]  # name and header per sheet
    codebook_none_suppressed: str
    codebook_primary: str
    codebook_secondary: str
    codebook_no_distribution: str
    codebook_min_max: str
    codebook_rows: str
    codebook_weighted: str
    # the kinds beyond a share (formats §8): tables, fact boxes, charts, the report
    kinds: Mapping[str, str]
    # groups against the rest and tests of association (publish/tables.py)
    contrast_head: tuple[str, ...]
    test_head: tuple[str, ...]
    contrast_left_out: Mapping[str, str]  # ContrastSet.notes() keys → words
    # linked waves (publish/tables.py): the attrition sheet and the changes' SE in words
    attrition_head: tuple[str, ...]
    se_linked: str  # {k} {prev} {cur}
    se_independent: str
    # the report's progress labels in jobs.py, and the waves' names when none is given
    job_steps: Mapping[str, str]
    wave_names: Mapping[str, str]
    page: PageWords
    cli: CliWords


_DANISH_PAGE = PageWords(
    contents="Indhold",
    facts="Faktaboks",
    indicators="Indikatorer",
    groups="Opdelt efter grupper",
    comparison="Sammenligning med andre undersøgelser",
    change="Udvikling siden {prev}",
    change_plain="Udvikling",
    weighting="Vægtning",
    method="Metode og undertrykkelse",
    sources="Kilder",
    files="Filer",
    indicator="Indikator",
    group="Gruppe",
    n="Svar (n)",
    share="Andel",
    ci="95\u00a0%-KI",
    panel="Panelet",
    reference="Reference",
    diff="Forskel (pp) og 95\u00a0%-KI",
    test="Test",
    p_adj="p (justeret)",
    verdict="Vurdering",
    change_col="Ændring (pp) og 95\u00a0%-KI",
    change_col_means="Ændring (pp; gennemsnit: i deres enheder) og 95\u00a0%-KI",
    attrition_diff="Forskel (pp) og 95\u00a0%-KI",
    attrition_diff_means="Forskel (pp; gennemsnit: i deres enheder) og 95\u00a0%-KI",
    means_change=" Et gennemsnits ændring er i gennemsnittets egne enheder; er den signifikant, "
    "er vurderingen blot over eller under.",
    suppressed="undertrykt",
    answers="svar",
    all="Alle",
    by="Opdelt efter",
    reason="Årsag",
    margin="Margin",
    category="Kategori",
    sample="Stikprøve",
    target="Befolkning",
    weighted="Vægtet",
    question="Spørgsmål",
    no_previous="Der er ingen tidligere runde at sammenligne med. Angiv sidste års "
    "eksport under previous: i panelkit.yaml for at vise udviklingen.",
    no_comparison="Ingen indikator har en referenceværdi i denne kørsel.",
    no_baselines="Ingen referencefil er angivet (baselines: i panelkit.yaml eller "
    "--baselines), så der er ingen sammenligninger.",
    no_groups="Rapporten er ikke opdelt efter grupper (--by).",
    unweighted="Svarene er ikke vægtet: der er ikke angivet befolkningstal (margins).",
    suppressed_rows="Undertrykte tal",
    none_suppressed="Ingen tal er undertrykt.",
    omitted="Udeladt af faktaboksen, fordi tallet er undertrykt: {items}.",
    made="Lavet med panelkit {version}",
    rows="Rækker læst: {read} = brugt {used} + afvist {rejected}.",
    chart_note="Stregerne viser 95\u00a0%-konfidensintervaller.",
    files_intro="Rapportens tal findes også i regnearket og som CSV-tabeller; "
    "diagrammerne som PNG og SVG.",
    months=("januar", "februar", "marts", "april", "maj", "juni",
            "juli", "august", "september", "oktober", "november", "december"),
    date="{day}. {month} {year}",
    weighting_note="Svarene er vægtet med raking (iterativ proportional tilpasning), så de "
    "vægtede fordelinger på {margins} svarer til befolkningens. En margin med "
    "to variable (a|b) vægter på de fælles celler (poststratificering).",
    shares_topic="Andele",
    shares_note="En andel er den vægtede andel, der svarer ja (fx enig eller meget enig), blandt "
    "dem i målgruppen, der har besvaret spørgsmålet. Tomme svar og svar, som skemaet "
    "regner som manglende, tæller ikke med. n er antallet af svar bag tallet "
    "(uvægtet).",
    se_topic="Standardfejl",
    se_note="Standardfejl er beregnet ved Taylor-linearisering af den vægtede andel for et "
    "design uden strata og klynger, med justering for rakingen: de lineariserede "
    "værdier centreres inden for hver margins celler, som R-pakken survey gør for "
    "et design vægtet med rake(). Grupper og målgrupper beregnes på hele "
    "stikprøven (domæneestimation).",
    ci_topic="Konfidensintervaller",
    ci_logit="95 %-konfidensintervaller er logit-intervaller: expit(logit(p) ± t · SE / (p(1−p))), "
    "med t-fordelingens fraktil og antal svar − 1 frihedsgrader (som R's svyciprop).",
    ci_wilson="95 %-konfidensintervaller er Wilson-intervaller på den effektive stikprøvestørrelse.",
    ci_beta="95 %-konfidensintervaller er Korn–Graubard-intervaller (Clopper–Pearson på den "
    "effektive stikprøvestørrelse).",
    ci_fallback=" Hvor intervallet ikke kan beregnes sådan (fx ved 0 % eller 100 %), bruges "
    "Korn–Graubard-intervallet (metode beta i regnearket).",
    suppression_topic="Undertrykkelse",
    suppression_off="Ingen tal er undertrykt: grænsen for antal svar er slået fra (min-n 0).",
    suppression_note="Tal bygget på færre end {min_n} svar vises ikke (undertrykt), og heller ikke "
    "antallet, der svarede ja. Er kun én gruppe i en opdeling undertrykt, undertrykkes "
    "også den mindste af de øvrige grupper, så det skjulte tal ikke kan regnes ud fra "
    "totalen (sekundær undertrykkelse).",
    comparisons_topic="Sammenligninger",
    change_linked="Ændringen er andelen i {cur} minus andelen i {prev} i procentpoint med 95 %-"
    "konfidensinterval (z-test)",
    change_independent="Ændringen er andelen i {cur} minus andelen i {prev} i procentpoint med "
    "95 %-konfidensinterval, testet som to uafhængige stikprøver (z-test)",
    change_adjusted=" med p-værdier justeret med {method}",
    change_linked_end=". Runderne er forbundne: hver runde er vægtet til sine egne befolkningstal, "
    "og standardfejlen lægger hvert panelmedlems bidrag fra begge runder sammen "
    "(som R's survey-pakke med begge runder i ét design, klynget på "
    "panelmedlemmet). Vurderingen følger samme regler som sammenligningerne.",
    change_independent_end=". Har de samme panelmedlemmer svaret begge gange, er testen "
    "forsigtig. Vurderingen følger samme regler som sammenligningerne.",
    data_topic="Data",
    aggregates_note=" Rapporten indeholder kun samlede tal: aldrig en enkelt besvarelse og aldrig "
    "svar på åbne spørgsmål.",
    attrition="Frafald",
    attrition_item="Spørgsmål",
    answered_again="Svarede igen",
    left="Faldt fra",
    attrition_intro="Frafald: {prev}s panelmedlemmer, der svarede igen i {cur}, "
    "sammenlignet med dem, der ikke gjorde, på vægtningsvariablerne og indikatorerne "
    "i {prev} (vægtede andele og gennemsnit).",
    reason_primary="færre end {min_n} svar",
    reason_secondary="sekundær undertrykkelse",
    reason_empty="ingen svar",
    population_margins="Befolkningstal",
)  # fmt: skip

_DANISH_CLI = CliWords(
    rows="Rækker læst: {read} = brugt {used} + afvist {rejected}",
    validation=("mod", "Rækker læst", "Rækker gyldige", "Rækker afvist", "Variable",
                'Manglende svar (fx "Ved ikke")', "Problemer", "Kolonne", "Problem",
                "… og {more} problemer mere (--rejects FIL viser dem alle).", "Gyldig.",
                "{problems} problemer i {rows} rækker."),
    estimates_title="Indikatorer",
    weighted="Vægtet (raking): designeffekt {deff}, effektivt n {n_effective}",
    contrasts_title="Grupper mod resten",
    tests_title="Test af sammenhæng",
    omitted="Udeladt af faktaboksen ({why}): {indicator}{group}: {label}",
    omitted_primary="undertrykt, færre end {min_n} svar",
    omitted_secondary="sekundært undertrykt",
    omitted_none="intet tal",
    previous_wave="Forrige runde: ",
    report_done="Rapport {verb}: {index} ({n} filer)",
    report_written="skrevet",
    report_replaced="erstattet",
)  # fmt: skip


_ENGLISH_PAGE = PageWords(
    contents="Contents",
    facts="Fact box",
    indicators="Indicators",
    groups="By group",
    comparison="Comparison with other surveys",
    change="Change since {prev}",
    change_plain="Change",
    weighting="Weighting",
    method="Method and suppression",
    sources="Sources",
    files="Files",
    indicator="Indicator",
    group="Group",
    n="Answers (n)",
    share="Share",
    ci="95% CI",
    panel="Panel",
    reference="Reference",
    diff="Difference (pp) and 95% CI",
    test="Test",
    p_adj="p (adjusted)",
    verdict="Verdict",
    change_col="Change (pp) and 95% CI",
    change_col_means="Change (pp; means: in their units) and 95% CI",
    attrition_diff="Difference (pp) and 95% CI",
    attrition_diff_means="Difference (pp; means: in their units) and 95% CI",
    means_change=" A mean's change is in the mean's own units; when significant, its verdict "
    "is simply above or below.",
    suppressed="suppressed",
    answers="answers",
    all="All",
    by="By",
    reason="Reason",
    margin="Margin",
    category="Category",
    sample="Sample",
    target="Population",
    weighted="Weighted",
    question="Question",
    no_previous="There is no previous wave to compare with. Name last year's export "
    "under previous: in panelkit.yaml to show the change.",
    no_comparison="No indicator has a reference value in this run.",
    no_baselines="No baselines file was given (baselines: in panelkit.yaml or "
    "--baselines), so there are no comparisons.",
    no_groups="The report is not broken down by group (--by).",
    unweighted="The answers are not weighted: no population margins were given.",
    suppressed_rows="Suppressed figures",
    none_suppressed="No figure is suppressed.",
    omitted="Left out of the fact box because the figure is suppressed: {items}.",
    made="Made with panelkit {version}",
    rows="Rows read: {read} = used {used} + rejected {rejected}.",
    chart_note="The lines show 95% confidence intervals.",
    files_intro="The report's figures are also in the workbook and as CSV tables; "
    "the charts as PNG and SVG.",
    months=("January", "February", "March", "April", "May", "June",
            "July", "August", "September", "October", "November", "December"),
    date="{day} {month} {year}",
    weighting_note="The answers are weighted by raking (iterative proportional fitting), so "
    "the weighted distributions of {margins} match the population's. A margin "
    "of two variables (a|b) weights to their joint cells (post-stratification).",
    shares_topic="Shares",
    shares_note="A share is the weighted share answering yes (e.g. agree or strongly agree) "
    "among those in the target group who answered the question. Empty answers and "
    "answers the schema counts as missing are left out. n is the number of answers "
    "behind the figure (unweighted).",
    se_topic="Standard errors",
    se_note="Standard errors come from Taylor linearisation of the weighted share for a "
    "design without strata or clusters, adjusted for the raking: the linearised "
    "values are centred within the cells of each margin, as R's survey package "
    "does for a rake()d design. Groups and target groups use the whole sample "
    "(domain estimation).",
    ci_topic="Confidence intervals",
    ci_logit="95% confidence intervals are logit intervals: expit(logit(p) ± t · SE / "
    "(p(1−p))), with the t quantile on the number of answers − 1 degrees of freedom "
    "(as R's svyciprop).",
    ci_wilson="95% confidence intervals are Wilson intervals on the effective sample size.",
    ci_beta="95% confidence intervals are Korn–Graubard intervals (Clopper–Pearson on the "
    "effective sample size).",
    ci_fallback=" Where it cannot be computed that way (e.g. at 0% or 100%), the Korn–Graubard "
    "interval is used (method beta in the workbook).",
    suppression_topic="Suppression",
    suppression_off="No figure is suppressed: the minimum number of answers is off (min-n 0).",
    suppression_note="Figures from fewer than {min_n} answers are not shown (suppressed), nor is "
    "the number who answered yes. When only one group of a breakdown is suppressed, the "
    "smallest of the other groups is suppressed too, so the hidden figure cannot be worked "
    "out from the total (secondary suppression).",
    comparisons_topic="Comparisons",
    change_linked="The change is the share in {cur} minus the share in {prev} in percentage "
    "points with its 95% confidence interval (z test)",
    change_independent="The change is the share in {cur} minus the share in {prev} in "
    "percentage points with its 95% confidence interval, tested as two independent samples "
    "(z test)",
    change_adjusted=" with p-values adjusted by {method}",
    change_linked_end=". The waves are linked: each wave is weighted to its own population "
    "figures, and the standard error adds up each panel member's contributions "
    "from both waves (as R's survey package with both waves in one design, "
    "clustered on the member). The verdict follows the rules of the comparisons.",
    change_independent_end=". Where the same panel members answered both times the test is "
    "conservative. The verdict follows the rules of the comparisons.",
    data_topic="Data",
    aggregates_note=" The report holds aggregates only: never a single response and never "
    "an answer to an open question.",
    attrition="Attrition",
    attrition_item="Item",
    answered_again="Answered again",
    left="Left",
    attrition_intro="Attrition: the {prev} panel members who answered again in "
    "{cur} beside those who did not, on the weighting variables and the "
    "indicators of {prev} (weighted shares and means).",
    reason_primary="fewer than {min_n} answers",
    reason_secondary="secondary suppression",
    reason_empty="no answers",
    population_margins="Population margins",
)  # fmt: skip

_ENGLISH_CLI = CliWords(
    rows="Rows read: {read} = used {used} + rejected {rejected}",
    validation=("against", "Rows read", "Rows valid", "Rows rejected", "Variables",
                'Missing answers (e.g. "Ved ikke")', "Problems", "Column", "Problem",
                "… and {more} more problems (--rejects FILE lists them all).", "Valid.",
                "{problems} problems in {rows} rows."),
    estimates_title="Indicators",
    weighted="Weighted (raking): design effect {deff}, effective n {n_effective}",
    contrasts_title="Groups against the rest",
    tests_title="Tests of association",
    omitted="Left out of the fact box ({why}): {indicator}{group}: {label}",
    omitted_primary="suppressed, fewer than {min_n} answers",
    omitted_secondary="secondary suppression",
    omitted_none="no figure",
    previous_wave="Previous wave: ",
    report_done="Report {verb}: {index} ({n} files)",
    report_written="written",
    report_replaced="replaced",
)  # fmt: skip


DANISH = Texts(
    numbers=NumberWords(",", ".", " %", " pct.", "til", "ca.", "svar", "svar", False, "skjult"),
    chart=ChartWords(
        axis="Andel (pct.)",
        share="Andel",
        ci="95 %-konfidensinterval",
        ci_short="95 %-KI",
        baseline="Referenceværdi",
        suppressed="undertrykt",
        overall="Alle",
        nothing="Ingen tal at vise",
        and_="og",
        bar_alt="Søjlediagram",
        bar_intro="Andel i procent med 95 %-konfidensinterval.",
        group_alt="Prikdiagram i små paneler, et panel pr. indikator, opdelt efter gruppe",
        wave_alt="Prikdiagram, der sammenligner to runder",
    ),
    verdict={
        Verdict.SAME: "ca. på niveau med",
        Verdict.SLIGHTLY_BELOW: "lidt under",
        Verdict.BELOW: "under",
        Verdict.SLIGHTLY_ABOVE: "lidt over",
        Verdict.ABOVE: "over",
    },
    change={
        Verdict.SAME: "stort set uændret",
        Verdict.SLIGHTLY_BELOW: "faldet lidt",
        Verdict.BELOW: "faldet",
        Verdict.SLIGHTLY_ABOVE: "steget lidt",
        Verdict.ABOVE: "steget",
    },
    estimate_head=("Indikator", "Opdelt efter", "Gruppe", "n", "Andel", "SE (pp)", "95 % KI",
                   "Metode"),
    estimate_xlsx_head=("Indikator", "Opdelt efter", "Gruppe", "n", "n ja", "Andel", "SE",
                        "KI nedre", "KI øvre", "Metode", "Undertrykt"),
    estimate_sheet_head=("Indikator", "Id", "Opdelt efter", "Gruppe", "n", "n ja", "Andel", "SE",
                         "KI nedre", "KI øvre", "KI-metode", "Undertrykt"),
    comparison_head=("Indikator", "Opdelt efter", "Gruppe", "n", "Andel", "95 % KI", "Reference",
                     "Kilde", "Forskel (pp)", "95 % KI (pp)", "Test", "p (justeret)",
                     "Vurdering"),
    comparison_sheet_head=("Indikator", "Id", "Opdelt efter", "Gruppe", "n", "Andel", "SE",
                           "Reference", "Område", "Referencegruppe", "Kilde", "År", "Fast værdi",
                           "Forskel (pp)", "KI nedre (pp)", "KI øvre (pp)", "Test", "p",
                           "p (justeret)", "Vurdering"),
    wave_sheet_head=("Indikator", "Id", "n {prev}", "n {cur}", "Andel {prev}", "Andel {cur}",
                     "Ændring (pp; gennemsnit: enheder)", "KI nedre", "KI øvre", "p", "p (justeret)",
                     "Vurdering"),
    margin_head=("Margin", "Kategori", "n", "Stikprøve", "Befolkning", "Vægtet", "Befolkningstal"),
    suppressed="undertrykt",
    all_groups="Alle",
    yes="ja",
    reasons={"primary": "for få svar", "secondary": "sekundært", "empty": "ingen svar"},
    tests={"two-sample": "to stikprøver", "one-sample": "én stikprøve (fast værdi)"},
    adjust_methods={"holm": "Holms metode", "bh": "Benjamini–Hochbergs metode", "none": ""},
    sheet_indicators="Indikatorer",
    sheet_comparison="Sammenligning",
    sheet_notes="Noter",
    rows_line="Rækker læst {read}, brugt {used}, afvist {rejected}.",
    primary_note=(
        "{n} tal er undertrykt, fordi det bygger på færre end {min_n} svar (primær "
        "undertrykkelse).",
        "{n} tal er undertrykt, fordi de bygger på færre end {min_n} svar (primær "
        "undertrykkelse).",
    ),
    secondary_note=(
        "{n} tal er undertrykt, så et undertrykt tal ikke kan regnes ud fra totalen og de andre "
        "grupper (sekundær undertrykkelse).",
    )
    * 2,
    empty_note=("{n} tal mangler, fordi ingen i målgruppen har svaret.",) * 2,
    comparison_wording_note="Spørgsmålene i borgerpanelet er ikke formuleret ens med "
    "spørgsmålene i {sources}, og undersøgelserne er gennemført forskelligt; sammenligningerne "
    "er derfor vejledende.",
    comparison_fixed_note="En referenceværdi uden konfidensinterval og antal svar behandles som "
    "en fast værdi: testen regner kun med panelets usikkerhed (én stikprøve).",
    comparison_difference_note="Forskellen er panelets andel minus referencen i procentpoint "
    "(pp) med 95 %-konfidensinterval; testen er en tosidet z-test",
    comparison_adjusted=", og p-værdierne er justeret for {tested} {comparisons} med {method}.",
    comparisons_word=("sammenligning", "sammenligninger"),
    comparison_not_adjusted="; p-værdierne er ikke justeret for flere sammenligninger.",
    comparison_rule_note="Vurdering: justeret p på {alpha} eller derover, eller en forskel "
    'under {same} pp, giver "ca. på niveau med"; under {small} pp "lidt under/over"; ellers '
    '"under/over".',
    weighting_facts={
        "method": "Metode",
        "method_value": "raking (iterativ proportional tilpasning)",
        "converged": "Konvergeret",
        "converged_yes": "ja, efter {iterations} iterationer",
        "converged_no": "nej, efter {iterations} iterationer",
        "deff": "Designeffekt (Kish)",
        "n_effective": "Effektivt antal svar",
        "range": "Mindste og største vægt",
        "range_value": "{low} og {high} (forhold {ratio})",
        "sum": "Sum af vægte",
        "cap": "Loft",
        "cap_value": "{cap} × gennemsnitsvægten ({rounds} runder)",
    },
    factbox_heading="Fakta",
    factbox_compared="Sammenligning",
    and_word="og",
    factbox_it="Det er",
    factbox_subject="De {subject} er",
    factbox_own_area="{who} {verdict} tallet fra {source}{group}.",
    factbox_same="{who} {verdict} {place}.",
    factbox_level="{who} {verdict} niveauet i {place}.",
    by_heading="Efter {title}",
    report_steps={
        "tables": "Tabeller (CSV)",
        "workbook": "Regneark",
        "factbox_html": "Faktaboks og HTML",
        "run_record": "Kørselsoplysninger",
        "chart": "Diagram: {what}",
        "pdf": "PDF",
    },
    report_sheets={
        "overall": "Indikatorer",
        "groups": "Grupper",
        "comparisons": "Sammenligning",
        "waves": "Udvikling",
        "attrition": "Frafald",
        "weighting": "Vægtning",
        "margins": "Marginer",
        "notes": "Noter",
    },
    weighting_sheet_head=("Mål", "Værdi"),
    notes_sheet_head=("Emne", "Note"),
    chart_indicators="Indikatorer",
    chart_change="Udvikling",
    skip_link="Gå til indholdet",
    statement=(
        "# Tilgængelighedserklæring (udkast): {title}",
        "Et udkast, som myndigheden selv skal gennemgå, rette og udgive (fx med Digitaliserings"
        "styrelsens værktøj på was.digst.dk). Det gælder rapportens side index.html og "
        "faktaboksen (factbox.html), lavet med panelkit {version}.",
        "## Hvad er kontrolleret",
        "- Siden er lavet efter WCAG 2.1 niveau AA (EN 301 549): en genvej til indholdet, "
        "overskrifter i rækkefølge, tabeller med titel og kolonne- og rækkeoverskrifter, "
        "sprog angivet på siden og på tekst på et andet sprog, ingen vandret rulning af siden "
        "ved 320 px bredde eller 200 % zoom, og et layout til udskrift.",
        "- Hvert diagram har en tekst, der siger, hvad det viser, og dets tal, og tabellen "
        "med de samme tal står ved siden af. Betydning vises aldrig kun med farve (også "
        "markørformer, linjetyper og tal).",
        "- Farverne har kontrast mindst 4,5:1 for tekst og 3:1 for grafik, og diagrammernes "
        "farver kan skelnes ved de almindelige former for farveblindhed (simuleret).",
        "- panelkits egne test kontrollerer rapporter som denne automatisk med {tool} i en "
        "Chromium-browser (reglerne {rules}), ved 1280 og 320 px bredde: ingen fejl. Denne "
        "rapport er ikke selv kontrolleret i en browser.",
        "## Hvad automatiske kontroller ikke dækker",
        "- Om diagrammernes tekster, overskrifter og noter er forståelige for læseren.",
        "- Brug med skærmlæser, forstørrelse og tastatur alene: det skal afprøves af mennesker.",
        "- Sproget: om teksten er let at læse for målgruppen.",
        "- Den side, faktaboksen sættes ind på, og det indhold, myndigheden selv tilføjer.",
        "- Regnearket (report.xlsx), CSV-tabellerne og diagramfilerne i mappen charts/.",
        "## Kontakt og klager",
        "- Kontakt: [myndighedens kontaktoplysninger]. Klager: Digitaliseringsstyrelsen.",
    ),
    statement_pdf=(
        "- PDF-udgaven (report.pdf) har samme indhold som siden: tagget efter PDF/UA-1 "
        "(struktur, overskrifter, tabeller, diagrammernes tekster), tekst der kan søges i, "
        "skrifttyper indlejret og sidetal. panelkits egne test kontrollerer tags, skrifttyper "
        "og teksten.",
        "- Om PDF-udgaven opfylder PDF/UA fuldt ud: den er ikke kontrolleret med et "
        "PDF/UA-værktøj (fx veraPDF eller PAC).",
    ),
    codebook_kinds={
        "id": "id",
        "integer": "heltal",
        "number": "tal",
        "category": "kategori",
        "text": "fritekst",
        "multi": "flervalg (0/1)",
        "derived": "afledt",
        "score": "skala (score)",
    },
    codebook_words={
        "title": "Kodebog",
        "answered": "Besvaret",
        "empty": "(tom)",
        "missing": "mangler",
        "mean": "gennemsnit",
        "sd": "sd",
        "min": "min",
        "quartiles": "kvartiler",
        "max": "maks",
        "weighted": "vægtet",
        "unweighted": "Uvægtet (ingen marginaler).",
        "hidden": "skjult",
        "distribution": "fordeling",
        "suppressed": "undertrykt",
    },
    codebook_head=("Variabel", "Spørgsmål", "Type", "Svar", "n", "Andel", "Vægtet andel"),
    codebook_sheets={
        "variables": ("Variabler", ("Variabel", "Kolonne", "Spørgsmål", "Type", "Rækker",
                                    "Besvaret", "Tom", "Mangler")),
        "answers": ("Svar", ("Variabel", "Kode", "Svar", "n", "Andel", "Vægtet andel")),
        "numbers": ("Tal", ("Variabel", "n", "Gennemsnit", "SD", "Min", "Q1", "Median", "Q3",
                            "Maks", "Vægtet gennemsnit")),
    },
    codebook_none_suppressed="Ingen antal er undertrykt (min-n 0); mindste og største værdi "
    "vises.",
    codebook_primary="<{min_n}: et antal fra 1 til {below} vises ikke, og heller ikke andelen "
    "(primær undertrykkelse).",
    codebook_secondary="{hidden}: vises ikke, så et antal under {min_n} ikke kan regnes ud fra "
    "totalen (sekundær undertrykkelse).",
    codebook_no_distribution="Talvariable med færre end {min_n} svar vises uden fordeling.",
    codebook_min_max="Mindste og største værdi er enkeltpersoners svar og vises ikke (kun med "
    "min-n 0).",
    codebook_rows="Rækker læst: {read} = brugt {used} + afvist {rejected}",
    codebook_weighted="Vægtet (raking): designeffekt {deff}, effektivt n {n_effective}; n er "
    "uvægtet",
    kinds={
        "measure_head": "Mål",
        "estimate_head": "Estimat",
        "se_head": "SE",
        "share": "andel",
        "mean": "gennemsnit",
        "mean_scale": "gennemsnit ({low}–{high})",
        "median": "median",
        "quantile": "{q} %-fraktil",
        "pp": " pp",
        "default_mean": "{label}: gennemsnit {mean}",
        "default_distribution": "{label}: {answers}",
        "default_quantile": "{label}: {value}",
        "answer_part": "{pct} {answer}",
        "chart_means": "Gennemsnit",
        "chart_distribution": "Svarfordeling",
        "mean_axis": "Gennemsnit",
        "mean_axis_scale": "Gennemsnit (skala {low}–{high})",
        "mean_alt": "Prikdiagram over gennemsnit med 95 %-konfidensinterval",
        "distribution_alt": "Stablet vandret søjlediagram over svarene i procent",
        "distribution_axis": "Andel af svarene (pct.)",
        "higher": "signifikant højere end resten",
        "lower": "signifikant lavere end resten",
        "higher_mark": "▲",
        "lower_mark": "▼",
        "contrast_note": "▲/▼: gruppen er signifikant højere/lavere end resten af de adspurgte "
        "(justeret p under {alpha}, {method}, på tværs af {n} sammenligninger).",
        "contrast_off": "Grupperne er ikke testet mod resten (kør med --contrasts).",
        "tests_heading": "Test af sammenhæng",
        "tests_note": "Rao–Scott-test (F) af, om svarene hænger sammen med {by}, med "
        "designbaseret varians på den vægtede stikprøve.",
        "test_line": "{label} efter {by}: F = {f} (frihedsgrader {ndf} og {ddf}), p = {p}.",
        "mean_rule_note": "For gennemsnit læses grænserne som procent af skalaens længde: på en "
        "skala fra 0 til 10 er {same} pp {same_units} point og {small} pp {small_units} point; "
        "et gennemsnit uden kendt skala vurderes kun på den justerede p-værdi.",
        "mean_difference_note": "For et gennemsnit er forskellen i skalaens egne enheder.",
        "answers_note": "Hvert felt er et svars andel af dem, der har svaret, i procent; et "
        "smalt felt står uden tal (se tegnforklaringen og tabellen).",
        "kinds_topic": "Gennemsnit, svarfordelinger og fraktiler",
        "kinds_note": "Et gennemsnit er det vægtede gennemsnit blandt dem i målgruppen, der har "
        "svaret, i spørgsmålets egne enheder (en svarskala regnes om til sine point); "
        "intervallet bruger t-fordelingen. En svarfordeling viser hvert svars vægtede andel; "
        "andelene summer til 100 %. Fraktiler (fx medianen) har Woodruff-intervaller som i "
        "R-pakken survey.",
        "contrast_topic": "Grupper mod resten",
        "contrast_method": "Hver gruppe er sammenlignet med resten af de adspurgte i samme "
        "målgruppe (fx 17-29-årige mod alle andre); forskellens standardfejl tager højde for "
        "vægtningen, og p-værdierne er justeret med {method} på tværs af {n} sammenligninger.",
    },
    contrast_head=("Indikator", "Opdelt efter", "Gruppe", "I gruppen", "I resten", "Forskel",
                   "95 % KI", "p", "p justeret"),
    test_head=("Indikator", "Opdelt efter", "F", "ndf", "ddf", "p"),
    contrast_left_out={
        "contrasts_left_out": "sammenligninger med resten udeladt",
        "tests_left_out": "test udeladt",
        "suppressed": "undertrykt",
        "empty": "ingen i gruppen eller resten",
        "too_few": "færre end to grupper eller svar",
        "undefined": "ingen varians",
    },
    attrition_head=("Spørgsmål", "Kategori", "n svarede igen", "n faldt fra", "Svarede igen",
                    "Faldt fra", "Forskel (pp; gennemsnit: enheder)", "KI nedre", "KI øvre", "p",
                    "p (justeret)"),
    se_linked="Runderne er forbundne: {k} panelmedlemmer svarede både i {prev} og {cur}. "
    "Ændringens standardfejl bruger, at deres svar hænger sammen (forbundne "
    "runder), og er derfor mindre end hvis runderne var uafhængige stikprøver.",
    se_independent="Ændringens standardfejl behandler runderne som uafhængige stikprøver.",
    job_steps={
        "read": "Data læst, kontrolleret og vægtet",
        "estimated": "Indikatorer beregnet",
        "compared": "Sammenlignet med referencer",
        "previous": "Forrige runde beregnet",
        "factbox": "Faktaboks skrevet",
        "folder": "Mappen skrevet",
    },
    wave_names={"previous": "forrige runde", "current": "denne runde"},
    page=_DANISH_PAGE,
    cli=_DANISH_CLI,
)  # fmt: skip

ENGLISH = Texts(
    numbers=NumberWords(".", ",", "%", "%", "to", "about", "responses", "response", True, "hidden"),
    chart=ChartWords(
        axis="Share (%)",
        share="Share",
        ci="95% confidence interval",
        ci_short="95% CI",
        baseline="Reference value",
        suppressed="suppressed",
        overall="All",
        nothing="No estimates to show",
        and_="and",
        bar_alt="Bar chart",
        bar_intro="Share in percent with 95% confidence interval.",
        group_alt="Dot chart in small panels, one panel per indicator, by group",
        wave_alt="Dot chart comparing two waves",
    ),
    verdict={
        Verdict.SAME: "about the same as",
        Verdict.SLIGHTLY_BELOW: "slightly below",
        Verdict.BELOW: "below",
        Verdict.SLIGHTLY_ABOVE: "slightly above",
        Verdict.ABOVE: "above",
    },
    change={
        Verdict.SAME: "about unchanged",
        Verdict.SLIGHTLY_BELOW: "down slightly",
        Verdict.BELOW: "down",
        Verdict.SLIGHTLY_ABOVE: "up slightly",
        Verdict.ABOVE: "up",
    },
    estimate_head=("Indicator", "By", "Group", "n", "Share", "SE (pp)", "95% CI", "Method"),
    estimate_xlsx_head=("Indicator", "By", "Group", "n", "n yes", "Share", "SE", "CI low",
                        "CI high", "Method", "Suppressed"),
    estimate_sheet_head=("Indicator", "Id", "By", "Group", "n", "n yes", "Share", "SE",
                         "CI low", "CI high", "CI method", "Suppressed"),
    comparison_head=("Indicator", "By", "Group", "n", "Share", "95% CI", "Reference", "Source",
                     "Difference (pp)", "95% CI (pp)", "Test", "p (adjusted)", "Verdict"),
    comparison_sheet_head=("Indicator", "Id", "By", "Group", "n", "Share", "SE", "Reference",
                           "Area", "Reference group", "Source", "Year", "Fixed value",
                           "Difference (pp)", "CI low (pp)", "CI high (pp)", "Test", "p",
                           "p (adjusted)", "Verdict"),
    wave_sheet_head=("Indicator", "Id", "n {prev}", "n {cur}", "Share {prev}", "Share {cur}",
                     "Change (pp; means: units)", "CI low", "CI high", "p", "p (adjusted)",
                     "Verdict"),
    margin_head=("Margin", "Category", "n", "Sample", "Population", "Weighted",
                 "Population figure"),
    suppressed="suppressed",
    all_groups="All",
    yes="yes",
    reasons={"primary": "too few answers", "secondary": "secondary", "empty": "no answers"},
    tests={"two-sample": "two-sample", "one-sample": "one-sample (fixed value)"},
    adjust_methods={"holm": "Holm's method", "bh": "the Benjamini–Hochberg method", "none": ""},
    sheet_indicators="Indicators",
    sheet_comparison="Comparison",
    sheet_notes="Notes",
    rows_line="Rows read {read}, used {used}, rejected {rejected}.",
    primary_note=(
        "{n} figure is suppressed because it rests on fewer than {min_n} answers (primary "
        "suppression).",
        "{n} figures are suppressed because they rest on fewer than {min_n} answers (primary "
        "suppression).",
    ),
    secondary_note=(
        "{n} figure is suppressed so that a suppressed figure cannot be worked out from the "
        "total and the other groups (secondary suppression).",
        "{n} figures are suppressed so that a suppressed figure cannot be worked out from the "
        "total and the other groups (secondary suppression).",
    ),
    empty_note=(
        "{n} figure is missing because no one in the target group answered.",
        "{n} figures are missing because no one in the target group answered.",
    ),
    comparison_wording_note="The panel's questions are not worded like the questions in "
    "{sources}, and the surveys were carried out differently; the comparisons are indicative.",
    comparison_fixed_note="A reference value without a confidence interval or a number of "
    "answers is treated as a fixed value: the test counts only the panel's uncertainty "
    "(one-sample).",
    comparison_difference_note="The difference is the panel's share minus the reference in "
    "percentage points (pp) with its 95% confidence interval; the test is a two-sided z test",
    comparison_adjusted=", and the p-values are adjusted for {tested} {comparisons} with "
    "{method}.",
    comparisons_word=("comparison", "comparisons"),
    comparison_not_adjusted="; the p-values are not adjusted for multiple comparisons.",
    comparison_rule_note="Verdict: an adjusted p of {alpha} or more, or a difference under "
    '{same} pp, gives "about the same as"; under {small} pp "slightly below/above"; otherwise '
    '"below/above".',
    weighting_facts={
        "method": "Method",
        "method_value": "raking (iterative proportional fitting)",
        "converged": "Converged",
        "converged_yes": "yes, after {iterations} iterations",
        "converged_no": "no, after {iterations} iterations",
        "deff": "Design effect (Kish)",
        "n_effective": "Effective number of answers",
        "range": "Smallest and largest weight",
        "range_value": "{low} and {high} (ratio {ratio})",
        "sum": "Sum of weights",
        "cap": "Cap",
        "cap_value": "{cap} × the mean weight ({rounds} rounds)",
    },
    factbox_heading="Facts",
    factbox_compared="Comparison",
    and_word="and",
    factbox_it="This is",
    factbox_subject="The {subject} figure is",
    factbox_own_area="{who} {verdict} the figure from {source}{group}.",
    factbox_same="{who} {verdict} in {place}.",
    factbox_level="{who} {verdict} the level in {place}.",
    by_heading="By {title}",
    report_steps={
        "tables": "Tables (CSV)",
        "workbook": "Workbook",
        "factbox_html": "Fact box and HTML",
        "run_record": "Run record",
        "chart": "Chart: {what}",
        "pdf": "PDF",
    },
    report_sheets={
        "overall": "Indicators",
        "groups": "Groups",
        "comparisons": "Comparison",
        "waves": "Change",
        "attrition": "Attrition",
        "weighting": "Weighting",
        "margins": "Margins",
        "notes": "Notes",
    },
    weighting_sheet_head=("Measure", "Value"),
    notes_sheet_head=("Topic", "Note"),
    chart_indicators="Indicators",
    chart_change="Change",
    skip_link="Skip to content",
    statement=(
        "# Accessibility statement (draft): {title}",
        "A draft for the public body to review, correct and publish itself (e.g. with the "
        "Danish Agency for Digital Government's tool at was.digst.dk). It covers the report's "
        "page index.html and the fact box (factbox.html), made with panelkit {version}.",
        "## What was checked",
        "- The page is made to WCAG 2.1 level AA (EN 301 549): a skip link, headings in "
        "order, tables with captions and column and row headers, the language set on the page "
        "and on any passage in another language, no horizontal scrolling of the page at 320 px "
        "width or 200% zoom, and a print layout.",
        "- Every chart has a text that says what it shows and its figures, and the table of "
        "the same figures is beside it. Meaning is never shown by colour alone (marker shapes, "
        "line styles and numbers as well).",
        "- The colours have at least 4.5:1 contrast for text and 3:1 for graphics, and the "
        "charts' colours stay apart for the common colour-vision deficiencies (simulated).",
        "- panelkit's own tests check reports like this one automatically with {tool} in a "
        "Chromium browser (rules {rules}), at 1280 and 320 px width: no violations. This report "
        "itself was not checked in a browser.",
        "## What automatic checks do not cover",
        "- Whether the charts' texts, the headings and the notes make sense to the reader.",
        "- Use with a screen reader, magnification and the keyboard alone: people must try it.",
        "- The language: whether the text is easy to read for its audience.",
        "- The page the fact box is put on, and anything the public body adds itself.",
        "- The workbook (report.xlsx), the CSV tables and the chart files in charts/.",
        "## Contact and complaints",
        "- Contact: [the public body's contact details]. Complaints: the Danish Agency for "
        "Digital Government.",
    ),
    statement_pdf=(
        "- The PDF version (report.pdf) has the page's content: tagged to PDF/UA-1 "
        "(structure, headings, tables, the charts' texts), searchable text, embedded fonts "
        "and page numbers. panelkit's own tests check its tags, fonts and text.",
        "- Whether the PDF version fully meets PDF/UA: it was not checked with a PDF/UA "
        "tool (e.g. veraPDF or PAC).",
    ),
    codebook_kinds={
        "id": "id",
        "integer": "integer",
        "number": "number",
        "category": "category",
        "text": "free text",
        "multi": "multiple choice (0/1)",
        "derived": "derived",
        "score": "scale score",
    },
    codebook_words={
        "title": "Codebook",
        "answered": "Answered",
        "empty": "(empty)",
        "missing": "missing",
        "mean": "mean",
        "sd": "sd",
        "min": "min",
        "quartiles": "quartiles",
        "max": "max",
        "weighted": "weighted",
        "unweighted": "Unweighted (no margins).",
        "hidden": "hidden",
        "distribution": "distribution",
        "suppressed": "suppressed",
    },
    codebook_head=("Variable", "Question", "Type", "Answer", "n", "Share", "Weighted share"),
    codebook_sheets={
        "variables": ("Variables", ("Variable", "Column", "Question", "Type", "Rows", "Answered",
                                    "Empty", "Missing")),
        "answers": ("Answers", ("Variable", "Code", "Answer", "n", "Share", "Weighted share")),
        "numbers": ("Numbers", ("Variable", "n", "Mean", "SD", "Min", "Q1", "Median", "Q3",
                                "Max", "Weighted mean")),
    },
    codebook_none_suppressed="No count is suppressed (min-n 0); the smallest and largest values "
    "are shown.",
    codebook_primary="<{min_n}: a count from 1 to {below} is not shown, nor its share (primary "
    "suppression).",
    codebook_secondary="{hidden}: not shown, so that a count under {min_n} cannot be worked out "
    "from the total (secondary suppression).",
    codebook_no_distribution="Numeric variables with fewer than {min_n} answers are shown "
    "without a distribution.",
    codebook_min_max="The smallest and largest values are single respondents' answers and are "
    "not shown (only with min-n 0).",
    codebook_rows="Rows read: {read} = used {used} + rejected {rejected}",
    codebook_weighted="Weighted (raking): design effect {deff}, effective n {n_effective}; n is "
    "unweighted",
    kinds={
        "measure_head": "Measure",
        "estimate_head": "Estimate",
        "se_head": "SE",
        "share": "share",
        "mean": "mean",
        "mean_scale": "mean ({low}–{high})",
        "median": "median",
        "quantile": "{q}% quantile",
        "pp": " pp",
        "default_mean": "{label}: mean {mean}",
        "default_distribution": "{label}: {answers}",
        "default_quantile": "{label}: {value}",
        "answer_part": "{pct} {answer}",
        "chart_means": "Means",
        "chart_distribution": "Answers",
        "mean_axis": "Mean",
        "mean_axis_scale": "Mean (scale {low}–{high})",
        "mean_alt": "Dot chart of means with 95% confidence intervals",
        "distribution_alt": "Stacked horizontal bar chart of the answers in percent",
        "distribution_axis": "Share of answers (%)",
        "higher": "significantly higher than the rest",
        "lower": "significantly lower than the rest",
        "higher_mark": "▲",
        "lower_mark": "▼",
        "contrast_note": "▲/▼: the group is significantly higher/lower than the rest of the "
        "respondents (adjusted p below {alpha}, {method}, across {n} contrasts).",
        "contrast_off": "The groups are not tested against the rest (run with --contrasts).",
        "tests_heading": "Tests of association",
        "tests_note": "Rao–Scott tests (F) of whether the answers are associated with {by}, "
        "with design-based variance on the weighted sample.",
        "test_line": "{label} by {by}: F = {f} ({ndf} and {ddf} degrees of freedom), p = {p}.",
        "mean_rule_note": "For means the limits are read as percent of the scale's length: on "
        "a scale from 0 to 10, {same} pp is {same_units} points and {small} pp {small_units} "
        "points; a mean without a known scale is judged on the adjusted p-value alone.",
        "mean_difference_note": "For a mean the difference is in the scale's own units.",
        "answers_note": "Each segment is an answer's share of those who answered, in "
        "percent; a narrow segment has no number (see the legend and the table).",
        "kinds_topic": "Means, distributions of answers and quantiles",
        "kinds_note": "A mean is the weighted mean among those in the target group who "
        "answered, in the question's own units (an answer scale is turned into its points); "
        "its interval uses the t distribution. A distribution shows each answer's weighted "
        "share; the shares add up to 100%. Quantiles (e.g. the median) have Woodruff "
        "intervals as in R's survey package.",
        "contrast_topic": "Groups against the rest",
        "contrast_method": "Each group is compared with the rest of the respondents in the "
        "same target group (e.g. 17-29 year olds against everyone else); the difference's "
        "standard error allows for the weighting, and the p-values are adjusted with {method} "
        "across {n} contrasts.",
    },
    contrast_head=("Indicator", "By", "Group", "In the group", "In the rest", "Difference",
                   "95% CI", "p", "p adjusted"),
    test_head=("Indicator", "By", "F", "ndf", "ddf", "p"),
    contrast_left_out={
        "contrasts_left_out": "contrasts with the rest left out",
        "tests_left_out": "tests left out",
        "suppressed": "suppressed",
        "empty": "no one in the group or the rest",
        "too_few": "fewer than two groups or answers",
        "undefined": "no variance",
    },
    attrition_head=("Item", "Category", "n answered again", "n left", "Answered again", "Left",
                    "Difference (pp; means: units)", "CI low", "CI high", "p", "p (adjusted)"),
    se_linked="The waves are linked: {k} panel members answered both in {prev} and {cur}. "
    "The change's standard error uses that their answers are related (linked "
    "waves), so it is smaller than if the waves were independent samples.",
    se_independent="The change's standard error treats the waves as independent samples.",
    job_steps={
        "read": "Data read, checked and weighted",
        "estimated": "Indicators estimated",
        "compared": "Compared with baselines",
        "previous": "Previous wave estimated",
        "factbox": "Fact box written",
        "folder": "Folder written",
    },
    wave_names={"previous": "previous wave", "current": "this wave"},
    page=_ENGLISH_PAGE,
    cli=_ENGLISH_CLI,
)  # fmt: skip

CATALOGUE: Mapping[Lang, Texts] = {Lang.DA: DANISH, Lang.EN: ENGLISH}


def texts(lang: Lang) -> Texts:
    """The catalogue of ``lang``."""
    return CATALOGUE[Lang(lang)]


def verdict_text(verdict: Verdict, lang: Lang) -> str:
    """The verdict as words: ``"ca. på niveau med"``, ``"lidt under"``, …"""
    return texts(lang).verdict[Verdict(verdict)]


def change_text(verdict: Verdict, lang: Lang) -> str:
    """A wave change as words: ``"stort set uændret"``, ``"steget lidt"``, …"""
    return texts(lang).change[Verdict(verdict)]
