"""An idea delivered by a verified organisation, and everyone around it: the people asked
"Was it done?" (author, supporter, follower, pledger) and those who are not (a stranger, the
partner who delivered it, a moderator). Shared by the verification tests."""

from __future__ import annotations

from citizenideas.extensions import db
from citizenideas.models import utcnow
from citizenideas.services import claims, engagement, outcomes

PLAN = "We will plant fruit trees along the canal path with the school."
REPORT = {"result": "delivered", "summary": "Forty fruit trees planted along the canal path.",
          "people_reached": 300, "volunteer_hours": "120"}


class World:
    """Attributes: author, supporter, follower, pledger, commenter, stranger, partner,
    moderator, org, idea, report (after ``publish()``)."""

    def __init__(self, make, *, title: str = "Fruit trees on the canal path"):
        self.author = make.user(display_name="Ada Author")
        self.supporter = make.user(display_name="Sam Supporter")
        self.follower = make.user(display_name="Fay Follower")
        self.pledger = make.user(display_name="Pat Pledger")
        self.commenter = make.user(display_name="Cal Commenter")
        self.stranger = make.user(display_name="Stan Stranger")
        self.moderator = make.user(role="moderator", display_name="Mo Moderator")
        self.partner = make.user(display_name="Pia Partner")
        self.org = make.organisation(name=f"Friends of {title}",
                                     members=[(self.partner, "manager")])
        self.idea = make.idea(author=self.author, status="accepted", title=title,
                              first_response_at=utcnow())
        engagement.support_idea(self.supporter, self.idea)
        engagement.follow_idea(self.follower, self.idea)
        engagement.pledge_help(self.pledger, self.idea, kind="time",
                               message="I can dig on Saturdays.", hours=4)
        db.session.commit()
        # A commenter who then stops following has no stake (comments are not a stake).
        engagement.post_comment(self.commenter, self.idea, "Lovely idea for the canal.")
        engagement.unfollow_idea(self.commenter, self.idea)
        claim = claims.claim_idea(self.partner, self.idea, self.org, plan=PLAN)
        claims.decide_claim(self.moderator, claim, "approve", "")
        db.session.commit()
        self.report = None

    @property
    def stakeholders(self):
        return [self.author, self.supporter, self.follower, self.pledger]

    def submit(self):
        self.report = outcomes.save_outcome_report(self.partner, self.idea, submit=True,
                                                   **REPORT)
        db.session.commit()
        return self.report

    def publish(self):
        report = self.report or self.submit()
        outcomes.publish_outcome(self.moderator, report)
        db.session.commit()
        return report

    def residents(self, make, n: int):
        """``n`` more followers (following is open after publication too: they may answer)."""
        people = [make.user() for _ in range(n)]
        for person in people:
            engagement.follow_idea(person, self.idea)
        db.session.commit()
        return people
