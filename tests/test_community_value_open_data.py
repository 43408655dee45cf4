"""The two statutory lists are complete (every listing in force, every refusal: no page
cut-off in the pages, the CSV or the JSON) and carry no personal data."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from citizenideas.extensions import db
from citizenideas.services import community_value as acv

REASONS = "The only place in the village where the clubs and the darts league can meet."
COUNT = 130  # more than any page size the site uses


def test_both_lists_hold_every_decision_and_no_person(client, make):
    staff = make.user(role="moderator", display_name="Morag Moderator",
                      email="morag@example.org")
    member = make.user(display_name="Mina Member", email="mina@example.org")
    org = make.organisation(name="Friends of the Green", members=[(member, "manager")])
    today = acv.today()
    for n in range(COUNT):
        listed = acv.nominate_asset(member, make.asset(name=f"Listed place {n:03}"),
                                    organisation=org, reasons=REASONS)
        acv.decide_nomination(staff, listed, "listed", "Its main use is social.")
        refused = acv.nominate_asset(staff, make.asset(name=f"Refused place {n:03}"),
                                     group_name=f"Neighbours {n:03}", reasons=REASONS)
        acv.decide_nomination(staff, refused, "not_listed", "Its main use is storage.")
    # A listing whose five years are over is no longer on the list.
    ended = acv.nominate_asset(member, make.asset(name="Ended place"), organisation=org,
                               reasons=REASONS)
    acv.decide_nomination(staff, ended, "listed", "Its main use is social.")
    ended.listed_until = today - timedelta(days=1)
    db.session.commit()

    for path, prefix in (("/assets/community-value", "Listed place"),
                         ("/assets/community-value/unsuccessful", "Refused place")):
        html = client.get(path).get_data(as_text=True)
        assert all(f"{prefix} {n:03}" in html for n in range(COUNT)), path
        assert "Ended place" not in html
        rows = list(csv.DictReader(io.StringIO(client.get(f"{path}.csv").get_data(as_text=True))))
        items = client.get(f"{path}.json").get_json()["items"]
        assert len(rows) == len(items) == COUNT, path
        assert {r["asset"] for r in rows} == {i["asset"] for i in items} == {
            f"{prefix} {n:03}" for n in range(COUNT)}
        for text in (html, client.get(f"{path}.csv").get_data(as_text=True),
                     client.get(f"{path}.json").get_data(as_text=True)):
            for person in (staff, member):
                assert person.display_name not in text and person.email not in text
    api = client.get("/api/v1/assets/community-value").get_json()["items"]
    assert len(api) == COUNT
