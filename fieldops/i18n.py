"""Languages: Flask-Babel catalogues for staff and resident-facing pages.

Somerville's main languages are English, Spanish, Portuguese and Haitian Creole. The page language comes
from, in order: an explicit choice (?lang=, or the language menu; kept in the session), the signed-in user's
preference, the browser's Accept-Language, English.

Catalogues: the `.po` files under fieldops/translations/ are the source (edited, reviewed, committed). The
binary `.mo` files Flask-Babel reads are compiled from them when the app starts, into
<instance>/translations/, whenever a `.po` file's sha256 differs from the one the `.mo` was made from, so a
deploy or a `git pull` never serves stale text and nothing binary is committed. Compiling all four
catalogues takes a few milliseconds; fuzzy entries are left out (they show English until reviewed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton, format_time
from babel.numbers import format_decimal, format_percent
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, g, has_request_context, redirect, request, session
from flask_babel import Babel, get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldops import PACKAGE_DIR
from fieldops.web.access import public
from fieldops.web.redirects import safe_next

# Code -> the language's name in itself, as a resident would look for it.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "pt": "Português",
    "ht": "Kreyòl ayisyen",
}
DEFAULT_LANGUAGE = "en"
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
DOMAIN = "messages"

# Languages a resident may prefer to be contacted in: the UI languages, plus others staff meet often in
# Somerville and Boston (no UI for them, but a caller who speaks them can be arranged).
RESIDENT_LANGUAGES: dict[str, str] = {**LANGUAGES, "zh": "中文", "vi": "Tiếng Việt", "ar": "العربية", "other": "Other"}

# The demo catalogue's service names, so residents read them in their language on the status page. Names
# are data; a city adds its own to the .po files (msgid = the name exactly as in the catalogue), and a name
# with no translation is shown as it is.
CATALOGUE_NAMES = (
    _l("Pothole"),
    _l("Street light out"),
    _l("Sidewalk repair (make safe)"),
    _l("Overflowing litter basket"),
    _l("Dead animal pick-up"),
    _l("Graffiti removal"),
    _l("Bulk item pick-up"),
    _l("Rodent activity"),
    _l("Tree maintenance"),
    _l("Sign repair"),
    _l("Public Works"),
    _l("Inspectional Services"),
    _l("Parks and Recreation"),
    _l("Transportation"),
)
# Words stored as codes and shown through |tr: work order statuses (WorkOrderStatus.label), photo kinds, channels.
CODE_LABELS = (
    _l("New"),
    _l("Assigned"),
    _l("En route"),
    _l("On site"),
    _l("Completed"),
    _l("Unable to complete"),
    _l("Cancelled"),
    _l("before"),
    _l("after"),
    _l("intake"),
    _l("visit"),
    _l("phone"),
    _l("web"),
    _l("app"),
    _l("outreach"),
    _l("open311"),
    _l("staff"),
    _l("import"),
)

# Words the page scripts (pwa/js/*.js) show, by key; %(name)s placeholders are filled in by the script.
JS_MESSAGES: dict[str, LazyString] = {
    "no_connection": _l("No connection. Nothing was sent; try again when you have signal."),
    "saved_sending": _l("Saved on this tablet; sending now."),
    "saved_offline": _l("Saved on this tablet. It will be sent when there is signal."),
    "tracking_sending": _l("Sending to the city now."),
    "tracking_offline": _l("Saved on this tablet; it will be sent when there is signal. The number is already valid."),
    "tracking_sent": _l("Sent to the city."),
    "tracking_refused": _l("Not sent: the city refused it. Tap the sync indicator in the top bar to see why."),
    "tracking_joined": _l("Added to the existing request: give the resident this number."),
    "choose_type": _l("Choose what the request is about."),
    "no_type_match": _l("No type matches “%(text)s”"),
    "give_location": _l("Give a location: use GPS, tap the map, or type an address."),
    "no_location": _l("No location yet."),
    "finding_location": _l("Finding your location…"),
    "my_location": _l("Show my location"),
    "location_denied": _l("Location is not allowed for this app, so your position cannot be shown. Allow location for this site in the browser's settings, then try again."),
    "location_unavailable": _l("Your position is not available yet (no GPS fix). It needs no signal: try again in the open."),
    "location_unsupported": _l("This device cannot tell its position."),
    "distance_away": _l("%(distance)s away"),
    "no_gps": _l("This device has no GPS; tap the map or type an address."),
    "no_fix": _l("No GPS fix (%(error)s); tap the map or type an address."),
    "gps_fix": _l("GPS (±%(metres)s m)"),
    "map_point": _l("Map"),
    "event_location": _l("Event location"),
    "dup_title": _l("Already reported nearby? Add this report to the existing request instead:"),
    "dup_add": _l("Add to this request"),
    "dup_meta": _l("%(metres)s m away · reported %(when)s"),
    "dup_pending": _l("logged on this tablet, not sent yet"),
    "dup_offline": _l("Checked against the open requests saved on this tablet."),
    "none_nearby": _l("No open request of this type nearby."),
    "checked_in": _l("Checked in: %(name)s"),
    "checked_out": _l("Not checked in to an event."),
    "residents_met": _l("Residents met"),
    "not_sent": _l("not sent yet"),
    "all_sent": _l("All changes sent"),
    "offline_nothing": _l("Offline · nothing waiting"),
    "sign_in_to_send": _l("Sign in to send (%(n)s)"),
    "waiting_owner": _l("Waiting for its owner (%(n)s)"),
    "pending_sync": _l("Pending sync (%(n)s)"),
    "offline_pending": _l("Offline · pending sync (%(n)s)"),
    "unreachable_pending": _l("Server unreachable · pending sync (%(n)s)"),
    "needs_attention": _l("needs attention (%(n)s)"),
    "conflict": _l("conflict (%(n)s)"),
    "ready_at": _l("Ready for offline · refreshed %(when)s (%(pages)s pages)"),
    "not_ready": _l("Not ready for offline yet"),
    "getting_ready": _l("Getting ready…"),
    "ready_button": _l("Ready for offline"),
    "ready_failed": _l("Could not get ready for offline (%(error)s); will try again."),
    # Work order statuses as job.js shows them (the same words as WorkOrderStatus.label).
    "status_new": _l("New"),
    "status_assigned": _l("Assigned"),
    "status_en_route": _l("En route"),
    "status_on_site": _l("On site"),
    "status_completed": _l("Completed"),
    "status_unable_to_complete": _l("Unable to complete"),
    "status_cancelled": _l("Cancelled"),
    "refused_by_server": _l("refused by the server"),
    "job_conflict": _l("This job was changed by someone else while you were offline; your work was kept for a supervisor."),
    "nothing_waiting": _l("Nothing waiting: everything you did has reached the server."),
    "job_number": _l("(job #%(id)s)"),
    "waiting_to_send": _l("waiting to send"),
    "item_attention": _l("Needs attention: %(error)s"),
    "item_conflict": _l("Conflict: %(error)s"),
    "retry": _l("Retry"),
    "dismiss": _l("Dismiss"),
    "dismiss_conflict": _l("Remove this item from the tablet? The server did not take it as a change, but kept your photos and notes for a supervisor."),
    "dismiss_refused": _l("Remove this item from the tablet? The server did not take it."),
    "photo_upload_failed": _l("Photo upload failed (%(status)s)"),
    "changed_meanwhile": _l("This job was changed by someone else meanwhile."),
    "server_refused": _l("The server refused this change."),
    "server_later": _l("The server could not take it yet; will retry."),
    "no_connection_retry": _l("No connection; will retry."),
    "label_complete": _l("Complete: %(resolution)s"),
    "label_unable": _l("Unable to complete: %(reason)s"),
    "label_new_request": _l("New request %(tracking)s: %(type)s"),
    "need_resolution": _l("Say how the job was resolved before completing it."),
    "need_reason": _l("Give the reason the job could not be completed."),
    "need_photo": _l("Choose at least one photo to upload."),
    "needs_photo_before": _l("%(type)s jobs need a “before” photo before they can be completed."),
    "needs_photo_after": _l("%(type)s jobs need an “after” photo before they can be completed."),
    "needs_photo_both": _l("%(type)s jobs need a “before” photo and an “after” photo before they can be completed."),
    "save_failed": _l("This tablet could not save the change (%(error)s). Nothing was lost from the form; free some space and try again."),
}
# Plural messages for plural() of pwa/js/i18n.js: key.one and key.other, with %(n)s kept for the script to fill.
for _key, (_one, _many) in {
    "photo_count": ("%(n)s photo", "%(n)s photos"),
    "not_sent_count": ("%(n)s not sent", "%(n)s not sent"),
    "sign_out_unsent": (
        "%(n)s change has not reached the server yet. It stays on this tablet and is sent when you sign in again. Sign out?",
        "%(n)s changes have not reached the server yet. They stay on this tablet and are sent when you sign in again. Sign out?",
    ),
}.items():
    JS_MESSAGES[f"{_key}.one"] = lazy_ngettext(_one, _many, 1, n="%(n)s")
    JS_MESSAGES[f"{_key}.other"] = lazy_ngettext(_one, _many, 2, n="%(n)s")

babel = Babel()


def select_locale() -> str:
    """The language for this request (see the module docstring for the order); English outside a request."""
    if not has_request_context():
        return DEFAULT_LANGUAGE  # services called from the CLI, a worker or a test
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in LANGUAGES:
        return str(session["lang"])
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return str(current_user.language)
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The code of the language this request is rendered in (English outside a request)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT_LANGUAGE


def compile_catalogues(source: Path = TRANSLATIONS_DIR, target: Path | None = None) -> list[str]:
    """Compile every <lang>/LC_MESSAGES/messages.po under source into target when it changed; returns the languages compiled."""
    target = target or source
    compiled = []
    for po in sorted(source.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        lang = po.parent.parent.name
        raw = po.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        mo = target / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        stamp = mo.with_suffix(".sha256")
        if mo.is_file() and stamp.is_file() and stamp.read_text().strip() == digest:
            continue
        catalog = read_po(io.BytesIO(raw), locale=lang, domain=DOMAIN)
        out = io.BytesIO()
        write_mo(out, catalog, use_fuzzy=False)
        mo.parent.mkdir(parents=True, exist_ok=True)
        # Several server processes may start at once: write aside, then rename (atomic on POSIX).
        for path, data in ((mo, out.getvalue()), (stamp, digest.encode())):
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        compiled.append(lang)
    return compiled


# Languages CLDR has no date and number data for, and the related locale whose formats read correctly instead of
# English fragments ("M11 30, Mon"): Haitian Creole dates follow French order, 24-hour time and abbreviations.
FORMAT_FALLBACK = {"ht": "fr"}


def format_locale() -> Locale:
    """The locale whose date and number formats the page uses: its language, or a related one CLDR knows."""
    language = current_language()
    return Locale.parse(FORMAT_FALLBACK.get(language, language))


def local_day(value: dt.date, skeleton: str = "yMMMEd") -> str:
    """A calendar day (no time, no zone) the way the page's language writes it: "Mon, Jan 19, 2026", "lun, 19 ene 2026";
    |local_day('yMMMd') for a table: "Jan 19, 2026", "19 ene 2026"."""
    return format_skeleton(skeleton, value, locale=format_locale())


def local_number(value: float, digits: int = 0) -> str:
    """A figure the way the page's language writes it: 1,234.5 (en), 1.234,5 (es, pt), 1 234,5 (ht, as French)."""
    return format_decimal(value, format="#,##0" if digits == 0 else "#,##0." + "0" * digits, locale=format_locale())


