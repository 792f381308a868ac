"""claims.web and claims.nlp.html without a database: the address guard, fetching from a local server,
feeds, and a page's article."""

import gzip
import socket

import pytest

from claims import web
from claims.ingestion import page_article
from claims.nlp.html import extract_page

from .webserver import LocalServer, article_html, rss

LOCAL = ["127.0.0.1/32"]


def _fetch(url, **kw):
    opts = dict(timeout=2, max_bytes=10 * 1024 * 1024, max_redirects=3, allowed_networks=LOCAL)
    return web.fetch(url, **(opts | kw))


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.5", "192.168.1.1", "169.254.169.254",
                                     "169.254.10.10", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1",
                                     "100.64.0.1", "224.0.0.1", "fd00:ec2::254"])
def test_private_loopback_link_local_and_metadata_addresses_are_refused(address):
    assert web.address_refusal(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:84e5", "8.8.8.8"])
def test_public_addresses_pass(address):
    assert web.address_refusal(address) == ""


def test_only_the_named_test_network_passes_the_guard():
    assert web.address_refusal("127.0.0.1", allowed_networks=LOCAL) == ""
    assert web.address_refusal("127.0.0.2", allowed_networks=LOCAL)
    assert web.address_refusal("10.0.0.1", allowed_networks=LOCAL)


def test_a_dns_name_that_resolves_to_loopback_is_refused_after_resolution():
    def resolver(host, port, **kw):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    with pytest.raises(web.FetchError, match=r"news\.example resolves to 127\.0\.0\.1.*loopback"):
        web.fetch("http://news.example/story", timeout=1, max_bytes=1000, max_redirects=1, resolver=resolver)


def test_a_name_with_one_private_address_among_public_ones_is_refused():
    def resolver(host, port, **kw):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in ("8.8.8.8", "10.0.0.7")]

    with pytest.raises(web.FetchError, match="10.0.0.7 is a private address"):
        web.resolve("mixed.example", 80, resolver=resolver)


def test_localhost_is_refused_without_the_test_setting():
    with LocalServer() as server:
        server.page("/a", article_html())
        with pytest.raises(web.FetchError, match="loopback"):
            web.fetch(f"http://localhost:{server.port}/a", timeout=1, max_bytes=10**6, max_redirects=1)
        with pytest.raises(web.FetchError, match="loopback"):
            web.fetch(server.url("/a"), timeout=1, max_bytes=10**6, max_redirects=1)
        assert server.requests == []  # refused before connecting


def test_a_redirect_to_a_private_address_is_refused_at_that_hop():
    with LocalServer() as server:
        server.redirect("/r", "http://169.254.169.254/latest/meta-data/")
        with pytest.raises(web.FetchError, match="metadata"):
            _fetch(server.url("/r"))
        server.redirect("/r2", "http://10.0.0.1/admin")
        with pytest.raises(web.FetchError, match="10.0.0.1 is a private address"):
            _fetch(server.url("/r2"))


def test_redirects_are_followed_up_to_the_limit():
    with LocalServer() as server:
        server.page("/end", article_html())
        server.redirect("/1", "/end")
        server.redirect("/2", "/1")
        server.redirect("/3", "/2")
        server.redirect("/4", "/3")
        assert _fetch(server.url("/3")).url == server.url("/end")
        with pytest.raises(web.FetchError, match="too many redirects"):
            _fetch(server.url("/4"))


def test_a_30_mb_page_is_refused_by_its_length_and_while_reading():
    with LocalServer() as server:
        big = 30 * 1024 * 1024

        def declared(wfile):
            wfile.write(b"<p>" + b"x" * 65536)

        server.routes["/declared"] = lambda req: (200, {"Content-Type": "text/html", "Content-Length": str(big)},
                                                  declared)

        def streamed(wfile):
            for _ in range(big // 65536):
                wfile.write(b"y" * 65536)

        server.routes["/streamed"] = lambda req: (200, {"Content-Type": "text/html", "Connection": "close"}, streamed)
        with pytest.raises(web.FetchError, match="too large: 31,457,280 bytes"):
            _fetch(server.url("/declared"))
        with pytest.raises(web.FetchError, match="too large: more than 10,485,760 bytes"):
            _fetch(server.url("/streamed"))


def test_a_content_type_that_is_not_a_page_is_refused():
    with LocalServer() as server:
        server.page("/img", b"\x89PNG....", content_type="image/png")
        with pytest.raises(web.FetchError, match="content type 'image/png'"):
            _fetch(server.url("/img"))


def test_a_server_that_does_not_answer_in_time_is_a_timeout():
    with LocalServer() as server:
        server.slow("/slow", 1.5)
        with pytest.raises(web.FetchError, match="timed out"):
            _fetch(server.url("/slow"), timeout=0.3)


def test_conditional_headers_are_sent_and_304_comes_back_empty():
    with LocalServer() as server:
        server.routes["/feed"] = lambda req: ((304, {}, b"") if req.get("If-None-Match") == '"v1"'
                                              else (200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'},
                                                    rss([]).encode()))
        first = _fetch(server.url("/feed"), accept=web.FEED_TYPES)
        again = _fetch(server.url("/feed"), accept=web.FEED_TYPES, headers={"If-None-Match": first.headers["ETag"]})
        assert (first.status, again.status, again.not_modified, again.body) == (200, 304, True, b"")


def test_parse_feed_reads_rss_and_atom_items_with_ids_and_absolute_links():
    feed = web.parse_feed(rss([("g1", "One", "https://n.example/1"), ("g2", "Two", "/2")]).encode(),
                          base_url="https://n.example/feed")
    assert feed.title == "Port Alder Gazette"
    assert [(e.key, e.url, e.title) for e in feed.entries] == [("g1", "https://n.example/1", "One"),
                                                              ("g2", "https://n.example/2", "Two")]
    atom = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
            '<entry><id>urn:x:1</id><title>E</title><link href="https://a.example/e"/></entry></feed>')
    assert [(e.key, e.url) for e in web.parse_feed(atom.encode()).entries] == [("urn:x:1", "https://a.example/e")]
    assert web.parse_feed(b"<html><body>not a feed</body></html>").entries == []


