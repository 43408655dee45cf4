"""The audit log page reads as sentences an admin understands: what changed, from what to
what, with field names in words and text escaped once; not raw JSON full of \\u escape codes.
The raw record stays one click away."""

from __future__ import annotations

import re

import pytest

from citizenideas.extensions import db
from citizenideas.models import AuditLog
from citizenideas.services import audit
from citizenideas.services.lifecycle import change_status


@pytest.fixture
def admin(make, auth):
    user = make.user(role="admin", email="admin@example.org", display_name="Ada Admin")
    auth.sign_in(user.email)
    return user


def _entry_html(html: str) -> str:
    """The list of entries, without the raw records (the <details>)."""
    entries = html.split('class="ci-card"', 1)[1]
    return re.sub(r"<details.*?</details>", "", entries, flags=re.S)


def test_a_status_change_reads_as_from_and_to_with_labels(client, make, admin):
    idea = make.idea()
    change_status(admin, idea, "declined", "Café <b>benches</b> & “quotes” are outside our remit.")
    db.session.commit()
    html = client.get("/admin/audit").get_data(as_text=True)
    entry = _entry_html(html)
    assert "Status changed" in entry
    assert "Status:</strong> Submitted \u2192 Declined" in entry
    assert ("Public message:</strong> Café &lt;b&gt;benches&lt;/b&gt; &amp; “quotes” are "
            "outside our remit.") in entry
    assert "\\u" not in html and "{&#34;" not in entry and '{"' not in entry


def test_the_raw_record_is_kept_in_a_details_element(client, make, admin):
    idea = make.idea()
    change_status(admin, idea, "accepted", "Yes <please>")
    db.session.commit()
    html = client.get("/admin/audit").get_data(as_text=True)
    raw = re.search(r"<details.*?</details>", html, re.S).group(0)
    assert "Raw record" in raw
    assert "&#34;status&#34;: &#34;accepted&#34;" in raw or "&quot;status&quot;" in raw \
        or '"status": "accepted"' in raw.replace("&#34;", '"')
    assert "Yes &lt;please&gt;" in raw and "\\u003c" not in raw


def test_values_become_words_yes_no_nothing_and_changes_show_only_what_changed():
    entry = AuditLog(action="idea.hide", target_type="Idea", target_id=3,
                     before={"hidden": False, "hidden_reason": None},
                     after={"hidden": True, "hidden_reason": "Abusive"})
    assert [(str(label), text) for label, text in audit.describe_entry(entry)] == [
        ("Hidden", "No \u2192 Yes"), ("Reason for hiding", "nothing \u2192 Abusive")]
    deleted = AuditLog(action="template.delete", target_type="ResponseTemplate", target_id=1,
                       before={"status": "declined", "title": "Too costly"}, after=None)
    assert [(str(label), text) for label, text in audit.describe_entry(deleted)] == [
        ("Status", "was Declined"), ("Title", "was Too costly")]
    same = AuditLog(action="settings.update", target_type="SiteSetting", target_id=None,
                    before={"COUNCIL_NAME": "Dunbridge", "RESPONSE_TARGET_DAYS": "14"},
                    after={"COUNCIL_NAME": "Dunbridge", "RESPONSE_TARGET_DAYS": "21"})
    assert [(str(label), text) for label, text in audit.describe_entry(same)] == [
        ("Council name", "Dunbridge (unchanged)"), ("Response target in days", "14 \u2192 21")]


def test_an_action_has_a_name_in_words(client, make, admin):
    assert str(audit.action_label("flag.resolve")) == "Report resolved"
    assert audit.action_label("something.new") == "something.new"
