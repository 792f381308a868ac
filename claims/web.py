"""Fetching from the web safely, and reading feeds. Plain functions without Django: the link task,
the feed poller and the tests run the same code.

``fetch`` resolves the host itself, refuses the hop unless **every** address it resolves to is a
public one (``address_refusal``: private, loopback, link-local, cloud metadata, multicast, reserved
and unspecified ranges, IPv4 inside IPv6 included), and connects to the address it checked (so a
DNS answer that changes between the check and the connection cannot slip through). It does this at
every redirect hop, bounds the redirects, the time per network operation and in all, the size (by
``Content-Length`` and while reading), and checks the content type before reading the body.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

USER_AGENT = "Claimdesk/1.0 (fact-check desk; +https://example.invalid/claimdesk)"
REDIRECTS = {301, 302, 303, 307, 308}
HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain",)
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml",
              "application/feed+json")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"),
             ipaddress.ip_address("100.100.100.200")}


class FetchError(Exception):
    """A fetch refused or failed; ``str()`` is the reason a person reads."""


@dataclass
class Fetched:
    url: str  # after redirects
    status: int
    content_type: str = ""
    charset: str = ""
    body: bytes = b""
    headers: dict = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def url_key(url: str) -> str:
    """SHA-256 of the URL without its fragment and with scheme and host in lower case: one link, one key."""
    url, _ = urldefrag(url.strip())
    parts = urlsplit(url)
    norm = parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower(), path=parts.path or "/").geturl()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def address_refusal(address: str, *, allowed_networks=()) -> str:
    """Why a connection to ``address`` is refused, or "" when it is a public address.

    ``allowed_networks`` (``CLAIMDESK_FETCH_ALLOWED_NETWORKS``, empty in production) lets named
    networks through: the tests' own server on 127.0.0.1.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped or ip.sixtofour):
        ip = ip.ipv4_mapped or ip.sixtofour
    for net in allowed_networks:
        if ip in ipaddress.ip_network(net, strict=False):
            return ""
    if ip in _METADATA:
        return f"{ip} is a cloud metadata address"
    for what, flag in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
                       ("private", ip.is_private), ("multicast", ip.is_multicast),
                       ("unspecified", ip.is_unspecified), ("reserved", ip.is_reserved),
                       ("shared (carrier-grade NAT)", ip in ipaddress.ip_network("100.64.0.0/10")),
                       ("not globally routable", not ip.is_global)):
        if flag:
            return f"{ip} is a {what} address"
    return ""


def resolve(host: str, port: int, *, allowed_networks=(), resolver=None) -> str:
    """The address to connect to for ``host``, once every address it resolves to passed the guard."""
    resolver = resolver or socket.getaddrinfo
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"the host name {host!r} could not be resolved ({exc})") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise FetchError(f"the host name {host!r} resolves to no address")
    for address in addresses:
        why = address_refusal(address, allowed_networks=allowed_networks)
        if why:
            via = "" if host == address else f"{host} resolves to {address}; "
            raise FetchError(f"refused (SSRF guard): {via}{why}")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, *, timeout: float, max_bytes: int, max_redirects: int, accept=HTML_TYPES + TEXT_TYPES,
          headers: dict | None = None, allowed_networks=(), resolver=None) -> Fetched:
    """GET ``url`` under the guard described above; ``FetchError`` with the reason otherwise.

    ``timeout`` bounds each network operation and, three times over, the whole fetch. A 304 answer
    (to ``If-None-Match``/``If-Modified-Since`` in ``headers``) comes back with an empty body.
    """
    deadline = time.monotonic() + 3 * timeout
    current = url
    for _hop in range(max_redirects + 1):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"only http(s) addresses can be fetched, got {current[:200]!r}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchError(f"the port of {current[:200]!r} is not a number") from None
        address = resolve(parts.hostname, port, allowed_networks=allowed_networks, resolver=resolver)
        cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        conn = cls(parts.hostname, port, address, timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity",
                                               **(headers or {})})
            response = conn.getresponse()
            if response.status in REDIRECTS and response.getheader("Location"):
                current = urljoin(current, response.getheader("Location").strip())
                continue
            if response.status == 304:
                return Fetched(url=current, status=304, headers=dict(response.getheaders()))
            if not 200 <= response.status < 300:
                raise FetchError(f"the server answered HTTP {response.status} {response.reason} for {current[:200]}")
            ctype, _, params = (response.getheader("Content-Type") or "").partition(";")
            ctype = ctype.strip().lower()
            if accept and ctype not in accept:
                raise FetchError(f"the content type {ctype or '(none)'!r} is not one that can be ingested "
                                 f"(accepted: {', '.join(accept)})")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"the page is too large: {int(length):,} bytes, the limit is {max_bytes:,}")
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    raise FetchError(f"timed out: the page took more than {3 * timeout:g} s to arrive")
                chunk = response.read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"the page is too large: more than {max_bytes:,} bytes")
                chunks.append(chunk)
            charset = next((p.split("=", 1)[1].strip().strip('"').lower() for p in params.split(";")
                            if p.strip().lower().startswith("charset=")), "")
            return Fetched(url=current, status=response.status, content_type=ctype, charset=charset,
                           body=b"".join(chunks), headers=dict(response.getheaders()))
        except TimeoutError:
            raise FetchError(f"timed out: no answer from {parts.hostname} within {timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"could not fetch {current[:200]}: {exc.__class__.__name__}: {exc}") from None
        finally:
            conn.close()
    raise FetchError(f"too many redirects (more than {max_redirects})")


def decode_page(fetched: Fetched) -> str:
    """The page as text: the charset the server named, else UTF-8, replacing what cannot be decoded."""
    try:
        return fetched.body.decode(fetched.charset or "utf-8", errors="replace")
    except LookupError:  # an unknown charset name
        return fetched.body.decode("utf-8", errors="replace")


@dataclass
class FeedEntry:
    key: str  # the item's id (guid), else its link
    url: str
    title: str = ""


@dataclass
class ParsedFeed:
    title: str
    entries: list[FeedEntry]
    error: str = ""


def parse_feed(data: bytes, *, base_url: str = "") -> ParsedFeed:
    """The items of an RSS or Atom document (feedparser), newest as the feed lists them.

    Items without a link are skipped; relative links are made absolute against ``base_url``.
    ``error`` is set when the document is not a feed at all.
    """
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        why = parsed.get("bozo_exception") or "no RSS or Atom document found"
        return ParsedFeed(title="", entries=[], error=f"not a feed: {why}")
    entries = []
    for item in parsed.entries:
        link = (item.get("link") or "").strip()
        if not link:
            continue
        link = urljoin(base_url, link)
        key = (item.get("id") or item.get("guid") or link).strip()[:1000]
        entries.append(FeedEntry(key=key, url=link, title=(item.get("title") or "").strip()[:500]))
    return ParsedFeed(title=(parsed.feed.get("title") or "").strip()[:300], entries=entries)
