"""Searching ideas uses the full-text index (FTS5 on SQLite, tsvector on PostgreSQL) and gives
the same results on both: run this file with and without TEST_DATABASE_URL."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from citizenideas.extensions import db
from citizenideas.services import ideas
from citizenideas.services.council_dashboard import TriageFilters, triage_list
from citizenideas.services.ideas import similar_ideas
from citizenideas.services.merging import merge_idea
from citizenideas.services.reports import hide_idea, unhide_idea
from citizenideas.services.search import fts5_expression, parse_query

IDEAS = [
    ("Longer library opening hours", "Open the central library until eight on weekdays."),
    ("Book swap shelf", "A shelf in the libraries of the borough for swapping paperbacks."),
    ("Repair cafe in the church hall", "Volunteers fix toasters, bikes and clothes each month."),
    ("More benches in Victoria Park", "Older people need somewhere to rest on the long path."),
    ("Dog waste bins on the river path", "The path by the river needs bins for dog waste."),
    ("Cycle parking at the station", "Secure bike parking near the station entrance."),
    ("Meithrinfa Gymraeg yn y llyfrgell", "Sesiynau i blant bach a'u rhieni yn Gymraeg, ŵyr "
                                           "a theidiau hefyd: tŷ agored bob dydd Sadwrn."),
    ("Wi-fi in the market square", "Free wi-fi for traders and shoppers in the square."),
    ("Friends of the park group", "A group of friends of the park to plant bulbs each autumn."),
]

# query -> the titles it finds (first words of each title), on SQLite and PostgreSQL alike.
EXPECTED = {
    "library": {"Longer", "Book"},
    "libraries": {"Longer", "Book"},  # stemmed both ways
    "LIBRARY": {"Longer", "Book"},
    "bench": {"More"},
    "parking": {"Cycle", "More", "Friends"},  # parking, park and parks all stem to 'park'
    "park": {"More", "Friends", "Cycle"},
    "bike": {"Repair", "Cycle"},
    "river bins": {"Dog"},
    "bins river dog": {"Dog"},
    "library swap": {"Book"},
    "library or bench": {"Longer", "Book", "More"},
    "library OR bench": {"Longer", "Book", "More"},
    "library -swap": {"Longer"},
    'library "opening hours" or bench': {"Longer"},
    'library bench or swap': {"Book"},
    "bench or library -swap or path": {"More"},  # the second or has nothing before it
    "or library": {"Longer", "Book"},
    "bench -": {"More"},
    "park -friends": {"More", "Cycle"},
    '"friends of the park"': {"Friends"},
    '"park friends"': set(),
    '"river path"': {"Dog"},
    "the": set(),
    "the library": {"Longer", "Book"},
    "-library": set(),
    "wi-fi": {"Wi-fi"},
    "wifi": set(),
    "llyfrgell": {"Meithrinfa"},
    "tŷ": {"Meithrinfa"},
    "ŵyr": {"Meithrinfa"},
    "Gymraeg": {"Meithrinfa"},
    "nothing-like-this": set(),
}

GARBAGE = ['"', '"library', 'library"', '""', "a AND", "AND", "OR", "or or", "NOT", "-", "--",
           "*", "library*", "(", ")", "(library", "title:library", "{title}: library",
           "NEAR(library bench)", "^library", "library AND OR NOT", "'", "';--", "%", "_",
           "\\", "\x00", "\x0b\xff", "<script>", "✓ 🎉", "a" * 300, "library " * 50,
           ":", "::regconfig", "!", "&", "|", "library:A", "@@", "\u200b"]


@pytest.fixture
def library(make):
    ward, category = make.ward(), make.category()
    return {title.split()[0]: make.idea(title=title, description=description, ward=ward,
                                        category=category)
            for title, description in IDEAS}


def found(q, **kw):
    items, total = ideas.search_ideas(None, q=q, per_page=100, **kw)
    assert total == len(items)
    return {idea.title.split()[0] for idea in items}


@pytest.mark.parametrize("q", list(EXPECTED))
def test_the_same_queries_find_the_same_ideas_on_both_databases(library, q):
    assert found(q) == EXPECTED[q]


@pytest.mark.parametrize("q", GARBAGE)
def test_odd_input_never_causes_an_error(library, client, q):
    ideas.search_ideas(None, q=q)
    ideas.search_ideas(None, q=q, sort="relevance")
    similar_ideas(q)
    assert client.get("/ideas", query_string={"q": q}).status_code == 200


def test_user_input_is_never_passed_as_query_syntax():
    query = parse_query('"unbalanced library AND title:x NEAR(bench) -"')
    assert fts5_expression(query) == '(("unbalanced library and title x near bench"))'
    query = parse_query('library* -swap or "opening hours" or bench or')
    assert fts5_expression(query) == '(("library") AND ("opening hours" OR "bench")) NOT "swap"'


def test_hidden_ideas_stay_hidden_from_search_but_not_from_moderators(library, make):
    moderator = make.user(role="moderator")
    hide_idea(moderator, library["Longer"], "Under review")
    db.session.commit()
    assert found("library") == {"Book"}
    assert {i.title for i in ideas.search_ideas(moderator, q="library")[0]} == {
        "Longer library opening hours", "Book swap shelf"}
    assert "Longer library opening hours" not in [i.title for i in similar_ideas("library hours")]
    unhide_idea(moderator, library["Longer"])
    db.session.commit()
    assert found("library") == {"Longer", "Book"}


def test_an_edit_reindexes_the_idea(library, make):
    idea = library["Cycle"]
    ideas.edit_idea(idea.author, idea, title="Scooter racks at the station",
                    description="Racks for scooters by the station entrance.",
                    category_id=idea.category_id, ward_id=idea.ward_id)
    db.session.commit()
    assert found("cycle") == set()
    assert found("scooters") == {"Scooter"}
    assert found("station") == {"Scooter"}


def test_a_merged_idea_is_found_only_among_duplicates(library, make):
    moderator = make.user(role="moderator")
    merge_idea(moderator, library["Book"], library["Longer"], "Same idea")
    db.session.commit()
    assert found("library") == {"Longer"}
    assert found("library", status="duplicate") == {"Book"}
    assert found("swap", status="duplicate") == {"Book"}


def test_the_best_match_puts_title_matches_first(make):
    ward, category = make.ward(), make.category()
    make.idea(title="Planters on the high street",
              description="Some bulbs and a library of seeds, a seed library for all.",
              support_count=50, ward=ward, category=category)
    make.idea(title="Seed library", description="Swap seeds each spring.",
              ward=ward, category=category)
    titles = [i.title for i in ideas.search_ideas(None, q="library", sort="relevance")[0]]
    assert titles == ["Seed library", "Planters on the high street"]
    titles = [i.title for i in ideas.search_ideas(None, q="library", sort="supports")[0]]
    assert titles == ["Planters on the high street", "Seed library"]


def test_the_ideas_page_orders_a_search_by_best_match(client, make):
    make.idea(title="Planters on the high street",
              description="Some bulbs and a library of seeds, a seed library for all.",
              support_count=50)
    make.idea(title="Seed library", description="Swap seeds each spring.")
    page = client.get("/ideas?q=library").get_data(as_text=True)
    assert page.index("Seed library") < page.index("Planters on the high street")
    assert '<option value="relevance" selected' in page


def test_similar_ideas_use_stemmed_title_words(library):
    assert [i.title for i in similar_ideas("A new library for our libraries")] == [
        "Longer library opening hours"]  # the title only: 'Book swap' says it in its description
    assert [i.title.split()[0] for i in similar_ideas("Benches and bins by the river")] == [
        "Dog", "More"]
    assert similar_ideas("Llyfrgell") == [library["Meithrinfa"]]


def test_the_council_queue_searches_words_and_references(library, make):
    moderator = make.user(role="moderator")

    def queue(q):
        return {i.title.split()[0] for i in triage_list(moderator, TriageFilters(q=q))[0]}

    assert queue("libraries") == {"Longer", "Book"}
    assert queue(library["Dog"].reference.lower()) == {"Dog"}
    assert queue('"') == set()


def test_search_reindex_rebuilds_a_lost_index(app, library):
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("INSERT INTO ideas_fts(ideas_fts) VALUES ('delete-all')"))
        db.session.commit()
        assert found("library") == set()
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["search-reindex"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the search index of 9 ideas" in result.output
    assert found("library") == {"Longer", "Book"}


def test_searching_never_scans_titles_with_like(app, library):
    statements = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        ideas.search_ideas(None, q="library")
        similar_ideas("Library hours")
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert statements and not any(" LIKE " in s.upper() for s in statements)
    assert any("MATCH" in s or "@@" in s for s in statements)
