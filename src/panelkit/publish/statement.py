"""The accessibility statement draft of a report folder (``tilgaengelighed.md``).

It says what was checked, with which tool and version, and what automatic checks
do not cover; the public body completes and publishes it. The words are in
:mod:`panelkit.publish.words`; the tool's version is pinned here, and the
browser tests (``tests/browser.py``) install exactly this version.
"""

from __future__ import annotations

from panelkit.publish.words import texts
from panelkit.results import Lang

STATEMENT_FILE = "tilgaengelighed.md"
AXE_VERSION = "4.14.1"
AXE_RULES = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")


def statement_markdown(title: str, version: str, lang: Lang, *, pdf: bool = False) -> str:
    """The draft as Markdown, one blank line between paragraphs (list items kept together);
    ``pdf``: the folder has report.pdf, which the lists of what was and was not checked name."""
    fields = {
        "title": title,
        "version": version,
        "tool": f"axe-core {AXE_VERSION}",
        "rules": ", ".join(AXE_RULES),
    }
    t = texts(lang)
    parts = list(t.statement)
    if pdf:  # each item last in its list: before the second and the third heading
        heads = [i for i, part in enumerate(parts) if part.startswith("## ")]
        parts.insert(heads[2], t.statement_pdf[1])
        parts.insert(heads[1], t.statement_pdf[0])
    out: list[str] = []
    for part in parts:
        line = part.format(**fields)
        if out and not (line.startswith("- ") and out[-1].startswith("- ")):
            out.append("")
        out.append(line)
    return "\n".join(out) + "\n"
