"""Residents' text rendered as HTML: escaped, links made clickable, and the same answer
whichever thread renders it (gunicorn runs several threads per worker)."""

from __future__ import annotations

import threading

from citizenideas.web.text import plaintext

TEXT = ("See https://example.org/a?b=1&c=2 and www.example.com.\n\n"
        "<b>not bold</b> (http://x.example.org/p) ends here.\nNext line. ") * 10


def test_links_are_nofollow_ugc_noopener_and_typed_html_stays_text():
    html = str(plaintext("<a href='javascript:alert(1)'>x</a> https://example.org/x"))
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">' in html
    assert "&lt;a href=" in html and "<a href='javascript" not in html


def test_many_threads_rendering_links_at_once_all_get_the_same_html():
    expected = str(plaintext(TEXT))
    assert expected.count("<a href=") == 30
    threads, rounds = 16, 25
    start = threading.Barrier(threads)
    results: list[str] = []
    errors: list[BaseException] = []

    def render() -> None:
        start.wait()
        try:
            for _ in range(rounds):
                results.append(str(plaintext(TEXT)))
        except BaseException as error:  # noqa: BLE001 - every failure is reported below
            errors.append(error)

    workers = [threading.Thread(target=render) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert len(results) == threads * rounds
    assert set(results) == {expected}


TEXT_WITHOUT_LINKS = [
    'She said "yes" & <b>they</b> agreed; it\'s 1.5 miles, e.g. past the U.K. post office.',
    "Line one\r\nline two\n\n\nnew paragraph &amp; an entity typed as text",
    "<script>alert(1)</script> ` = ' \"",
    "Costs £1,200.50 (about 3.2k) — 10:30am to 2pm, 20% off",
    "Ysgol Gymraeg Bro Taf: syniad da iawn! Diolch.",
]


def test_text_without_links_renders_as_the_linkifier_and_cleaner_would():
    # plaintext skips bleach when its own URL pattern finds nothing; the answer must be
    # exactly what running the linkifier and the cleaner over the escaped text gives.
    import bleach
    from markupsafe import escape

    from citizenideas.web.text import URL_RE, _linkify

    for value in TEXT_WITHOUT_LINKS:
        escaped = str(escape(value.replace("\r\n", "\n").strip()))
        assert not URL_RE.search(escaped), value
        slow = bleach.clean(_linkify(escaped), tags={"a"}, attributes={"a": ["href", "rel"]},
                            protocols={"http", "https"}, strip=True)
        paragraphs = [p.replace("\n", "<br>\n") for p in slow.split("\n\n") if p.strip()]
        assert str(plaintext(value)) == "".join(
            f'<p class="govuk-body">{p}</p>' for p in paragraphs)


def test_a_bare_domain_is_still_linked():
    assert '<a href="http://example.org" rel="nofollow ugc noopener">' in str(
        plaintext("Details at example.org tomorrow"))
