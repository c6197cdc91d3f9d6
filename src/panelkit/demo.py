"""The bundled demo: a synthetic Amager Øst citizen-panel survey and its files.

The generator mimics a SurveyXact export of the 2022 borgerpanel survey for the
Amager Øst district plan (about 1,340 answers). Every respondent is invented.
The panel is skewed the way real panels are (more women, more people aged 65+,
fewer aged 17-29 than live in the district), and the answers depend on age
group and sex only, so that weighting to the population margins moves the
estimates to the population rates in :data:`DEMO_TARGETS`.

Only ``Generator.random`` (uniform doubles, the most stable of numpy's streams)
is used: every other draw is made from uniforms by thresholds, so the bytes
stay the same across numpy versions as far as numpy allows.

The questions added later (life satisfaction, the three-item loneliness scale and
the feeling of safety) are drawn from a second generator seeded from the same seed
(:func:`_extra_rng`), so adding them left every earlier column's bytes unchanged.
They follow the same common mood as the other answers; the feeling of safety also
depends on the area (the villa quarter feels safest) and sex.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

# The shipped files' names and places: in the light module `bundled`, so that the CLI
# finds the demo without loading numpy and pandas.
from panelkit.bundled import (
    CURRENT_LABEL,
    DATA_NAME,
    PREVIOUS_DATA_NAME,
    PREVIOUS_LABEL,
    DemoFiles,
    bundled_demo,
    demo_layout,
)
from panelkit.errors import SettingsError

# Of the seeds 20220901-20221200 (the survey ran August-September 2022), the one whose
# 1,340 respondents, raked to the margins, land closest to the published figures:
# 22, 26, 89, 23 and 15 pct. (all within 0.7 points). Other seeds scatter by sampling error.
DEMO_SEED = 20221105
DEMO_SIZE = 1340

# A demo project also holds last year's wave of the same panel (linked, formats §9), so
# the report's wave-on-wave section has something to show: 80 % as many respondents, of
# whom this year's half answered again; a person's answers correlate across the waves.
PREVIOUS_SHARE = 0.8
LINKED_SHARE = 0.5  # of this wave's respondents, those who answered last year too
_SAME_ANSWER = 0.6  # chance a linked member gives last year the answer of this year

# Population rates the design is tuned to, by indicator id: the share answering "yes"
# among those who answered, in the population of the margins file. Five are the figures
# the district plan publishes; `lonely` (all ages) and `lonely_ucla` (7-9 on the
# three-item loneliness scale, near the health profile's 12-13 pct.) are not published
# and are what the design implies.
DEMO_TARGETS: Mapping[str, float] = MappingProxyType(
    {
        "miss_community": 0.22,
        "want_information": 0.25,
        "help_neighbour": 0.89,
        "lonely_17_29": 0.23,
        "lonely": 0.16,
        "lonely_ucla": 0.125,
        "poor_health": 0.15,
    }
)

AREAS = ("Amagerbro Øst", "Nordøstamager", "Sundbyøster", "Villakvartererne")
LIKERT = ("Meget enig", "Enig", "Hverken enig eller uenig", "Uenig", "Meget uenig")
DONT_KNOW = "Ved ikke"
HEALTH = ("Fremragende", "Vældig godt", "Godt", "Mindre godt", "Dårligt")  # SF-1 wording
INFO_OPTIONS = ("Lokalavis", "Facebook", "Biblioteket", "Kulturhuset", "Opslag i opgangen")

# Respondents are drawn into eight age group × sex cells, in this order:
# 17-29 Mand, 17-29 Kvinde, 30-44 Mand, ..., 65+ Kvinde (sex is exported as code 1 or 2).
# Who is in the panel, per cell: 60 % women; 12 % aged 17-29 (28 % of the population),
# 31 % aged 65+ (17 % of the population).
_PANEL_CELLS = np.array([0.045, 0.075, 0.095, 0.145, 0.135, 0.195, 0.125, 0.185])

# Where panel members live, by age group (rows: 17-29 .. 65+) over AREAS: the villa
# quarter is over-represented, more so among the old; raking on area corrects it.
_PANEL_AREA = np.array(
    [
        [0.48, 0.14, 0.22, 0.16],
        [0.40, 0.15, 0.23, 0.22],
        [0.30, 0.12, 0.25, 0.33],
        [0.27, 0.11, 0.25, 0.37],
    ]
)

# Ages in years of each group. No 15-16 year olds: the panel (and the schema) is 17+.
_AGE_RANGES = ((17, 29), (30, 44), (45, 64), (65, 95))

# P(yes) per cell. Weighted by the margins' cells these give DEMO_TARGETS (within
# 0.002); the panel's skew pulls the unweighted shares away from them (up to 3 points).
_P_MISS = np.array([0.25, 0.29, 0.20, 0.22, 0.17, 0.19, 0.19, 0.23])
_P_INFO = np.array([0.27, 0.31, 0.25, 0.26, 0.20, 0.22, 0.21, 0.25])
_P_HELP = np.array([0.83, 0.88, 0.88, 0.92, 0.90, 0.93, 0.87, 0.90])
_P_LONELY = np.array([0.20, 0.26, 0.13, 0.15, 0.11, 0.13, 0.12, 0.15])
_P_POOR_HEALTH = np.array([0.08, 0.10, 0.11, 0.13, 0.17, 0.19, 0.25, 0.27])


@dataclass(frozen=True)
class _LikertItem:
    column: str
    p_yes: np.ndarray
    strong: float  # share of "yes" that is "Meget enig"
    neutral: float  # share of "no" that is "Hverken enig eller uenig"
    disagree: float  # share of "no" that is "Uenig" (the rest: "Meget uenig")
    shared: float  # chance the answer follows the respondent's common mood (correlation)
    flip: bool  # True: follows the opposite of the mood (helping is the good end)
    dont_know: float
    blank: float


# The matrix question q_7 ("Hvor enig eller uenig er du i følgende udsagn?").
_ITEMS = (
    _LikertItem("q_7_1", _P_HELP, 0.55, 0.60, 0.30, 0.20, True, 0.02, 0.010),
    _LikertItem("q_7_2", _P_LONELY, 0.30, 0.25, 0.40, 0.50, False, 0.04, 0.015),
    _LikertItem("q_7_3", _P_MISS, 0.30, 0.30, 0.40, 0.50, False, 0.05, 0.015),
    _LikertItem("q_7_4", _P_INFO, 0.30, 0.45, 0.35, 0.30, False, 0.07, 0.015),
)
_HEALTH_BLANK = 0.015

# q_5 "Hvor tilfreds er du alt i alt med dit liv for tiden?" (0-10). The district's answers
# (mean about 7.5) tilted per age group (17-29 .. 65+): the young a little less satisfied.
_LIFE_BASE = np.array([0.01, 0.01, 0.02, 0.02, 0.03, 0.06, 0.09, 0.19, 0.29, 0.16, 0.12])
_LIFE_TILT = np.array([-0.30, -0.10, 0.0, 0.15])
_LIFE_P = _LIFE_BASE * np.exp(_LIFE_TILT[:, None] * (np.arange(11) - 7) / 3)
_LIFE_BLANK = 0.03

# q_6: the Three-Item Loneliness Scale (T-ILS), "Hvor tit føler du ...". Per item, P(Ofte) and
# P(En gang imellem) per age group × sex cell: the young and women are lonelier.
LONELY_ANSWERS = ("Sjældent eller aldrig", "En gang imellem", "Ofte")
_LONELY_OFTEN = np.array([0.17, 0.21, 0.10, 0.11, 0.09, 0.10, 0.11, 0.15])
_LONELY_SOMETIMES = np.array([0.36, 0.38, 0.28, 0.30, 0.25, 0.27, 0.27, 0.31])
_LONELY_ITEMS = (("q_6_1", 1.0), ("q_6_2", 0.8), ("q_6_3", 0.9))  # column, factor on P(Ofte)
_LONELY_SHARED = 0.65  # the three items follow the common mood often: a scale, not noise
_LONELY_DONT_KNOW, _LONELY_BLANK = 0.01, 0.02

# q_8 "Hvor tryg føler du dig i dit nærområde?" (worst first, as in the schema).
SAFE = ("Meget utryg", "Utryg", "Hverken tryg eller utryg", "Tryg", "Meget tryg")
_SAFE_BASE = np.array([0.02, 0.06, 0.12, 0.45, 0.35])
# Tilt towards "Meget tryg" per area (AREAS), sex (Mand, Kvinde) and age group.
_SAFE_AREA = np.array([-0.30, -0.10, 0.0, 0.35])
_SAFE_SEX = np.array([0.15, -0.15])
_SAFE_AGE = np.array([0.0, 0.05, 0.0, -0.15])
_SAFE_TILT = (
    _SAFE_AREA[:, None, None] + _SAFE_AGE[None, :, None] + _SAFE_SEX[None, None, :]
).reshape(-1)  # row area * 8 + cell, cell = age group * 2 + sex
_SAFE_P = _SAFE_BASE * np.exp(_SAFE_TILT[:, None] * (np.arange(5) - 2))
_SAFE_DONT_KNOW, _SAFE_BLANK = 0.03, 0.01
_INFO_BLANK = 0.03  # skipped the whole multiple-choice question: all its columns empty
# P(option chosen), for those who want more information and for the others, times an age
# factor per group (the young use Facebook, the old the local paper).
_INFO_P_YES = np.array([0.35, 0.45, 0.30, 0.28, 0.22])
_INFO_P_NO = np.array([0.12, 0.18, 0.08, 0.07, 0.09])
_INFO_AGE = np.array(
    [
        [0.5, 1.3, 1.0, 1.0, 1.0],
        [0.8, 1.2, 1.0, 1.0, 1.0],
        [1.1, 0.9, 1.0, 1.0, 1.0],
        [1.4, 0.6, 1.0, 1.0, 1.0],
    ]
)

_COMMENT_RATE = 0.22
_SPECIAL_SHARE = 0.04  # of comments: formula-like or personal, to exercise the defences

# Free-text answers: personal data that must never reach an output. Some carry ";" and
# '"' so the export needs CSV quoting; all are plain cp1252.
_COMMENTS = np.array(
    [
        "Flere bænke langs Amager Strandpark, især til ældre",
        "Der mangler et sted, hvor unge kan mødes om aftenen",
        "Lergravsvej er farlig at cykle på i myldretiden",
        "Tak for en god bydel at bo i",
        "Jeg savner et fælleshus i Nordøstamager",
        "Mere grønt på Prags Boulevard; færre parkerede biler",
        "Kulturhuset kunne have flere arrangementer i weekenden",
        "Biblioteket er et godt sted at møde andre",
        "Jeg har boet her i 40 år og kender næsten ingen af mine naboer længere",
        "Det er svært at finde information om foreninger i området",
        "Bedre belysning på stierne i Kløvermarken",
        "Flere fællesspisninger – det er en god måde at lære folk at kende",
        'Vi har brug for et "rigtigt" medborgerhus',
        "Skybrudssikringen skal også tænke på legepladser",
        "Der er for meget larm fra byggepladserne",
        "Hold Amagerbrogade ren og pæn",
        "Gode initiativer, men de når ikke ud til os ældre",
        "Lokalavisen skriver for lidt om hvad der sker i bydelen",
        "Mere kunst i byrummet, gerne lavet af lokale",
        "Jeg vil gerne være frivillig, men ved ikke hvor jeg skal henvende mig",
        "Opslag i opgangen virker bedre end Facebook for mange i min opgang",
        "Flere idrætstilbud til voksne, ikke kun til børn",
        "Villakvartererne bliver glemt i planerne",
        "Sundbyøster Plads trænger til en kærlig hånd",
        "Ved ikke",
        "Ingen kommentarer",
        "Fint spørgeskema, men lidt langt",
        "Cykelparkering ved metroen er et kaos",
        "Naboskabet i vores gård er blevet meget bedre efter gårdfesten",
        "Hvorfor lukker den lokale café?",
    ],
    dtype=object,
)
# Half the comments end there; the rest get one of the other endings.
_COMMENT_TAIL_P = np.array([7.0] + [1.0] * 7)
_COMMENT_TAILS = np.array(
    [
        "",
        " Tak.",
        " Mvh en glad borger",
        " Det håber jeg, I vil se på.",
        " Det har jeg skrevet før.",
        " Venlig hilsen",
        " …",
        " Især om vinteren.",
    ],
    dtype=object,
)
_SPECIAL_COMMENTS = np.array(
    [
        '=HYPERLINK("http://example.com/forslag";"Se mit forslag")',
        "=1+1",
        "+45 12 34 56 78 – ring gerne, så fortæller jeg mere",
        "+ flere skraldespande ved stranden",
        "-mere lys på stierne om aftenen",
        "@lokaludvalget: skriv til mig på jens.hansen@example.dk",
        "Jeg hedder Mette Jensen og bor på Holmbladsgade 1, 2. th.",
    ],
    dtype=object,
)

_SEX_CODES = np.array(["1", "2"], dtype=object)
_BINARY = np.array(["0", "1"], dtype=object)
_AGE_TEXT = np.array([str(a) for a in range(111)], dtype=object)
_FIRST_ID = 100001
_INVALID_AREA = "Islands Brygge"  # a real place, but in Amager Vest: not an area of the schema


def demo_frame(n: int = DEMO_SIZE, seed: int = DEMO_SEED, *, invalid_rows: int = 0) -> pd.DataFrame:
    """The raw export as SurveyXact gives it: raw column names, every value a string.

    An empty string is an empty cell. ``invalid_rows`` overwrites that many rows,
    spread over the file, with a problem each (in turn: age 7, an unknown area,
    a repeated respondent id); the other rows are unchanged.
    """
    return pd.DataFrame(_columns(n, seed, invalid_rows), dtype=object)


def demo_export_bytes(n: int = DEMO_SIZE, seed: int = DEMO_SEED, *, invalid_rows: int = 0) -> bytes:
    """The export file SurveyXact writes: ``;``-separated, cp1252, CRLF, one header line."""
    return _export_bytes(_columns(n, seed, invalid_rows))


def _export_bytes(columns: Mapping[str, np.ndarray]) -> bytes:
    # Joined by hand: about three times faster than DataFrame.to_csv for a million rows,
    # with the same bytes as csv.writer (the tests compare them).
    lines = [";".join(_csv_quoted(np.array(list(columns), dtype=object)))]
    lines += [";".join(row) for row in zip(*map(_csv_quoted, columns.values()), strict=True)]
    lines.append("")  # the last line ends with CRLF too
    return "\r\n".join(lines).encode("cp1252")


# --------------------------------------------------------------------------- demo project


def previous_wave_bytes(n: int = DEMO_SIZE, seed: int = DEMO_SEED) -> bytes:
    """The demo's 2021 wave: a linked wave of the same panel (:func:`_previous_columns`)."""
    return _export_bytes(_previous_columns(n, seed))


