"""Turn whatever arrives (bytes, text, HTML) into a clean article body, or refuse it clearly.

Plain functions without the ORM: the services, the command line and the API all validate here.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from .errors import InvalidInput
from .nlp.html import BLOCK_TAGS, extract_page, html_to_text, page_text

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")
_DOCUMENT_START = re.compile(r"(?:\s|<!--.*?-->)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
def decode_bytes(data: bytes, *, name: str = "input") -> str:
    """Decode UTF-8 (a BOM is allowed); anything else is refused with the position of the bad byte."""
    if b"\x00" in data[:8192]:
        raise InvalidInput(f"{name} looks like a binary file (it contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise InvalidInput(
            f"{name} is not valid UTF-8: byte 0x{bad} at position {exc.start} cannot be decoded. "
            "Convert the file to UTF-8 (for example: iconv -f latin1 -t utf-8) and try again."
        ) from exc


def looks_like_html(text: str) -> bool:
    """Whether ``text`` is an HTML document by its shape, not by a tag it mentions: it starts as a
    document (a doctype, ``<html>``, ``<head>``, ``<body>``) or with a block element, has at least three
    block elements closed, or is mostly markup. An article that writes about ``<script>`` or ``<img>``
    is text, and is kept whole."""
    head = text[:20000]
    if _DOCUMENT_START.match(head):
        return True
    tags = list(_TAG.finditer(head))
    first = _TAG.match(head.lstrip())
    if first and not first.group(1) and first.group(2).lower() in BLOCK_TAGS:
        return True
    closed = sum(1 for t in tags if t.group(1) and t.group(2).lower() in BLOCK_TAGS)
    if closed >= 3:
        return True
    markup = sum(len(t.group()) for t in tags)
    return markup > 0 and markup >= len(re.sub(r"\s", "", head)) / 2


def clean_body(raw: str | bytes, *, max_chars: int, name: str = "article body", reduce_html: bool = True) -> str:
    """The body as it will be stored: UTF-8 text, line ends normalised, HTML reduced to its text
    (unless ``reduce_html`` is false: text already extracted from a page by ``page_article``).

    Refuses (``InvalidInput``) binary data, invalid UTF-8, a body with no words, and a body over
    ``max_chars``.
    """
    if raw is None:
        raise InvalidInput(f"{name} is missing")
    text = decode_bytes(raw, name=name) if isinstance(raw, (bytes, bytearray)) else str(raw)
    if "\x00" in text:
        raise InvalidInput(f"{name} looks like binary data (it contains NUL characters), not text")
    surrogate = _SURROGATE.search(text)
    if surrogate:  # a JSON "\ud800" escape decodes to one; no database or hash can encode it
        raise InvalidInput(f"{name} is not valid Unicode: a lone surrogate U+{ord(surrogate.group()):04X} "
                           f"at position {surrogate.start()}")
    if len(text) > max_chars:
        raise InvalidInput(
            f"{name} is too large: {len(text):,} characters, the limit is {max_chars:,}. Split it into several articles."
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if reduce_html and looks_like_html(text):
        text = html_to_text(text)
    text = _CONTROL.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    if not re.search(r"\w{2,}", text):
        raise InvalidInput(f"{name} is empty: it has no words (only whitespace, markup or punctuation)")
    return text


# Markup pasted as an article's body must keep at least this share of its visible words.
PASTED_MIN_KEPT = 0.5


def page_article(raw: str | bytes, *, max_chars: int, max_page_chars: int, url: str = "", name: str = "page",
                 pasted: bool = False):
    """A web page's article (``claims.nlp.html.PageArticle``) with its body cleaned as ``clean_body`` does.

    Refuses (``InvalidInput``) binary or non-UTF-8 data, a page over ``max_page_chars``, and a page
    in which no article text was found. With ``pasted`` (markup a person pasted as the body), also one
    whose extraction keeps under ``PASTED_MIN_KEPT`` of its visible words: they meant every paragraph,
    and losing most of them without a word is worse than saying so.
    """
    if raw is None:
        raise InvalidInput(f"{name} is missing")
    markup = decode_bytes(raw, name=name) if isinstance(raw, (bytes, bytearray)) else str(raw)
    if "\x00" in markup or _SURROGATE.search(markup):
        raise InvalidInput(f"{name} is not valid text (NUL characters or lone surrogates)")
    if len(markup) > max_page_chars:
        raise InvalidInput(f"{name} is too large: {len(markup):,} characters, the limit is {max_page_chars:,}")
    article = extract_page(markup, url=url)
    if not re.search(r"\w{2,}", article.body):
        raise InvalidInput(f"{name} is empty: no article text could be found in it (only markup, menus or links)")
    if pasted:
        kept, visible = len(re.findall(r"\w+", article.body)), len(re.findall(r"\w+", page_text(markup)))
        if kept < PASTED_MIN_KEPT * visible:
            raise InvalidInput(
                f"{name} looks like HTML, but only {kept} of its {visible} words were found to be article text "
                "(the rest taken for menus, footers or teasers). To keep every paragraph, paste it as plain text; "
                "to take the article out of a whole web page, add the page by its link.")
    article.body = clean_body(article.body, max_chars=max_chars, name=f"{name} text", reduce_html=False)
    return article


def content_hash(body: str) -> str:
    """Hash of the body with case, Unicode form and whitespace normalised: the same text twice is one article."""
    norm = unicodedata.normalize("NFKC", body).casefold()
    norm = " ".join(norm.split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def title_from_body(body: str) -> str:
    """The first non-empty line, cut to a reasonable length."""
    for line in body.split("\n"):
        line = line.strip()
        if line:
            return line[:300]
    return "Untitled"


def clean_text(text, *, name: str) -> str:
    """Free text a person typed (a comment), stripped; ``InvalidInput`` for a NUL character, which a
    form lets through and PostgreSQL cannot store."""
    text = (text or "").strip()
    if "\x00" in text:
        raise InvalidInput(f"{name} contains a NUL character")
    return text


MAX_URL_CHARS = 2000


def clean_url(url) -> str:
    """An http(s) URL, stripped; "" for none; ``InvalidInput`` for anything else."""
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > MAX_URL_CHARS:  # URLValidator allows 2,048; the URL columns hold 2,000
        raise InvalidInput(f"url is too long: {len(url):,} characters, the limit is {MAX_URL_CHARS:,}")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise InvalidInput(f"url must be an http(s) address, got {url!r}") from None
    return url
