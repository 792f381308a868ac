"""Cleaning and refusing article bodies. No database."""

import pytest

from claims.errors import InvalidInput
from claims.ingestion import clean_body, content_hash, decode_bytes, html_to_text

LIMIT = 2_000_000


@pytest.mark.parametrize("body", ["", "   \n\t  \n", "<p></p><div> </div>", "<br><br/>&nbsp;", "!!! ... ---"])
def test_body_without_words_is_refused(body):
    with pytest.raises(InvalidInput, match="empty"):
        clean_body(body, max_chars=LIMIT)


def test_five_megabyte_body_is_refused_with_the_limit_in_the_message():
    body = "x" * (5 * 1024 * 1024)
    with pytest.raises(InvalidInput, match=r"too large: 5,242,880 characters, the limit is 2,000,000"):
        clean_body(body, max_chars=LIMIT)


def test_invalid_utf8_names_the_byte_and_its_position():
    data = "Café au lait".encode("latin-1")
    with pytest.raises(InvalidInput, match=r"not valid UTF-8: byte 0xe9 at position 3"):
        decode_bytes(data, name="cafe.txt")


def test_binary_data_is_refused():
    with pytest.raises(InvalidInput, match="binary"):
        clean_body(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", max_chars=LIMIT)


def test_utf8_bom_is_accepted():
    assert clean_body("\ufeffHello world".encode("utf-8"), max_chars=LIMIT) == "Hello world"


def test_html_is_reduced_to_its_paragraphs():
    markup = (
        "<html><head><title>x</title><script>var a = 1;</script></head><body>"
        "<h1>Bridge closed</h1><p>The council closed the bridge.</p><p>Repairs cost &euro;12m.</p>"
        "<nav>Home | News</nav></body></html>"
    )
    text = html_to_text(markup)
    assert text == "Bridge closed\n\nThe council closed the bridge.\n\nRepairs cost €12m."
    assert clean_body(markup, max_chars=LIMIT) == text


def test_windows_line_ends_are_normalised():
    assert clean_body("Title\r\n\r\nBody line.\r\n", max_chars=LIMIT) == "Title\n\nBody line."


def test_content_hash_ignores_case_and_whitespace_but_not_words():
    a = content_hash("The bridge  is closed.\n\nRepairs start soon.")
    assert a == content_hash("the bridge is closed. repairs start soon.")
    assert a != content_hash("The bridge is open. Repairs start soon.")
