"""The HTTP methods a public page takes: any other is a 405 with an Allow header, never a CSRF 403.

Django's CsrfViewMiddleware checks every POST, PUT, PATCH and DELETE before the view runs, so
`require_http_methods` on a view is never reached for them: `PUT /c/<slug>` or `DELETE /<code>`
was answered "the form has expired" (403). A view decorated here checks the method first; the
CSRF check then runs inside, for the forms the page does take (a link's password, a campaign
claim), exactly as the middleware would have run it.

The plain short-link redirect (links.fastpath) only ever serves GET; every other method reaches
the view, so the check costs the fast path nothing.
"""

from collections.abc import Callable

from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def public_methods(*methods: str) -> Callable:
    """`@public_methods("GET", "HEAD", "POST")`: those methods, any other one a 405."""
    allowed = [method.upper() for method in methods]
    checks_csrf = not SAFE_METHODS.issuperset(allowed)

    def decorator(view: Callable) -> Callable:
        checked = require_http_methods(allowed)(csrf_protect(view) if checks_csrf else view)
        # The middleware skips the view; the CSRF check happens inside, after the method check.
        return csrf_exempt(checked)

    return decorator
