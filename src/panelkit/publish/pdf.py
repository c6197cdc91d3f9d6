"""The report as a PDF (``report.pdf``): the report page laid out for print by WeasyPrint.

The PDF is the same HTML as ``index.html`` (:func:`panelkit.publish.html.report_html`),
with the charts as SVG, so they stay vector graphics with real text, and a print
style sheet of its own: A4 pages numbered "1 / N", DejaVu Sans (embedded), no
hyphenation (a word split at a line end would no longer be found by a search), and
tables and charts sized to the page. It is tagged as PDF/UA-1 (WeasyPrint's
structure tree, the charts' alt texts as ``/Alt``).

The same content gives the same bytes: the only date is the report's own
(``SOURCE_DATE_EPOCH``, none without it), and the document identifier is a hash of
the page (style sheet included) rather than a random one.

WeasyPrint needs the Pango library (a system package): :func:`check_pdf_support`
says what to install before a report does any work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from panelkit.errors import DependencyError
from panelkit.publish import palette

if TYPE_CHECKING:
    from panelkit.publish.charts import Chart
    from panelkit.publish.content import ReportContent

PDF_VARIANT = "pdf/ua-1"
INSTALL = (
    "report --pdf needs WeasyPrint and the Pango library; install them with: "
    "apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core "
    "(and pip install weasyprint)"
)

# After the page's own CSS in its <style> (WeasyPrint's user style sheets would lose to
# the page's rules); its @media print rules apply too. Rem units follow the root size,
# so one size here scales the whole page down to print.
_PRINT_CSS = f"""
@page {{
  size: A4;
  margin: 16mm 15mm 18mm;
  @bottom-center {{
    content: counter(page) " / " counter(pages);
    font: 8pt "DejaVu Sans", sans-serif;
    color: {palette.MUTED};
  }}
}}
html {{ font-size: 9pt; }}
body {{ font-family: "DejaVu Sans", sans-serif; font-size: 9pt; line-height: 1.4; }}
* {{ hyphens: manual !important; }}
h1 {{ font-size: 18pt; }}
h2 {{ font-size: 14pt; margin-top: 1.2rem; }}
h3 {{ font-size: 11pt; }}
h3 + p.small {{ break-after: avoid; }}  /* a breakdown's question stays with its chart */
p, li {{ max-width: none; }}
figure {{ margin: .6rem 0 1rem; }}
figure img {{ width: auto; height: auto; max-width: 100%; max-height: 200mm; }}
figcaption {{ max-width: none; }}
/* Small enough that the widest table (a breakdown's five groups and all) fits A4. */
table {{ width: 100%; min-width: 0; font-size: 7.5pt; }}
th, td {{ padding: .15rem .3rem .15rem .6rem; overflow-wrap: break-word; }}
th.num {{ white-space: normal; }}
tbody th, td.ref, td.test {{ min-width: 0; }}
.contrast {{ max-width: none; }}
thead {{ display: table-header-group; }}
"""


def check_pdf_support() -> None:
    """Raise :class:`DependencyError` (saying what to install) unless WeasyPrint and
    Pango can be loaded."""
    try:
        import weasyprint  # noqa: F401  (loads Pango through cffi when imported)
    except (ImportError, OSError):
        raise DependencyError(INSTALL) from None


def report_pdf(content: ReportContent, charts: Sequence[Chart], *, files: Sequence[str]) -> bytes:
    """The report as PDF bytes; ``files``: the report folder's files, as the page lists them."""
    from panelkit.publish.html import report_html

    check_pdf_support()
    from weasyprint import HTML

    page = report_html(content, charts, files=files, vector=True, extra_css=_PRINT_CSS)
    identifier = hashlib.sha256(page.encode("utf-8")).hexdigest()[:32]
    options = {
        "pdf_variant": PDF_VARIANT,
        # The variant fills in only options left None, and pdf_tags defaults to False.
        "pdf_tags": True,
        "pdf_identifier": identifier.encode("ascii"),
    }
    document = HTML(string=page).render(**options)
    day = None if content.created is None else content.created.isoformat()
    document.metadata.created = day
    document.metadata.modified = day
    data = document.write_pdf(**options)
    assert isinstance(data, bytes)
    return data