def test_url_key_ignores_the_fragment_and_the_case_of_the_host():
    assert web.url_key("https://News.Example/a#top") == web.url_key("https://news.example/a")
    assert web.url_key("https://news.example/a") != web.url_key("https://news.example/b")


def test_a_page_yields_its_article_without_menus_share_bars_or_related_links():
    page = extract_page(article_html(), url="https://gazette.example/x")
    assert "The council closed the Harbour Bridge" in page.body
    assert '"We had no choice," the mayor said.' in page.body  # entities decoded once
    assert "shut & buses" in page.body
    for junk in ("Home", "Share this article", "Council budget", "Cookie notice"):
        assert junk not in page.body
    assert (page.byline, page.outlet, page.url, page.published) == (
        "Mira Tanaka", "Port Alder Gazette", "https://gazette.example/bridge-closed", "2024-03-12")
    assert page.title.startswith("Harbour Bridge closed")


def test_a_page_wrapped_in_one_form_still_yields_its_article():
    html = article_html().replace("<body>", "<body><form action='/x' method='post'>").replace("</body>",
                                                                                             "</form></body>")
    assert "Repairs will cost 12 million euros" in page_article(html, max_chars=10**6, max_page_chars=10**7).body


def test_a_page_without_article_text_is_refused():
    from claims.errors import InvalidInput

    with pytest.raises(InvalidInput, match="is empty: no article text"):
        page_article("<html><body><script>var a = 1;</script><div> </div></body></html>", max_chars=10**6,
                     max_page_chars=10**7)


def test_eval_html_prints_the_table_and_f1_on_benchmark_pages(tmp_path, capsys):
    from bench import eval_html

    pages = tmp_path / "pages"
    pages.mkdir()
    truth = {}
    for n in (1, 2):
        (pages / f"p{n}.html.gz").write_bytes(gzip.compress(article_html(n).encode()))
        truth[f"p{n}"] = {"articleBody": extract_page(article_html(n)).body}
    truth["p2"]["articleBody"] = "Something else entirely that the page never says at all."
    (tmp_path / "truth.json").write_text(__import__("json").dumps(truth))
    out = tmp_path / "pred.json"
    assert eval_html.main(["--pages", str(pages), "--truth", str(tmp_path / "truth.json"), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("F1 ") and 0.4 < float(lines[-1].split()[1]) < 0.6  # one page right, one wrong
    assert any(line.startswith("| whole page") for line in lines)
    assert "Harbour Bridge" in __import__("json").loads(out.read_text())["p1"]["articleBody"]


def test_eval_html_cv_prints_every_setting_and_a_verdict(tmp_path, capsys):
    from bench import eval_html

    pages = tmp_path / "pages"
    pages.mkdir()
    truth = {}
    for n in range(1, 6):
        (pages / f"p{n}.html.gz").write_bytes(gzip.compress(article_html(n).encode()))
        truth[f"p{n}"] = {"articleBody": extract_page(article_html(n)).body}
    (tmp_path / "truth.json").write_text(__import__("json").dumps(truth))
    assert eval_html.main(["--pages", str(pages), "--truth", str(tmp_path / "truth.json"), "--cv", "2",
                           "--boot", "50"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    from claims.nlp.html import SETTINGS

    assert all(any(line.startswith(f"| {name} ") for line in lines) for name in SETTINGS)
    assert lines[-1].split(": ", 1)[1] in SETTINGS


def test_the_cv_verdict_keeps_the_defaults_unless_a_setting_beats_them_beyond_noise():
    import numpy as np

    from bench.eval_html import verdict

    rng = np.random.default_rng(1)
    n = 60
    folds = np.arange(n) % 3
    base = np.column_stack([rng.uniform(0.85, 0.95, n), rng.uniform(0.9, 1.0, n)])
    noise = np.clip(base + rng.normal(0, 0.02, base.shape), 0, 1)
    better = np.clip(base + 0.04, 0, 1)  # every page better: beyond noise
    assert verdict({"defaults": base, "noise": noise}, folds, 3, boot=300)[0] == "defaults"  # within noise
    choice, figures = verdict({"defaults": base, "noise": noise, "better": better}, folds, 3, boot=300)
    assert choice == "better" and figures["intervals"]["better"][0] > 0
    worse = np.clip(base - 0.04, 0, 1)
    assert verdict({"defaults": base, "worse": worse}, folds, 3, boot=300)[0] == "defaults"


def test_the_product_extracts_with_the_setting_the_benchmark_chose():
    from claims.nlp import html as nlp_html

    assert nlp_html.EXTRACTION in nlp_html.SETTINGS
    assert nlp_html.SETTINGS["defaults"] == {}  # the baseline is the library's own
    assert extract_page(article_html(1), setting="defaults").body  # every named setting runs
