"""One pagination helper: pages, API lists and open-data views cut lists the same way."""

from __future__ import annotations

import pytest

from citizenideas.pagination import MAX_PAGE, MAX_PER_PAGE, requested_page
from citizenideas.services import ideas


@pytest.mark.parametrize("raw, page", [(None, 1), ("", 1), ("abc", 1), ("0", 1), ("-4", 1),
                                       ("2.5", 1), (" 3 ", 3), (str(MAX_PAGE), MAX_PAGE),
                                       (str(MAX_PAGE + 1), 1), ("9" * 30, 1)])
def test_a_page_number_that_is_not_a_whole_number_in_range_reads_as_page_one(raw, page):
    assert requested_page({} if raw is None else {"page": raw}) == page


def test_a_page_knows_its_place_in_the_list_and_still_unpacks_as_items_and_total(make):
    for n in range(5):
        make.idea(title=f"Idea about benches number {n}")
    first, second, last = (ideas.search_ideas(None, sort="newest", page=n, per_page=2)
                           for n in (1, 2, 3))
    assert (first.total, first.pages, first.has_prev, first.has_next) == (5, 3, False, True)
    assert (second.has_prev, second.has_next) == (True, True)
    assert (last.page, len(last.items), last.has_next) == (3, 1, False)
    items, total = second
    assert items == second.items and total == 5
    seen = [i.id for p in (first, second, last) for i in p.items]
    assert len(set(seen)) == 5


def test_pages_and_the_api_share_one_limit_for_page_numbers(client, make):
    make.idea()
    assert client.get(f"/api/v1/ideas?page={MAX_PAGE}").status_code == 200
    assert client.get(f"/api/v1/ideas?page={MAX_PAGE + 1}").status_code == 422
    assert client.get(f"/api/v1/ideas?per_page={MAX_PER_PAGE + 1}").status_code == 422
    html = client.get(f"/ideas?page={MAX_PAGE + 1}").get_data(as_text=True)
    assert "Community idea number" in html  # read as page 1, not an empty page
