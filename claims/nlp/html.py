"""A web page's article: main text, title, byline, outlet, canonical URL and published date.

Plain functions without Django: the services, the fetch task, ``bench/eval_html.py`` and the tests run
the same code. The main text comes from trafilatura, its setting chosen by cross-validation on the dev pages of
the article-extraction benchmark (``bench/eval_html.py --cv``, docs/quality.md). Line rules of our own on top (share bars, sign-up
prompts, credits) were measured and changed nothing there, so there are none.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

_SPACES = re.compile(r"[ \t\u00a0]+")


@dataclass
class PageArticle:
    body: str
    title: str = ""
    byline: str = ""
    outlet: str = ""
    url: str = ""
    published: str = ""  # YYYY-MM-DD or ""


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in (text or "").replace("\r", "\n").split("\n")]
    return "\n\n".join(line for line in lines if line)


# Control characters XML cannot hold: lxml parses a page that has them but refuses them as text when
# the tree is edited (dropping a <script> moves its tail), so they go first; none is visible text.
_XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Visible text of markup a person pasted, block by block (no article to find: every paragraph is meant).
BLOCK_TAGS = {"p", "div", "br", "article", "section", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote",
               "tr", "header", "footer", "figure", "figcaption", "ul", "ol", "table", "main", "aside", "nav"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "nav", "footer", "aside", "form", "button"}



class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML document, one paragraph per block element."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def page_text(markup: str) -> str:
    """All the visible text of the page (the baseline: what "no extraction" keeps)."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(_XML_INCOMPATIBLE.sub("", markup))
    except Exception:  # lxml refuses an empty or markup-free document
        return ""
    for bad in tree.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    return _tidy("\n".join(t for t in tree.itertext()))


def library_text(markup: str, **options) -> str:
    """trafilatura's main text on its own (its defaults unless told), for the benchmark's comparison row."""
    import trafilatura

    return trafilatura.extract(markup, **options) or ""


def date_params() -> dict:
    """htmldate's options for a page's published date: the original date, from the page's metadata,
    ``<time>`` elements and dated bylines only. Its extensive search (trafilatura's default) also takes
    a bare year anywhere in the page as 1 January of it: "Copyright 2026" in a footer became
    2026-01-01, which then decided the reports the article fell in. No date is better than that one."""
    import datetime as dt

    return {"original_date": True, "extensive_search": False,
            "max_date": (dt.date.today() + dt.timedelta(days=1)).isoformat()}


# trafilatura's main-text settings the benchmark chooses among, by name (``bench/eval_html.py --cv``).
# "defaults" is the library's own (comments included, as ``trafilatura.extract`` has them).
SETTINGS = {
    "defaults": {},
    "no comments": {"include_comments": False},
    "no tables": {"include_comments": False, "include_tables": False},
    "precision": {"include_comments": False, "favor_precision": True},
    "precision, no tables": {"include_comments": False, "favor_precision": True, "include_tables": False},
    "recall": {"include_comments": False, "favor_recall": True},
    "recall, no tables": {"include_comments": False, "favor_recall": True, "include_tables": False},
}
# The product's setting, as ``bench/eval_html.py --cv 5`` chose it on the 91 dev pages: every fold chose
# it, and it beats the library's defaults by +0.005 to +0.029 F1 (paired bootstrap, 95 %), 27 pages
# better and 7 worse (docs/quality.md, "Web pages"). The held-out half is measured after.
EXTRACTION = "precision"


def extract_page(markup: str, *, url: str = "", setting: str = "") -> PageArticle:
    """The article of an HTML page: its main text and metadata. The body is "" when no article was found.

    The main text is trafilatura's with the ``EXTRACTION`` setting (or ``setting``, a name in
    ``SETTINGS``), one paragraph per line block; should that keep nothing, trafilatura's recall
    setting is tried before giving up. The published date is one the page states (see ``date_params``).
    """
    import trafilatura

    dates = date_params()
    doc = trafilatura.bare_extraction(markup, url=url or None, with_metadata=True, date_extraction_params=dates,
                                      **SETTINGS[setting or EXTRACTION])
    body = _tidy(getattr(doc, "text", "") or "") if doc is not None else ""
    if not body:
        body = _tidy(trafilatura.extract(markup, favor_recall=True, include_comments=False) or "")
    meta = doc if doc is not None else trafilatura.extract_metadata(markup, default_url=url or None,
                                                                     date_config=dates, extensive=False)
    date = (getattr(meta, "date", "") or "") if meta is not None else ""
    return PageArticle(
        body=body,
        title=((getattr(meta, "title", "") or "") if meta is not None else "").strip()[:500],
        byline=((getattr(meta, "author", "") or "") if meta is not None else "").strip()[:300],
        outlet=((getattr(meta, "sitename", "") or "") if meta is not None else "").strip()[:200],
        url=((getattr(meta, "url", "") or "") if meta is not None else "").strip(),
        published=date[:10] if re.match(r"\d{4}-\d{2}-\d{2}", date) else "",
    )
