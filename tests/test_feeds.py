"""Atom feeds: valid Atom 1.0 with stable tag: ids, newest first, nothing from hidden ideas."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from citizenideas.extensions import db
from citizenideas.models import OutcomeReport, StatusChange, utcnow

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = ["/feeds/ideas.atom", "/feeds/status-changes.atom", "/feeds/outcomes.atom"]


@pytest.fixture
def activity(make):
    moderator = make.user(role="moderator")
    org = make.organisation(name="Riverside Volunteers")
    now = utcnow()
    older = make.idea(title="Older idea about trees", created_at=now - timedelta(days=3))
    newer = make.idea(title="Newer idea about benches", created_at=now - timedelta(days=1),
                      status="delivered")
    hidden = make.idea(title="Hidden idea never shown", hidden=True)
    db.session.add_all([
        StatusChange(idea_id=older.id, from_status="submitted", to_status="declined",
                     actor_id=moderator.id, message="Not on council land.",
                     created_at=now - timedelta(hours=5)),
        StatusChange(idea_id=newer.id, from_status="submitted", to_status="accepted",
                     actor_id=moderator.id, message="Yes please.",
                     created_at=now - timedelta(hours=2)),
        StatusChange(idea_id=hidden.id, from_status="submitted", to_status="accepted",
                     actor_id=moderator.id, message="Hidden idea change message"),
        StatusChange(idea_id=newer.id, event="edited", from_status="accepted",
                     to_status="accepted", message="Edited text, not a status change"),
        OutcomeReport(idea_id=newer.id, organisation_id=org.id, author_id=moderator.id,
                      state="published", result="delivered", summary="Six benches installed.",
                      published_at=now),
        OutcomeReport(idea_id=older.id, author_id=moderator.id, state="draft",
                      result="delivered", summary="Draft outcome not shown"),
    ])
    db.session.commit()
    return {"older": older, "newer": newer, "hidden": hidden}


def _parse(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = etree.fromstring(response.get_data())
    assert root.tag == f"{ATOM}feed"
    return root


def _text(element, name):
    child = element.find(f"{ATOM}{name}")
    assert child is not None, f"missing atom:{name}"
    return child.text


@pytest.mark.parametrize("path", FEEDS)
def test_every_feed_is_valid_atom(client, activity, path):
    root = _parse(client, path)
    assert _text(root, "id").startswith("tag:localhost,2026:feed/")
    assert _text(root, "title")
    assert _text(root, "updated")
    assert root.find(f"{ATOM}author/{ATOM}name").text
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == f"http://localhost{path}"
    assert root.find(f"{ATOM}link[@rel='alternate']") is not None
    entries = root.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        assert _text(entry, "id").startswith("tag:localhost,2026:")
        assert _text(entry, "title")
        assert _text(entry, "updated")
        links = [link for link in entry.findall(f"{ATOM}link")
                 if link.get("rel", "alternate") == "alternate"]  # rel defaults to alternate
        assert links and links[0].get("href").startswith("http://localhost/ideas/")


@pytest.mark.parametrize("path", FEEDS)
def test_entry_ids_are_stable_between_requests(client, activity, path):
    def ids():
        return [e.find(f"{ATOM}id").text for e in _parse(client, path).findall(f"{ATOM}entry")]

    assert ids() == ids()
    assert len(set(ids())) == len(ids())


def test_ideas_feed_lists_public_ideas_newest_first(client, activity):
    root = _parse(client, "/feeds/ideas.atom")
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert titles == ["Newer idea about benches", "Older idea about trees"]
    first_id = root.find(f"{ATOM}entry/{ATOM}id").text
    assert first_id == f"tag:localhost,2026:idea/{activity['newer'].id}"


def test_status_changes_feed_has_the_public_messages_but_not_hidden_ideas(client, activity):
    root = _parse(client, "/feeds/status-changes.atom")
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "Newer idea about benches: accepted", "Older idea about trees: declined"]
    assert entries[1].find(f"{ATOM}summary").text == "Not on council land."
    body = etree.tostring(root, encoding="unicode")
    assert "Hidden idea" not in body
    assert "Edited text" not in body


def test_outcomes_feed_has_published_outcomes_only(client, activity):
    root = _parse(client, "/feeds/outcomes.atom")
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert entries[0].find(f"{ATOM}summary").text == "Six benches installed."
    assert entries[0].find(f"{ATOM}author/{ATOM}name").text == "Riverside Volunteers"


@pytest.mark.parametrize("path", FEEDS)
def test_an_empty_feed_is_still_valid(client, app, path):
    root = _parse(client, path)
    assert _text(root, "updated")
    assert root.findall(f"{ATOM}entry") == []


@pytest.mark.parametrize("page, feed", [("/accountability", "/feeds/status-changes.atom"),
                                        ("/outcomes", "/feeds/outcomes.atom")])
def test_pages_advertise_their_feeds(client, app, page, feed):
    html = client.get(page).get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert f'href="{feed}"' in html


def test_a_feed_asked_for_in_welsh_carries_the_councils_welsh_names(client, activity):
    from citizenideas.models import SiteSetting

    ward = activity["newer"].ward
    ward.name_cy = "Glan yr Afon"
    db.session.add(SiteSetting(key="COUNCIL_NAME_CY", value="Cyngor Bwrdeistref Demo"))
    db.session.commit()
    root = _parse(client, "/feeds/ideas.atom?lang=cy")
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "cy-GB"
    assert _text(root, "title").endswith("– Cyngor Bwrdeistref Demo")
    summaries = [_text(entry, "summary") for entry in root.findall(f"{ATOM}entry")]
    assert any(summary.startswith("Glan yr Afon · ") for summary in summaries)
    # The English feed is untouched (and is a copy of its own in the page cache).
    english = _parse(client, "/feeds/ideas.atom?lang=en")
    assert "Cyngor" not in _text(english, "title")
