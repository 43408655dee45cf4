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
