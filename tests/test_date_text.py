"""Dates on pages (citizenideas/web/text.py date_text, datetime_text) are Babel's, in the
language in force, and formatted once per language and value."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _

from citizenideas.web import text

WHEN = datetime(2026, 3, 3, 14, 5, tzinfo=UTC)


def _babel_datetime(value):
    time = format_datetime(value, "h:mma").lower().replace(" ", "")
    return _("%(date)s at %(time)s", date=format_datetime(value, "d MMMM yyyy"), time=time)


def test_dates_are_babels_in_english_and_welsh(app):
    with app.test_request_context("/"):
        for locale in ("en", "cy", "en"):
            with force_locale(locale):
                assert text.date_text(date(2026, 3, 3)) == format_date(date(2026, 3, 3),
                                                                       "d MMMM yyyy")
                assert text.date_text(WHEN) == format_date(WHEN, "d MMMM yyyy")
                assert text.datetime_text(WHEN) == _babel_datetime(WHEN)
                naive = WHEN.replace(tzinfo=None)
                assert text.datetime_text(naive) == _babel_datetime(WHEN)
        with force_locale("en"):
            english = text.datetime_text(WHEN)
        with force_locale("cy"):
            welsh = text.datetime_text(WHEN)
    assert english == "3 March 2026 at 2:05pm"
    assert welsh.startswith("3 Mawrth 2026")


def test_the_same_instant_in_another_zone_is_shown_in_utc(app):
    later = WHEN.astimezone(timezone(timedelta(hours=1)))
    with app.test_request_context("/"), force_locale("en"):
        assert text.datetime_text(later) == "3 March 2026 at 2:05pm"


def test_a_date_shown_again_is_not_formatted_again(app):
    with app.test_request_context("/"), force_locale("en"):
        text.datetime_text(WHEN)
        hits = text._formatted.cache_info().hits
        text.datetime_text(WHEN)
        assert text._formatted.cache_info().hits == hits + 1