def write_demo_project(
    directory: Path, *, n: int = DEMO_SIZE, seed: int = DEMO_SEED, force: bool = False
) -> DemoFiles:
    """Write a ready-to-run project into ``directory``: export, data files, ``panelkit.yaml``.

    The export is generated with ``n`` and ``seed``; the other files are copies of the
    shipped ones. Refuses a directory that has anything in it unless ``force``; then
    only the demo's own files are overwritten.
    """
    from panelkit.files import write_bytes_atomic, write_text_atomic

    directory = Path(directory)
    if directory.exists():
        if not directory.is_dir():
            raise SettingsError(
                f"{directory}: is a file, not a folder; choose a folder for the demo"
            )
        if not force and any(directory.iterdir()):
            raise SettingsError(
                f"{directory}: folder is not empty; choose an empty or new folder, "
                "or use --force to write the demo files into it"
            )
    export = demo_export_bytes(n, seed)  # before writing anything, so a bad n writes nothing
    previous = previous_wave_bytes(n, seed)
    shipped = bundled_demo()
    target = demo_layout(directory, data=directory / "data" / DATA_NAME)
    previous_path = directory / "data" / PREVIOUS_DATA_NAME
    project_file = directory / "panelkit.yaml"
    _check_replaceable(
        directory,
        (target.data, previous_path, target.schema, target.margins, target.indicators,
         target.baselines, project_file, directory / "demo.run.json"),
    )  # fmt: skip
    write_bytes_atomic(target.data, export)
    write_bytes_atomic(previous_path, previous)
    for source, dest in (
        (shipped.schema, target.schema),
        (shipped.margins, target.margins),
        (shipped.indicators, target.indicators),
        (shipped.baselines, target.baselines),
    ):
        write_bytes_atomic(dest, source.read_bytes())
    write_text_atomic(project_file, _project_yaml(target, directory, n, seed, previous_path))
    _write_record(directory, (target.data, previous_path, target.schema, target.margins,
                              target.indicators, target.baselines, project_file), n, seed)  # fmt: skip
    return DemoFiles(
        data=target.data,
        schema=target.schema,
        margins=target.margins,
        indicators=target.indicators,
        baselines=target.baselines,
        project_file=project_file,
        previous=previous_path,
    )


