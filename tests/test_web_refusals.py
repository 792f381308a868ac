"""claims.web: every way a fetch is refused or fails says why in words a desk can act on, and pages and
feeds that are only half right are still read as far as they can be."""

import socket
import time

import pytest

from claims import web

from .webserver import LocalServer, rss

LOCAL = ["127.0.0.1/32"]


def _fetch(url, **kw):
    opts = dict(timeout=2, max_bytes=10 * 1024 * 1024, max_redirects=3, allowed_networks=LOCAL)
    return web.fetch(url, **(opts | kw))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("url", ["ftp://news.example/story", "file:///etc/passwd", "http:///no-host"])
def test_only_http_and_https_addresses_with_a_host_are_fetched(url):
    with pytest.raises(web.FetchError, match="only http\\(s\\) addresses can be fetched"):
        _fetch(url)


def test_a_port_that_is_not_a_number_is_refused():
    with pytest.raises(web.FetchError, match="the port of 'http://news.example:eighty/' is not a number"):
        _fetch("http://news.example:eighty/")


def test_a_host_that_does_not_resolve_is_named():
    def resolver(host, port, type):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(web.FetchError, match="the host name 'gone.example' could not be resolved"):
        _fetch("https://gone.example/story", resolver=resolver)


def test_a_host_that_resolves_to_no_address_is_named():
    with pytest.raises(web.FetchError, match="the host name 'empty.example' resolves to no address"):
        _fetch("http://empty.example/", resolver=lambda host, port, type: [])


def test_a_server_error_is_reported_with_its_status():
    with LocalServer() as server:
        server.routes["/broken"] = lambda req: (500, {"Content-Type": "text/html"}, b"oops")
        with pytest.raises(web.FetchError, match=r"the server answered HTTP 500 Internal Server Error for http://"):
            _fetch(server.url("/broken"))


def test_a_closed_port_is_a_failed_fetch_naming_the_error():
    port = _free_port()
    with pytest.raises(web.FetchError, match=f"could not fetch http://127.0.0.1:{port}/x: ConnectionRefusedError"):
        _fetch(f"http://127.0.0.1:{port}/x")


def test_https_to_a_server_that_speaks_plain_http_fails_the_handshake_with_a_reason():
    with LocalServer() as server:
        server.page("/story", "<html><body><p>text</p></body></html>")
        with pytest.raises(web.FetchError, match=r"could not fetch https://127\.0\.0\.1:\d+/story: SSL"):
            _fetch(f"https://127.0.0.1:{server.port}/story")


def test_a_page_that_trickles_in_past_three_times_the_timeout_is_cut_off():
    def trickle(out):
        for _ in range(40):
            out.write(b"x" * 4096)
            out.flush()
            time.sleep(0.2)

    with LocalServer() as server:
        server.routes["/slow"] = lambda req: (200, {"Content-Type": "text/html"}, trickle)
        started = time.monotonic()
        with pytest.raises(web.FetchError, match="timed out: the page took more than 3 s to arrive"):
            _fetch(server.url("/slow"), timeout=1)
        assert time.monotonic() - started < 8  # cut off, not read to the end


def test_the_charset_the_server_names_decodes_the_page_and_an_unknown_one_falls_back_to_utf8():
    with LocalServer() as server:
        server.page("/latin", "<p>café</p>".encode("latin-1"), content_type='text/html; charset="ISO-8859-1"')
        fetched = _fetch(server.url("/latin"))
    assert fetched.charset == "iso-8859-1"
    assert web.decode_page(fetched) == "<p>café</p>"
    odd = web.Fetched(url="http://x.example/", status=200, charset="x-unknown-charset", body="naïve".encode())
    assert web.decode_page(odd) == "naïve"


def test_feed_items_without_a_link_are_skipped_and_a_page_is_not_a_feed():
    data = rss([("g1", "No link", ""), ("g2", "Two", "https://n.example/2")]).encode()
    feed = web.parse_feed(data, base_url="https://n.example/feed.xml")
    assert [(e.key, e.url) for e in feed.entries] == [("g2", "https://n.example/2")]
    assert feed.error == ""
    page = web.parse_feed(b"<html><body><p>Just a page</p></body></html>")
    assert page.entries == [] and page.error.startswith("not a feed: ")