def local_percent(value: float) -> str:
    """A share (0.85) as the page's language writes a percentage: "85%" (en), "85 %" (es), "85%" (pt)."""
    return format_percent(value, locale=format_locale())


def local_datetime(value: dt.datetime | None, zone: ZoneInfo, kind: str = "datetime") -> str:
    """A stored UTC time in the city's zone, the way the page's language writes it: "Mon, Nov 30, 10:42 PM",
    "lun, 30 nov, 22:42", "seg., 30 de nov. 22:42". `kind` is "datetime", "date" or "time"."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    at = value.astimezone(zone)
    locale = format_locale()
    time = format_time(at, "short", locale=locale)
    if kind == "time":
        return time
    day = format_skeleton("MMMEd", at, locale=locale)
    if kind == "date":
        return day
    return str(locale.datetime_formats["medium"]).format(time, day)


def init_app(app: Flask) -> None:
    """Attach Flask-Babel (templates get _(), gettext() and ngettext()) and compile the catalogues."""
    settings = app.extensions["fieldops.settings"]
    compiled_dir = Path(settings.instance_path) / "translations"
    compile_catalogues(TRANSLATIONS_DIR, compiled_dir)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", settings.timezone)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(compiled_dir))
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)  # the language menu

    @app.before_request
    def _fresh_locale() -> None:
        # Flask-Babel caches the locale in `g`; a request inside an outer app context (tests, CLI) must choose afresh.
        g.pop("_flask_babel", None)
    zone = ZoneInfo(settings.timezone)
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["RESIDENT_LANGUAGES"] = RESIDENT_LANGUAGES
    app.jinja_env.globals["current_language"] = current_language
    # Data shown to residents (service names) in their language when the catalogue has it; see CATALOGUE_NAMES.
    app.jinja_env.filters["tr"] = lambda value: gettext(value) if value else value

    @app.context_processor
    def _language_links() -> dict[str, Any]:
        return {"lang_url": _lang_url, "menu_next": _menu_next, "js_messages": js_messages}


def _menu_next() -> str:
    """Where the language menu returns to: this page, without a ?lang= that would override the choice."""
    args = request.args.to_dict(flat=False)
    args.pop("lang", None)
    return f"{request.path}?{urlencode(args, doseq=True)}" if args else request.path


def js_messages() -> dict[str, str]:
    """The page scripts' own words, translated for this page (base.html puts them in #fieldops-messages)."""
    return {key: str(text) for key, text in JS_MESSAGES.items()}


def _lang_url(code: str) -> str:
    """This page's URL with ?lang=code (other query arguments kept)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return f"{request.path}?{urlencode(args, doseq=True)}"


# --- the language menu ------------------------------------------------------------------------------------------

bp = Blueprint("i18n", __name__)


@bp.route("/language", methods=["POST"])
@public
def choose_language() -> Response:
    """Remember the chosen language for this browser, and as the signed-in user's preference."""
    code = request.form.get("lang", "")
    if code in LANGUAGES:
        session["lang"] = code
        if current_user.is_authenticated and current_user.language != code:
            current_user.language = code
    return redirect(safe_next(request.form.get("next")) or "/")