def _check_replaceable(directory: Path, targets: tuple[Path, ...]) -> None:
    """Refuse before writing anything when a file the demo would write is not one an
    earlier ``panelkit demo`` wrote there, unchanged (its ``demo.run.json`` lists it with
    the same SHA-256): ``--force`` replaces only the demo's own files."""
    import json

    from panelkit.files import sha256_file

    record = directory / "demo.run.json"
    own: dict[str, str] = {}
    try:
        data = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else {}
        if isinstance(data, dict) and data.get("command") == "demo":
            own = {
                str(o["file"]): str(o["sha256"])
                for o in data.get("outputs", [])
                if isinstance(o, dict) and "file" in o and "sha256" in o
            }
    except (OSError, ValueError, RecursionError):
        own = {}
    for path in targets:
        if path == record or not (path.exists() or path.is_symlink()):
            continue
        name = path.relative_to(directory).as_posix()
        if not path.is_file() or path.is_symlink() or own.get(name) != sha256_file(path):
            raise SettingsError(
                f"{path}: exists and is not the file an earlier `panelkit demo` wrote there; "
                "--force replaces only the demo's own files, so move it away or choose "
                "another folder"
            )


def _write_record(directory: Path, written: tuple[Path, ...], n: int, seed: int) -> None:
    """``demo.run.json``: what the command wrote, so ``panelkit verify DIR`` can check it."""
    from panelkit import __version__
    from panelkit.audit import run_record, source_date
    from panelkit.files import write_bytes_atomic

    outputs = {path.relative_to(directory).as_posix(): path.read_bytes() for path in written}
    record = run_record(
        command="demo",
        version=__version__,
        inputs=(),
        outputs=outputs,
        settings={"n": n, "seed": seed},
        survey=None,
        created=source_date(),
    )
    write_bytes_atomic(directory / "demo.run.json", record)


