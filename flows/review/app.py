"""The review app: editors read, edit, approve and publish editions in a browser.

Plain HTML forms and no JavaScript at all (the pages' Content-Security-Policy forbids scripts);
every page reads the editorial store in one short transaction and every write is one more, so
the daily run and several editors can work at the same time. Writes carry a CSRF token (a
per-browser cookie repeated in the form); beyond loopback every visitor signs in with a token.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import date
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from flows.brief.render import FILTERS, TEMPLATES
from flows.brief.safety import safe_url
from flows.config import Config
from flows.review import edits, publish, state
from signals import vocabulary

LOOPBACK = ("127.0.0.1", "localhost", "::1")
CSRF_COOKIE, TOKEN_COOKIE, EDITOR_COOKIE = "brief_csrf", "brief_token", "brief_editor"
APP_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# the preview is the e-mail itself, shown in a sandboxed frame of the edition's page
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.filters["web"] = safe_url
    env.globals["vocab"] = vocabulary
    return env


ENV = _env()


class Guard(BaseHTTPMiddleware):
    """Sign-in (when a token is set) and security headers; the CSRF check is `writes`'."""

    def __init__(self, app, token: str | None) -> None:
        super().__init__(app)
        self.token = token

    def signed_in(self, request: Request) -> bool:
        if self.token is None:
            return True
        given = request.cookies.get(TOKEN_COOKIE, "")
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return any(hmac.compare_digest(t.encode(), self.token.encode()) for t in (given, bearer))

    async def dispatch(self, request: Request, call_next) -> Response:
        csrf_token(request)
        response: Response
        if request.url.path == "/signin" or self.signed_in(request):
            response = await call_next(request)
        elif request.method == "GET":
            target = quote(request.url.path, safe="/")
            response = RedirectResponse(f"/signin?next={target}", status_code=303)
        else:
            response = page(request, "review/message.html.j2", 401, title="Sign in first")
        response.headers.setdefault("Content-Security-Policy", APP_CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        if CSRF_COOKIE not in request.cookies:
            response.set_cookie(
                CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict", path="/"
            )
        return response


def csrf_token(request: Request) -> str:
    """The browser's CSRF token (made on its first visit)."""
    if not hasattr(request.state, "csrf"):
        request.state.csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    return request.state.csrf


def editor_of(request: Request) -> str:
    given = " ".join(request.cookies.get(EDITOR_COOKIE, "").split())
    return given or request.app.state.default_editor


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    csrf_token(request)
    html = ENV.get_template(template).render(
        csrf=request.state.csrf, editor=editor_of(request), **context
    )
    return HTMLResponse(html, status_code=status)


def _cfg(request: Request) -> Config:
    return request.app.state.cfg


def _day(request: Request) -> date:
    try:
        return date.fromisoformat(request.path_params["day"])
    except ValueError:
        raise LookupError("not a date") from None


def _int(value: object, name: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise ValueError(f"{name} must be a whole number") from None


def back(day: date, note: str = "") -> RedirectResponse:
    suffix = f"?note={quote(note)}" if note else ""
    return RedirectResponse(f"/editions/{day.isoformat()}{suffix}", status_code=303)


# --- pages ---------------------------------------------------------------------------------


async def editions(request: Request) -> HTMLResponse:
    rows = state.list_editions(_cfg(request).review_database, limit=200)
    return page(request, "review/editions.html.j2", title="Editions", rows=rows)


def _evidence(item) -> list[dict]:
    """What each number of an item rests on, line by line."""
    out = []
    for line in item.lines:
        comp = line.comparison
        sides = []
        for label, metrics, claimed, price_from in (
            (
                line.candidate_label or item.model_label,
                comp.get("candidate_metrics"),
                line.candidate_claimed,
                line.candidate_price_from,
            ),
            (
                line.baseline_label,
                comp.get("baseline_metrics"),
                line.baseline_claimed,
                line.baseline_price_from,
            ),
        ):
            m = metrics or {}
            sides.append(
                {
                    "label": label,
                    "score_claimed": claimed,
                    "p": m.get("p"),
                    "benchmark": m.get("benchmark"),
                    "prices": m.get("prices") or {},
                    "price_from": price_from,
                    "output_tokens": m.get("output_tokens"),
                    "reasoning_tokens": m.get("reasoning_tokens"),
                    "tokens_basis": m.get("tokens_basis"),
                    "cost_per_success": m.get("cost_per_success"),
                    "daily_bill": m.get("daily_bill"),
                }
            )
        out.append({"line": line, "comparison": comp, "sides": sides})
    return out


async def edition(request: Request) -> HTMLResponse:
    cfg, day = _cfg(request), _day(request)
    found = state.read_state(cfg.review_database, day)
    if found is None:
        raise LookupError(day)
    current = state.get_revision(cfg.review_database, day, found.current_revision)
    shown = current.edition(found.state)
    return page(
        request,
        "review/edition.html.j2",
        title=f"Edition {day.isoformat()}",
        day=day,
        found=found,
        revision=current,
        edition=shown,
        evidence={i: _evidence(item) for i, item in enumerate(shown.items)},
        revisions=state.revisions(cfg.review_database, day),
        events=state.events(cfg.review_database, day),
        note=request.query_params.get("note", ""),
    )


async def preview(request: Request) -> Response:
    """One stored revision, rendered with the e-mail's templates, its chart embedded."""
    cfg, day = _cfg(request), _day(request)
    number = _int(request.path_params["revision"], "revision")
    rev = state.get_revision(cfg.review_database, day, number)
    response = HTMLResponse(publish.preview_html(cfg, rev))
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response


async def diff(request: Request) -> HTMLResponse:
    cfg, day = _cfg(request), _day(request)
    number = _int(request.path_params["revision"], "revision")
    other = state.get_revision(cfg.review_database, day, number)
    base = state.machine_draft_of(cfg.review_database, day, number)
    lines = edits.diff_lines(base.edition(), other.edition(), cfg.templates)
    return page(
        request,
        "review/diff.html.j2",
        title=f"Edition {day.isoformat()}: revision {number} against machine revision "
        f"{base.revision}",
        day=day,
        lines=lines,
        base=base,
        other=other,
    )


# --- writes --------------------------------------------------------------------------------


def _changes(form, count: int) -> edits.Changes:
    items = []
    for i in range(count):
        if f"item-{i}-headline" not in form:
            continue
        items.append(
            edits.ItemChange(
                index=i,
                included=form.get(f"item-{i}-included") == "on",
                rank=_int(form.get(f"item-{i}-rank", i + 1), f"item {i + 1}'s position"),
                headline=str(form.get(f"item-{i}-headline", "")),
                text=str(form.get(f"item-{i}-text", "")),
            )
        )
    return edits.Changes(lead=str(form.get("lead", "")), items=items)


async def save(request: Request) -> Response:
    cfg, day = _cfg(request), _day(request)
    form = request.state.form
    based_on = _int(form.get("based_on", ""), "based_on")
    base = state.get_revision(cfg.review_database, day, based_on)
    changes = _changes(form, len(base.edition().items))
    proposed = edits.apply_changes(base.edition(), changes)
    try:
        number = state.save_revision(
            cfg.review_database,
            day,
            based_on,
            editor_of(request),
            lambda _: proposed,
            detail=edits.describe(base.edition(), proposed),
        )
    except state.Conflict as exc:
        current = state.get_revision(cfg.review_database, day, exc.current)
        return page(
            request,
            "review/conflict.html.j2",
            409,
            title=f"Edition {day.isoformat()} changed while you edited it",
            day=day,
            conflict=exc,
            mine=proposed,
            theirs=current.edition(),
            theirs_revision=current,
            base=base,
        )
    return back(day, f"Saved as revision {number}.")


async def restore(request: Request) -> Response:
    cfg, day = _cfg(request), _day(request)
    form = request.state.form
    number = state.restore(
        cfg.review_database,
        day,
        _int(form.get("revision", ""), "revision"),
        _int(form.get("based_on", ""), "based_on"),
        editor_of(request),
    )
    return back(day, f"Restored as revision {number}.")


async def approve(request: Request) -> Response:
    cfg, day = _cfg(request), _day(request)
    form = request.state.form
    number = state.approve(
        cfg.review_database, day, editor_of(request), _int(form.get("based_on", ""), "based_on")
    )
    return back(day, f"Approved revision {number}.")


async def reject(request: Request) -> Response:
    cfg, day = _cfg(request), _day(request)
    form = request.state.form
    reason = edits.editor_text(str(form.get("reason", "")), 500) or ""
    state.reject(cfg.review_database, day, editor_of(request), reason)
    return back(day, "Rejected.")


async def publish_page(request: Request) -> Response:
    cfg, day = _cfg(request), _day(request)
    done = publish.publish(cfg, day, editor_of(request))
    note = f"Published revision {done.revision} to {done.folder}."
    return back(day, " ".join([note, *(f"Warning: {w}." for w in done.warnings)]))


async def test_send(request: Request) -> Response:
    cfg, day = _cfg(request), _day(request)
    form = request.state.form
    sent = publish.test_send(
        cfg, day, _int(form.get("revision", ""), "revision"), editor_of(request)
    )
    return back(day, f"Test of revision {sent.revision} sent ({sent.where}).")


async def set_editor(request: Request) -> Response:
    form = request.state.form
    name = edits.editor_text(str(form.get("editor", "")), 80) or ""
    target = str(form.get("next", "/"))
    response = RedirectResponse(target if target.startswith("/") else "/", status_code=303)
    response.set_cookie(EDITOR_COOKIE, name, httponly=True, samesite="strict", path="/")
    return response


async def signin(request: Request) -> Response:
    target = request.query_params.get("next", "/")
    target = target if target.startswith("/") and not target.startswith("//") else "/"
    if request.method == "GET":
        return page(request, "review/signin.html.j2", title="Sign in", next=target)
    form = request.state.form
    token = request.app.state.token
    given = str(form.get("token", ""))
    if token is None or not hmac.compare_digest(given.encode(), token.encode()):
        return page(request, "review/signin.html.j2", 401, title="Sign in", next=target, bad=True)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(TOKEN_COOKIE, given, httponly=True, samesite="strict", path="/")
    return response


# --- the app -------------------------------------------------------------------------------


def _refusals(handler, write: bool = False):
    """A refused action (a published edition, a missing revision, a bad field) as a page; for
    a write, the form read once and its CSRF token checked against the browser's cookie."""

    async def wrapped(request: Request) -> Response:
        if write:
            request.state.form = form = await request.form()
            cookie = request.cookies.get(CSRF_COOKIE, "")
            sent = str(form.get("csrf", ""))
            if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
                return page(
                    request,
                    "review/message.html.j2",
                    403,
                    title="This form has expired",
                    text="The page was opened in another session. Open it again and resend.",
                )
        try:
            return await handler(request)
        except (state.ReviewError, ValueError) as exc:
            return page(request, "review/message.html.j2", 400, title="Not done", text=str(exc))
        except LookupError:
            return page(request, "review/message.html.j2", 404, title="No such edition", text="")

    wrapped.__name__ = handler.__name__
    return wrapped


def make_app(cfg: Config, token: str | None = None, default_editor: str = "editor") -> Starlette:
    """The review app over `cfg`'s editorial store."""

    def post(path: str, handler) -> Route:
        return Route(path, _refusals(handler, write=True), methods=["POST"])

    routes = [
        Route("/", _refusals(editions)),
        Route("/signin", signin),
        post("/signin", signin),
        post("/editor", set_editor),
        Route("/editions/{day}", _refusals(edition)),
        Route("/editions/{day}/revisions/{revision}/preview", _refusals(preview)),
        Route("/editions/{day}/revisions/{revision}/diff", _refusals(diff)),
        post("/editions/{day}/save", save),
        post("/editions/{day}/restore", restore),
        post("/editions/{day}/approve", approve),
        post("/editions/{day}/reject", reject),
        post("/editions/{day}/publish", publish_page),
        post("/editions/{day}/test-send", test_send),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(Guard, token=token)])
    app.state.cfg = cfg
    app.state.token = token
    app.state.default_editor = default_editor
    return app


def serve(app: Starlette, host: str, port: int) -> None:
    """Serve until interrupted (Ctrl-C, SIGTERM), saying where."""
    import socket

    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"Review app on http://{shown}:{sock.getsockname()[1]}/ (Ctrl-C stops it)", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
