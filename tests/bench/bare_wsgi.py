"""Baseline for the redirect benchmark: the least a WSGI app can do to answer with a 302."""


def application(environ, start_response):
    start_response("302 Found", [("Location", "https://example.com/"), ("Content-Length", "0")])
    return [b""]
