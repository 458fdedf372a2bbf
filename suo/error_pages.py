"""Error pages (400, 403, 404, 429, 500, CSRF) in the site's style: what happened and where to go next.

Wired in suo/urls.py (handler400/403/404/500) and settings (CSRF_FAILURE_VIEW). Under /api/ the same
errors keep the API's JSON body ({code, detail, fields}), also for URLs no view matched.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from suo.api.errors import error_body
from suo.tenancy import workspace_roles

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _answer(request: HttpRequest, status: int, *, code: str, detail, page: dict) -> HttpResponse:
    """The API's JSON error body under /api/, else templates/error.html with `page`'s texts and links."""
    if _is_api(request):
        return JsonResponse(error_body(code, str(detail)), status=status)
    response = render(request, "error.html", {"status": status, "links": [], **page}, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _console_link() -> tuple[str, str]:
    return reverse("admin:index"), _("Go to the operations console")


def _login_link(request: HttpRequest, label: str) -> tuple[str, str]:
    return f"{reverse('admin:login')}?{urlencode({'next': request.get_full_path()})}", label


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(
        request,
        400,
        code="bad_request",
        detail=_("The request is not valid."),
        page={
            "icon": "⚠️",
            "title": _("This request could not be handled"),
            "reason": _("The address or the form sent was not valid."),
            "hint": _("Check the address, or go back and try again."),
        },
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception is not None and exception.args else ""
    detail = reason or _("You do not have permission to perform this action.")
    page = {} if _is_api(request) else _denied_page(request, reason)
    return _answer(request, 403, code="permission_denied", detail=detail, page=page)


def _denied_page(request: HttpRequest, reason: str) -> dict:
    """Why, and what this person can do about it: log in, ask for an invitation or for a role."""
    if not _signed_in(request):
        hint = _("Log in with an account that may open this page.")
        links = [_login_link(request, _("Log in"))]
    elif not workspace_roles(request.user) and not request.user.is_superuser:
        hint = _(
            "You do not work in any workspace yet. Ask a workspace owner to invite you, then accept "
            "the invitation."
        )
        links = [_console_link(), _login_link(request, _("Log in with another account"))]
    else:
        hint = _("Ask an owner of the workspace for a role that allows it, or log in with another account.")
        links = [_console_link(), _login_link(request, _("Log in with another account"))]
    return {
        "icon": "🔒",
        "title": _("You cannot open this page"),
        "reason": reason or _("Your account does not have access to this page."),
        "hint": hint,
        "links": links,
    }


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(
        request,
        404,
        code="not_found",
        detail=_("Not found."),
        page={
            "icon": "🔍",
            "title": _("This page does not exist"),
            "reason": _("Check that the address was copied completely; short links are case-sensitive."),
            "hint": _("If someone sent you this link, ask them for a new one."),
            "links": [_console_link()] if _signed_in(request) else [],
        },
    )


def too_many_requests(
    request: HttpRequest, *, retry_after: int | None = None, reason: str = ""
) -> HttpResponse:
    """The 429 page (or API body) for HTML views that limit how often something may be tried."""
    if retry_after:
        hint = _("Wait %(seconds)s seconds, then try again.") % {"seconds": retry_after}
    else:
        hint = _("Wait a minute, then try again.")
    response = _answer(
        request,
        429,
        code="throttled",
        detail=reason or hint,
        page={
            "icon": "⏳",
            "title": _("Too many tries"),
            "reason": reason or _("This was tried too often in a short time."),
            "hint": hint,
        },
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Kept simple on purpose: no database, no user; whatever failed may fail again here."""
    return _answer(
        request,
        500,
        code="server_error",
        detail=_("Something went wrong on our side. Please try again in a moment."),
        page={
            "icon": "🛠️",
            "title": _("Something went wrong on our side"),
            "reason": _("The error has been logged."),
            "hint": _("Please try again in a moment. If it keeps happening, tell the people who run suo."),
        },
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its security token (an old tab, blocked cookies): say how to recover."""
    return _answer(
        request,
        403,
        code="csrf_failed",
        detail=_("CSRF check failed: send the token, or authenticate with a Token header."),
        page={
            "icon": "🔄",
            "title": _("The form has expired"),
            "reason": _("The page was open too long, or your browser blocked cookies for this site."),
            "hint": _("Go back, reload the page and send the form again. Cookies must be allowed."),
            "links": [(request.path, _("Reload the page"))],
        },
    )
