"""A stand-in web worker for tests that need a second process: it serves redirects through the
served WSGI application (the fast path in front of Django), as gunicorn's worker would.

`python -m tests.links.redirect_worker` reads commands from stdin:
- `visit CODE` answers one line, `STATUS LOCATION` (LOCATION `-` when there is none);
- `loop CODE` serves that code in a loop and writes one byte to stdout after each 302 it
  returned, until it is killed: the parent knows exactly how many redirects were answered.
The environment names the database, Redis and spool, as the test process has them.
"""

import os
import sys
from wsgiref.util import setup_testing_defaults

import django

PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


def serve(application, code: str) -> tuple[str, str]:
    environ = {
        "PATH_INFO": f"/{code}",
        "HTTP_USER_AGENT": PHONE,
        "HTTP_HOST": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "REMOTE_ADDR": "192.0.2.50",
        "wsgi.url_scheme": "http",
    }
    setup_testing_defaults(environ)
    answer: dict = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = status, dict(headers)

    body = application(environ, start_response)
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return answer["status"].split()[0], answer["headers"].get("Location", "-")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suo.settings")
    django.setup()
    from suo.wsgi import application

    print("ready", flush=True)
    for line in sys.stdin:
        command, code = line.split()
        if command == "visit":
            status, location = serve(application, code)
            print(status, location, flush=True)
        elif command == "loop":
            while True:
                if serve(application, code)[0] == "302":
                    os.write(1, b".")


if __name__ == "__main__":
    main()