def _project_yaml(files: DemoFiles, root: Path, n: int, seed: int, previous: Path) -> str:
    def rel(path: Path) -> str:
        return path.relative_to(root).as_posix()

    n_previous = max(1, round(n * PREVIOUS_SHARE))

    return (
        "# panelkit project: the synthetic Amager Øst borgerpanel demo (invented respondents).\n"
        f"# Export generated by `panelkit demo` with n={n}, seed={seed}. Paths are relative\n"
        "# to this file; commands run in this folder take their files from here.\n"
        f"data: {rel(files.data)}\n"
        f"schema: {rel(files.schema)}\n"
        f"margins: {rel(files.margins)}\n"
        f"indicators: {rel(files.indicators)}\n"
        f"baselines: {rel(files.baselines)}\n"
        "out: output\n"
        f'label: "{CURRENT_LABEL}"\n'
        f"# Last year's wave of the same panel (n={n_previous}; about half of this year's\n"
        "# respondents answered it too): `panelkit report` shows the change, its SE from\n"
        "# the members who answered both (linked: true, the schema's id).\n"
        "previous:\n"
        f"  data: {rel(previous)}\n"
        f"  schema: {rel(files.schema)}\n"
        f"  margins: {rel(files.margins)}\n"
        f'  label: "{PREVIOUS_LABEL}"\n'
        "  linked: true\n"
    )


