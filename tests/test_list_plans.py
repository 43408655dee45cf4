"""The lists of ideas read an index in their sort order: none scans the whole ideas table or
sorts it (SQLite's EXPLAIN QUERY PLAN), so a page costs the same at 100 or 100,000 ideas."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from citizenideas.extensions import db
from citizenideas.services import delivery_lists, feeds, ideas
from citizenideas.services.council_dashboard import TriageFilters, triage_list


@contextmanager
def plans(every_table: bool = False):
    """The query plans of the statements run inside the block that read the ideas table (or
    any table)."""
    seen: list[tuple[str, object]] = []

    def remember(conn, cursor, statement, parameters, *args):
        if ("FROM ideas" in statement or every_table) and not statement.startswith("EXPLAIN"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    found: list[list[str]] = []
    try:
        yield found
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    connection = db.session.connection()
    for statement, parameters in seen:
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        found.append([row[3] for row in rows])


@pytest.fixture
def many(make):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    wards = [make.ward() for _ in range(3)]
    categories = [make.category() for _ in range(3)]
    author = make.user()
    statuses = ["submitted", "accepted", "under_review", "in_delivery", "declined"]
    for n in range(30):
        make.idea(author=author, ward=wards[n % 3], category=categories[n % 3],
                  status=statuses[n % 5], support_count=n % 7,
                  title=f"Library idea number {n}")
    return {"ward": wards[0].id, "category": categories[0].id}


LISTS = [
    {}, {"sort": "newest"}, {"sort": "updated"},
    {"status": "accepted"}, {"status": "accepted", "sort": "newest"},
    {"status": "accepted", "sort": "updated"},
    {"ward_id": "ward"}, {"ward_id": "ward", "sort": "newest"},
    {"ward_id": "ward", "sort": "updated"},
    {"category_id": "category"}, {"category_id": "category", "sort": "newest"},
    {"category_id": "category", "sort": "updated"},
]


def assert_indexed(plan: list[str]) -> None:
    assert not any(step.strip() in ("SCAN ideas", "SCAN TABLE ideas") for step in plan), plan
    assert not any("TEMP B-TREE FOR ORDER BY" in step for step in plan), plan


@pytest.mark.parametrize("filters", LISTS, ids=lambda f: "-".join(map(str, f.items())) or "all")
def test_the_public_list_reads_an_index_in_its_sort_order(many, filters):
    filters = {k: many.get(v, v) for k, v in filters.items()}
    with plans() as found:
        page = ideas.search_ideas(None, page=2, per_page=5, **filters)
    assert page.items
    assert len(found) == 2  # the count and the page
    for plan in found:
        assert_indexed(plan)


def test_a_search_reads_the_full_text_index(many):
    with plans() as found:
        assert ideas.search_ideas(None, q="library", sort="newest").total == 30
    assert found and all(any("ideas_fts VIRTUAL TABLE" in step for step in plan)
                         for plan in found)
    assert not any(step.strip() == "SCAN ideas" for plan in found for step in plan)


def test_the_council_queue_feeds_and_partner_list_read_an_index(many, make):
    moderator = make.user(role="moderator")
    with plans() as found:
        triage_list(moderator, TriageFilters())
        triage_list(moderator, TriageFilters(ward_id=many["ward"]))
        feeds.ideas_feed()
        delivery_lists.open_for_delivery()
    assert found
    for plan in found:
        assert not any(step.strip() == "SCAN ideas" for step in plan), plan


def test_the_default_council_queue_reads_each_status_in_date_order_without_sorting(many, make):
    # The dashboard's default list is both open statuses, oldest first: one sort of every
    # open idea per request cost 0.27 s at 100,000 ideas (docs/performance.md).
    moderator = make.user(role="moderator")
    with plans() as found:
        page = triage_list(moderator, TriageFilters(), page=2, per_page=4)
    assert [i.status for i in page.items] and page.total == 12
    page_plan = next(plan for plan in found if any("COMPOUND" in step for step in plan))
    reads = [step.strip() for step in page_plan if "SEARCH ideas USING" in step]
    # Each open status read from its (status, created_at) index in order, no sort of ideas:
    # the only sorts left are of the merged first page's worth of ids and of the page itself.
    assert reads.count("SEARCH ideas USING COVERING INDEX ix_ideas_status_created (status=?)") == 2
    assert not any(step.strip() == "SCAN ideas" for plan in found for step in plan), found
    # The page's ideas are then read by their ids, not by walking every open idea's entry
    # in a status index testing each id (3.5 ms a request at 100,000 ideas).
    assert page_plan[0].strip() in ("SEARCH ideas USING INTEGER PRIMARY KEY (rowid=?)",
                                    "SEARCH ideas USING INTEGER PRIMARY KEY (rowid IN (?))"), \
        page_plan


def test_the_council_queue_by_support_reads_each_status_in_support_order(many, make):
    # Most supported first over both open statuses sorted every open idea per request (46 ms
    # at 100,000 ideas): each status is read from its (status, support, created) index instead.
    moderator = make.user(role="moderator")
    with plans() as found:
        page = triage_list(moderator, TriageFilters(sort="supported"), page=2, per_page=4)
    assert page.items and page.total == 12
    page_plan = next(plan for plan in found if any("COMPOUND" in step for step in plan))
    reads = [step.strip() for step in page_plan if "SEARCH ideas USING" in step]
    # (Not a covering read: SQLite does not cover a generated column such as the total.)
    assert reads.count(
        "SEARCH ideas USING INDEX ix_ideas_status_support (status=?)") == 2, page_plan
    assert not any(step.strip() == "SCAN ideas" for plan in found for step in plan), found


def test_the_council_queue_by_support_is_most_supported_then_oldest_across_statuses(make):
    moderator = make.user(role="moderator")
    from datetime import timedelta

    from citizenideas.models import utcnow

    start = utcnow() - timedelta(days=40)
    made = []
    for n, (status, supports) in enumerate([
            ("under_review", 3), ("submitted", 5), ("submitted", 3), ("under_review", 5),
            ("accepted", 9), ("submitted", 0), ("under_review", 1), ("submitted", 3)]):
        made.append(make.idea(status=status, support_count=supports,
                              created_at=start + timedelta(days=n)))
    expected = [i.id for i in sorted(
        (i for i in made if i.status in ("submitted", "under_review")),
        key=lambda i: (-i.total_support_count, i.created_at, i.id))]
    seen = []
    for number in (1, 2, 3, 4):
        seen += [i.id for i in triage_list(moderator, TriageFilters(sort="supported"),
                                           page=number, per_page=2).items]
    assert seen == expected


def test_the_default_council_queue_is_oldest_first_across_both_open_statuses(make):
    moderator = make.user(role="moderator")
    from datetime import timedelta

    from citizenideas.models import utcnow

    start = utcnow() - timedelta(days=40)
    made = []
    for n, status in enumerate(["under_review", "submitted", "submitted", "under_review",
                                "accepted", "submitted", "under_review"]):
        made.append(make.idea(status=status, created_at=start + timedelta(days=n)))
    open_ids = [i.id for i in made if i.status in ("submitted", "under_review")]
    seen = []
    for number in (1, 2, 3, 4):
        seen += [i.id for i in triage_list(moderator, TriageFilters(), page=number,
                                           per_page=2).items]
    assert seen == open_ids


def test_the_dashboard_counts_read_covering_indexes(many, make):
    # The overdue counts looked up every open idea's row: 42 ms a request at 10,000 ideas.
    # Every count, of ideas and of the smaller queues, reads an index alone.
    from citizenideas.services.council_dashboard import queue_counts
    from citizenideas.services.figures_cache import figures_cache

    moderator = make.user(role="moderator")
    figures_cache.clear()
    with plans(every_table=True) as found:
        counts = queue_counts(moderator)
    assert counts["new"] == 6 and counts["under_review"] == 6
    steps = [step.strip() for plan in found for step in plan]
    for table in ("ideas", "flags", "claims", "outcome_reports"):
        assert any(step.startswith(f"SEARCH {table} USING COVERING INDEX ")
                   for step in steps), (table, steps)
        assert f"SCAN {table}" not in steps, steps
    assert ("SEARCH outcome_reports USING COVERING INDEX ix_outcome_reports_state_disputed "
            "(state=? AND disputed_at>?)") in steps
    assert ("SEARCH ideas USING COVERING INDEX ix_ideas_status_created (status=?)") in steps
