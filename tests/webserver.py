"""A small HTTP server on 127.0.0.1 for the fetch and feed tests: routes map a path to a function
that returns (status, headers, body) from the request's headers, and every request is recorded."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer:
    def __init__(self):
        self.routes = {}
        self.requests = []  # (path, headers) in arrival order
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                status, headers, body = route(dict(self.headers))
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    if callable(body):  # a streaming body writes itself (and may be cut off by the client)
                        self.end_headers()
                        body(self.wfile)
                        return
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def page(self, path, body, *, content_type="text/html; charset=utf-8", headers=None):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = lambda req: (200, {"Content-Type": content_type, **(headers or {})}, data)

    def redirect(self, path, location, status=302):
        self.routes[path] = lambda req: (status, {"Location": location}, b"")

    def slow(self, path, seconds):
        def route(req):
            time.sleep(seconds)
            return 200, {"Content-Type": "text/html"}, b"<html><body><p>late</p></body></html>"
        self.routes[path] = route

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


ARTICLE_HTML = """<!doctype html><html><head><title>Harbour Bridge closed | Port Alder Gazette</title>
<meta property="og:site_name" content="Port Alder Gazette">
<meta name="author" content="Mira Tanaka">
<meta property="article:published_time" content="2024-03-12T08:00:00Z">
<link rel="canonical" href="https://gazette.example/bridge-closed"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<div class="share">Share this article</div>
<article><h1>Harbour Bridge closed {n}</h1>
<p>The council closed the Harbour Bridge on Tuesday after engineers found cracks in two of its
supports, the mayor said at a press conference in the town hall.</p>
<p>Repairs will cost 12 million euros and take until the spring, according to the chief engineer,
Tomas Brandt, who said the bridge had not been inspected since 2019.</p>
<p>&quot;We had no choice,&quot; the mayor said. Ferries will run every twenty minutes while it is shut &amp; buses
will take the long way round through the valley.</p></article>
<aside><h3>Related</h3><ul><li><a href="/a">Council budget</a></li><li><a href="/b">New ferry</a></li></ul></aside>
<footer>Cookie notice: we use cookies. Copyright Port Alder Gazette</footer></body></html>"""


def article_html(n=1):
    return ARTICLE_HTML.replace("{n}", str(n))


def rss(items, title="Port Alder Gazette"):
    entries = "".join(f"<item><title>{t}</title><link>{link}</link><guid>{guid}</guid></item>"
                      for guid, t, link in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://gazette.example/</link><description>news</description>{entries}</channel></rss>")