# --------------------------------------------------------------------------- generation


def _columns(n: int, seed: int, invalid_rows: int) -> dict[str, np.ndarray]:
    """The export's columns in the platform's order, as object arrays of str."""
    n = _whole(n, "demo size (respondents)", 1)
    invalid_rows = _whole(invalid_rows, "invalid rows", 0, n - 1)
    rng = np.random.default_rng(seed)
    cell = _choose(rng.random(n), _PANEL_CELLS)
    group = cell // 2
    area = _choose(rng.random(n), _PANEL_AREA, group)
    age = _ages(rng.random(n), group)
    ids = np.arange(_FIRST_ID, _FIRST_ID + n)
    columns = _answers(rng, _extra_rng(seed), ids, cell, area, age)
    if invalid_rows:
        _plant_invalid(columns, invalid_rows)
    return columns


def _answers(
    rng: np.random.Generator,
    extra: np.random.Generator,
    ids: np.ndarray,
    cell: np.ndarray,
    area: np.ndarray,
    age: np.ndarray,
) -> dict[str, np.ndarray]:
    """The columns of these respondents (their id, cell, area and age given)."""
    n = len(cell)
    group = cell // 2
    mood = rng.random(n)  # shared by the items: lonely people also miss community, etc.
    columns: dict[str, np.ndarray] = {
        "respondent": ids.astype(str).astype(object),
        "s_1": _SEX_CODES[cell % 2],
        "s_2": _AGE_TEXT[age],
        "s_3": np.array(AREAS, dtype=object)[area],
        "q_4": _health(rng, cell, mood),
    }
    agrees = {}
    for item in _ITEMS:
        columns[item.column], agrees[item.column] = _likert(rng, item, cell, mood)
    # Those who want more information about communities tick more places to get it.
    for option, values in enumerate(_info_choices(rng, group, agrees["q_7_4"])):
        columns[f"q_9_{option + 1}"] = values
    columns["q_10"] = _comments(rng, n)
    columns.update(_later_questions(extra, cell, area, mood))
    order = ["respondent", "s_1", "s_2", "s_3", "q_4", "q_5", "q_6_1", "q_6_2", "q_6_3"]
    order += [item.column for item in _ITEMS] + ["q_8"]
    order += [f"q_9_{option + 1}" for option in range(len(INFO_OPTIONS))] + ["q_10"]
    return {name: columns[name] for name in order}  # the questionnaire's order


