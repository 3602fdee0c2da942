"""One unit of work per request: a request that changes something commits once, at the end, or not at all.

Views and services only add, change and flush; this hook decides. A POST, PUT, PATCH or DELETE that the app answered
with a success or a redirect (status below 400) commits; one answered with an error (a refused form, a 404, a 500)
rolls back, so no half of a refused change is ever stored. GET, HEAD and OPTIONS are safe by HTTP's definition and
never commit: what a read changes in the session by accident is dropped when the request ends.

Why an after_request hook rather than a decorator on writing views: a decorator is one more thing to forget on the
next view (and a forgotten one silently loses its writes), while the hook covers every blueprint, including those a
feature plugs in. Why after_request rather than teardown: the commit happens before the response leaves, so a commit
that fails (a constraint, a lost connection) becomes the 500 the client sees, never a "saved" page for unsaved work.

A few writes must be stored whatever the response, or at a precise moment, and commit explicitly where they happen,
each with a comment: a failed sign-in's throttle count (its response is a 401 or 429), a rotated remember-me session
(rotated during the user's loading, whatever the page answers), the session's last-seen time (on its own
connection), an Open311 key's rate-limit count (on its own connection), photo files staged before their rows. The
sync API (fieldops/sync/) commits per operation of a batch and keeps its own commits.
"""

from __future__ import annotations

from flask import Flask, Response, request

WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def end_request(resp: Response) -> Response:
    """after_request: commit a writing request that succeeded, roll back one that was refused."""
    from fieldops.extensions import db

    if request.method not in WRITING_METHODS:
        return resp
    if resp.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return resp


def init_app(app: Flask) -> None:
    """Install the hook first, so it runs after every other after_request hook (Flask runs them in reverse)."""
    app.after_request_funcs.setdefault(None, []).insert(0, end_request)