def _previous_columns(n: int, seed: int) -> dict[str, np.ndarray]:
    """Last year's wave of the same panel (formats §9): ``PREVIOUS_SHARE`` · n respondents,
    of whom about ``LINKED_SHARE`` · n are this wave's respondents a year younger (same
    id, sex and area; each answer the same as this year's with chance ``_SAME_ANSWER``, so
    a person's answers correlate across the waves) and the rest members who have left
    since (ids after this wave's). Drawn from ``default_rng([seed, 2])``; this wave's
    export does not change."""
    n = _whole(n, "demo size (respondents)", 1)
    now = _columns(n, seed, 0)
    rng = np.random.default_rng([seed, 2])
    n_previous = max(1, round(n * PREVIOUS_SHARE))
    age_now = now["s_2"].astype(np.intp)
    # Only those who were 17 or older a year ago can have answered then.
    eligible = np.flatnonzero(age_now > _AGE_RANGES[0][0])
    order = np.argsort(rng.random(len(eligible)), kind="stable")
    stayed = np.sort(eligible[order[: min(round(n * LINKED_SHARE), n_previous, len(eligible))]])
    left = n_previous - len(stayed)
    # Those who left since: drawn as any panel member; then those who answered again.
    cell_left = _choose(rng.random(left), _PANEL_CELLS)
    area_left = _choose(rng.random(left), _PANEL_AREA, cell_left // 2)
    age_left = _ages(rng.random(left), cell_left // 2)
    age = np.concatenate([age_now[stayed] - 1, age_left])
    sex = np.concatenate([(now["s_1"][stayed] == _SEX_CODES[1]).astype(np.intp), cell_left % 2])
    group = np.searchsorted([low for low, _ in _AGE_RANGES], age, side="right") - 1
    area_now = pd.Index(AREAS).get_indexer(pd.Index(now["s_3"][stayed]))
    area = np.concatenate([area_now, area_left])
    ids = np.concatenate([stayed + _FIRST_ID, np.arange(_FIRST_ID + n, _FIRST_ID + n + left)])
    columns = _answers(rng, np.random.default_rng([seed, 3]), ids, group * 2 + sex, area, age)
    same = rng.random((len(columns), len(stayed))) < _SAME_ANSWER
    for k, name in enumerate(columns):
        if name.startswith("q_") and name != "q_10":  # never a comment twice
            columns[name][: len(stayed)] = np.where(
                same[k], now[name][stayed], columns[name][: len(stayed)]
            )
    return columns


def _whole(value: object, what: str, low: int, high: int | None = None) -> int:
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        number = None
    if isinstance(value, bool) or number is None or number < low:
        raise SettingsError(f"{what}: expected a whole number of at least {low}, got {value!r}")
    if high is not None and number > high:
        raise SettingsError(f"{what}: expected at most {high} (fewer than the rows), got {value!r}")
    return number


def _choose(u: np.ndarray, probs: np.ndarray, row: np.ndarray | None = None) -> np.ndarray:
    """The category each uniform falls in (inverse CDF).

    ``probs`` is one probability vector, or a table whose row ``row[i]`` holds
    respondent i's probabilities.
    """
    cdf = np.cumsum(probs, axis=-1)
    cdf = cdf[..., :-1] / cdf[..., -1:]
    if row is not None:
        cdf = cdf[row]
    return (u[:, None] >= cdf).sum(axis=1)


def _ages(u: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Age in years within each respondent's age group; rates depend on the group only."""
    age = np.empty(len(group), dtype=np.intp)
    for g, (low, high) in enumerate(_AGE_RANGES):
        years = np.arange(low, high + 1)
        weight = np.ones(len(years))
        if low == 17:
            weight[years < 20] = 0.5  # few 17-19 year olds sign up
        if high == 95:
            weight = np.exp(-(years - low) / 10.0)  # fewer of the oldest
        mask = group == g
        age[mask] = years[_choose(u[mask], weight)]
    return age


def _latent(rng: np.random.Generator, mood: np.ndarray, shared: float, flip: bool) -> np.ndarray:
    """A uniform per respondent that equals the common mood with chance ``shared``.

    Still exactly uniform, so P(u < p) = p for every item, yet the items correlate.
    """
    follow = rng.random(len(mood)) < shared
    own = rng.random(len(mood))
    return np.where(follow, 1.0 - mood if flip else mood, own)


def _missing(
    rng: np.random.Generator, n: int, dont_know: float, blank: float
) -> tuple[np.ndarray, np.ndarray]:
    # Independent of everything, so those who answer are a random part of each cell.
    v = rng.random(n)
    return v < dont_know, (v >= dont_know) & (v < dont_know + blank)


def _likert(
    rng: np.random.Generator, item: _LikertItem, cell: np.ndarray, mood: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One statement's answers, and who agreed (for the follow-up question)."""
    p = item.p_yes
    no = 1.0 - p
    probs = np.column_stack(
        [
            p * item.strong,
            p * (1.0 - item.strong),
            no * item.neutral,
            no * item.disagree,
            no * (1.0 - item.neutral - item.disagree),
        ]
    )
    code = _choose(_latent(rng, mood, item.shared, item.flip), probs, cell)
    answers = np.array(LIKERT, dtype=object)[code]
    dont_know, blank = _missing(rng, len(cell), item.dont_know, item.blank)
    answers[dont_know] = DONT_KNOW
    answers[blank] = ""
    return answers, (code <= 1) & ~dont_know & ~blank


def _health(rng: np.random.Generator, cell: np.ndarray, mood: np.ndarray) -> np.ndarray:
    p = _P_POOR_HEALTH
    good = 1.0 - p
    # Worst first, so a low mood (lonely, missing community) goes with poorer health.
    probs = np.column_stack([p * 0.22, p * 0.78, good * 0.43, good * 0.40, good * 0.17])
    code = _choose(_latent(rng, mood, 0.30, False), probs, cell)
    answers = np.array(HEALTH[::-1], dtype=object)[code]
    _, blank = _missing(rng, len(cell), 0.0, _HEALTH_BLANK)
    answers[blank] = ""
    return answers


def _extra_rng(seed: int) -> np.random.Generator:
    """The generator of the later questions: its own stream from the same seed, so the
    earlier columns (drawn from ``default_rng(seed)``) are as they always were."""
    return np.random.default_rng([seed, 1])


def _later_questions(
    rng: np.random.Generator, cell: np.ndarray, area: np.ndarray, mood: np.ndarray
) -> dict[str, np.ndarray]:
    """Life satisfaction (q_5), the three loneliness items (q_6_1-3) and safety (q_8)."""
    n = len(cell)
    out: dict[str, np.ndarray] = {}
    # A low mood goes with low satisfaction: values in rising order, the mood's low end first.
    code = _choose(_latent(rng, mood, 0.45, False), _LIFE_P, cell // 2)
    life = _AGE_TEXT[code].copy()
    _, blank = _missing(rng, n, 0.0, _LIFE_BLANK)  # skipped, never "Ved ikke": a number
    life[blank] = ""
    out["q_5"] = life
    answers = np.array(LONELY_ANSWERS[::-1], dtype=object)  # "Ofte" first: the low mood end
    for column, factor in _LONELY_ITEMS:
        often = _LONELY_OFTEN * factor
        probs = np.column_stack([often, _LONELY_SOMETIMES, 1.0 - often - _LONELY_SOMETIMES])
        values = answers[_choose(_latent(rng, mood, _LONELY_SHARED, False), probs, cell)]
        dont_know, blank = _missing(rng, n, _LONELY_DONT_KNOW, _LONELY_BLANK)
        values[dont_know], values[blank] = DONT_KNOW, ""
        out[column] = values
    safe = np.array(SAFE, dtype=object)[
        _choose(_latent(rng, mood, 0.25, False), _SAFE_P, area * 8 + cell)
    ]
    dont_know, blank = _missing(rng, n, _SAFE_DONT_KNOW, _SAFE_BLANK)
    safe[dont_know], safe[blank] = DONT_KNOW, ""
    out["q_8"] = safe
    return out


def _info_choices(
    rng: np.random.Generator, group: np.ndarray, want_info: np.ndarray
) -> list[np.ndarray]:
    n = len(group)
    skipped = rng.random(n) < _INFO_BLANK
    base = np.where(want_info[:, None], _INFO_P_YES, _INFO_P_NO)
    probs = np.minimum(base * _INFO_AGE[group], 0.95)
    out = []
    for option in range(len(INFO_OPTIONS)):
        values = _BINARY[(rng.random(n) < probs[:, option]).astype(np.intp)]
        values[skipped] = ""
        out.append(values)
    return out


def _comments(rng: np.random.Generator, n: int) -> np.ndarray:
    u, pick, tail = rng.random(n), rng.random(n), rng.random(n)
    out = np.full(n, "", dtype=object)
    special = u < _COMMENT_RATE * _SPECIAL_SHARE
    ordinary = (u < _COMMENT_RATE) & ~special
    first = _COMMENTS[_choose(pick[ordinary], np.ones(len(_COMMENTS)))]
    out[ordinary] = first + _COMMENT_TAILS[_choose(tail[ordinary], _COMMENT_TAIL_P)]
    out[special] = _SPECIAL_COMMENTS[_choose(pick[special], np.ones(len(_SPECIAL_COMMENTS)))]
    return out


def _plant_invalid(columns: dict[str, np.ndarray], k: int) -> None:
    n = len(columns["respondent"])
    # Spread over the file, never the first row (a repeated id needs a row before it).
    rows = 1 + (np.arange(k) * (n - 1)) // k
    for i, row in enumerate(rows):
        kind = i % 3
        if kind == 0:
            columns["s_2"][row] = "7"
        elif kind == 1:
            columns["s_3"][row] = _INVALID_AREA
        else:
            columns["respondent"][row] = columns["respondent"][row - 1]


# --------------------------------------------------------------------------- CSV


def _csv_quoted(values: np.ndarray) -> np.ndarray:
    """Quote the values that need it as csv.QUOTE_MINIMAL does (``;``, ``"``, CR or LF)."""
    if not _needs_quotes("".join(values)):  # one cheap scan per column
        return values
    # Columns that need it (free text) hold few distinct values: quote each once.
    quoted = {v: '"' + v.replace('"', '""') + '"' for v in pd.unique(values) if _needs_quotes(v)}
    return np.array([quoted.get(v, v) for v in values], dtype=object)


def _needs_quotes(text: str) -> bool:
    return any(c in text for c in ';"\r\n')
