"""Demo Borough after its transfers: the operators' yearly reports and residents' word on
access.

- Elmstead Lido: transferred about two years ago to the Elmstead Lido Trust, which reopened
  it; two yearly reports (year 1 on time, year 2 just submitted) and three residents' access
  comments.
- Millbrook Library: transferred in 2021 to the library trust; reports for years 1 to 4, and
  year 5 overdue (the dashboards show one overdue report).
- Northgate Youth Hut: transferred this year; its first report is not yet due.

Every row is written directly with its past dates (no services: they stamp "now"), and each
step has its AssetEvent so the asset's timeline reads right. Nothing here is random.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from .extensions import db
from .models import (
    AccessComment,
    AssetEvent,
    AssetReport,
    TransferRequest,
    TransferStageChange,
)
from .services.asset_reports import due_on

LIDO_COMMITMENTS = dict(
    commitment_opening_hours="Open every day from May to September, 6.30am to 8pm, and "
                             "weekend mornings through the winter.",
    commitment_prices="Adult swims no dearer than the council's last price (£4.50) plus "
                      "inflation; under-16s and people on means-tested benefits swim free "
                      "before 10am.",
    commitment_accessibility="A pool hoist and step-free changing, and a changing places "
                             "toilet within two years.",
)

LIBRARY_COMMITMENTS = dict(
    commitment_opening_hours="Open at least 30 hours a week over six days, including one "
                             "evening and Saturday.",
    commitment_prices="Borrowing, computers and wifi stay free; room hire at cost for "
                      "community groups.",
    commitment_accessibility="Keep the home library service and the step-free entrance.",
)

HUT_COMMITMENTS = dict(
    commitment_opening_hours="Four evenings a week in term time and five days a week in "
                             "school holidays.",
    commitment_prices="Free for young people; hall hire at council rates for local groups.",
    commitment_accessibility="Make the toilets accessible in the first year.",
)


def seed(builder) -> None:
    """Add this part of the story to the demo council ``builder`` is writing."""
    trust = builder.orgs["elmstead_trust"]
    trust.created_at = builder.ago(1130)
    trust.verified_at = builder.ago(1120)
    _lido(builder)
    _library(builder)
    _youth_hut(builder)
    db.session.flush()


def _at(builder, days: float, hour: int = 11) -> datetime:
    """``days`` ago at ``hour`` o'clock (to the minute), in the demo's time zone."""
    day = builder.ago(days)
    return day.replace(hour=hour, minute=15, second=0, microsecond=0)


def _request(builder, asset_key: str, org_key: str, *, steps: list[tuple[str, float, str]],
             transferred_days: float, terms: str, commitments: dict, use: str,
             beneficiaries: str, reminded_for_year: int = 0) -> TransferRequest:
    """A transfer request that went through ``steps`` (stage, days ago, public message) and
    ended transferred; its stage changes and timeline entries."""
    asset, org = builder.assets[asset_key], builder.orgs[org_key]
    manager = builder.managers[org_key]
    staff = builder.moderator
    first = _at(builder, steps[0][1])
    done = _at(builder, transferred_days)
    request = TransferRequest(
        asset=asset, organisation=org, submitted_by=manager, proposed_use=use,
        beneficiaries=beneficiaries, capacity_people="A board of trustees, volunteers and "
        "paid staff where the law requires them.", capacity_money="A five-year business "
        "plan with grants, fees and fundraising.", capacity_experience="Our trustees run "
        "community buildings and clubs in the borough.", stage="transferred",
        stage_changed_at=done, submitted_at=first, terms=terms,
        decision_reason=steps[-1][2], decided_at=_at(builder, steps[-1][1]),
        transferred_on=done.date(), reminded_for_year=reminded_for_year, **commitments)
    db.session.add(request)
    db.session.flush()
    previous = None
    for stage, days, message in [*steps, ("transferred", transferred_days, terms)]:
        when = _at(builder, days)
        actor = manager if stage == "received" else staff
        db.session.add(TransferStageChange(request_id=request.id, from_stage=previous,
                                           to_stage=stage, message=message, actor_id=actor.id,
                                           created_at=when))
        event = {"received": "transfer_requested", "transferred": "transferred"}.get(
            stage, "transfer_stage")
        db.session.add(AssetEvent(asset_id=asset.id, event=event, message=message,
                                  actor_id=actor.id, organisation_id=org.id,
                                  transfer_request_id=request.id, created_at=when,
                                  stage=stage if event == "transfer_stage" else None))
        previous = stage
    return request


def _report(builder, request: TransferRequest, year: int, days_after_due: int, *,
            opening_hours: str, people: int, prices: str, access: str, story: str,
            commitments: str = "kept", note: str = "") -> None:
    due = due_on(request.transferred_on, year)
    submitted = datetime.combine(due + timedelta(days=days_after_due), time(14, 30),
                                 tzinfo=builder.now.tzinfo)
    org_key = next(k for k, o in builder.orgs.items() if o is request.organisation)
    manager = builder.managers[org_key]
    db.session.add(AssetReport(
        asset_id=request.asset.id, transfer_request_id=request.id,
        organisation_id=request.organisation.id, year_number=year, due_on=due,
        opening_hours=opening_hours, people_served=people, prices=prices,
        access_changes=access, story=story, commitments=commitments, commitments_note=note,
        submitted_by_id=manager.id, submitted_at=submitted))
    db.session.add(AssetEvent(asset_id=request.asset.id, event="report_published",
                              message=f"Yearly report for year {year} published.",
                              actor_id=manager.id, organisation_id=request.organisation.id,
                              transfer_request_id=request.id, created_at=submitted))


def _lido(builder) -> None:
    request = _request(
        builder, "elmstead_lido", "elmstead_trust",
        steps=[("received", 1000, "The Elmstead Lido Trust asked to take on the lido."),
               ("under_assessment", 975, "The council's assets team is assessing the request."),
               ("business_case_requested", 950, "We asked the trust for a business case "
                "covering the repairs to the pool tank."),
               ("approved", 800, "Approved by the cabinet: the trust's business case is sound "
                "and it has the money for the repairs.")],
        transferred_days=735, terms="A 30-year lease at a peppercorn rent; the council "
        "keeps the freehold and pays for the pool tank repairs up to £250,000.",
        commitments=LIDO_COMMITMENTS, use="Reopen the lido as an open-air pool for everyone.",
        beneficiaries="Swimmers of every age in Elmstead and the borough; schools and clubs.",
        reminded_for_year=2)
    _report(builder, request, 1, -2, opening_hours="Open from 24 May to 14 September 2025, "
            "every day 6.30am to 8pm; winter swims on Saturday and Sunday mornings.",
            people=41200, prices="Adults £4.50, under-16s £2, under-16s and people on "
            "means-tested benefits free before 10am.", access="A pool hoist and step-free "
            "changing were fitted before reopening.", story="The lido reopened on 24 May "
            "2025 after six years. Three primary schools now have swimming lessons here and "
            "the Elmstead Seals club is back.")
    _report(builder, request, 2, -3, opening_hours="Open from 10 May to 21 September 2026, "
            "every day 6.30am to 8pm; winter swims on Saturday and Sunday mornings.",
            people=52800, prices="Adults £4.70 (raised with inflation), under-16s £2, free "
            "early swims kept.", access="Evening hours cut to 7pm on Mondays for lack of "
            "lifeguards in July. The changing places toilet is not built yet.",
            story="A longer season and a sell-out swim for the hospice. We trained eight "
            "new lifeguards from the town.", commitments="partly_kept",
            note="The changing places toilet is a year late: the grant comes in 2027.")
    comments = [
        ("rosa.martins@example.org", "better", 300, "My children learnt to swim here this "
         "summer. It was shut for their whole childhood until last year."),
        ("nadia.haddad@example.org", "same", 120, "Prices are fair, about what the council "
         "charged. Queues on hot days are long."),
        ("lucy.barnes@example.org", "worse", 40, "I use a wheelchair and there is still no "
         "changing places toilet, so I can only come for short swims."),
    ]
    for email, change, days, body in comments:
        _comment(builder, request, email, change, days, body)


def _comment(builder, request, email: str, change: str, days: float, body: str) -> None:
    when = _at(builder, days, hour=19)
    author = builder.users[email]
    db.session.add(AccessComment(asset_id=request.asset.id, author_id=author.id,
                                 change=change, body=body, created_at=when))
    db.session.add(AssetEvent(asset_id=request.asset.id, event="access_comment",
                              message="A resident said how access has changed for them.",
                              actor_id=author.id, transfer_request_id=request.id,
                              created_at=when))


def _library(builder) -> None:
    request = _request(
        builder, "millbrook_library", "library_trust",
        steps=[("received", 2150, "The Millbrook Community Library Trust asked to take on "
                "the library."),
               ("under_assessment", 2120, "The council's assets team is assessing the request."),
               ("approved", 2030, "Approved: the trust has 60 volunteers ready and a "
                "coordinator funded for three years.")],
        transferred_days=1995, terms="A 25-year lease at a peppercorn rent; the council "
        "supplies the book stock and the computers.", commitments=LIBRARY_COMMITMENTS,
        use="Keep Millbrook Library open, run by volunteers.",
        beneficiaries="Everyone in Millbrook, especially children and older people.",
        reminded_for_year=5)
    years = [
        (1, -5, 9800, "kept", "", "Open 32 hours over six days.",
         "We kept every opening hour the council had, and added a Saturday afternoon."),
        (2, -1, 11400, "kept", "", "Open 34 hours over six days.",
         "The repair café started and mends about 40 things a month."),
        (3, 24, 12100, "partly_kept", "The Thursday evening closed for four months while "
         "we found volunteers.", "Open 30 hours over six days; no Thursday evening from "
         "January to April.", "A hard winter for volunteers, a good summer reading challenge."),
        (4, -8, 12900, "kept", "", "Open 33 hours over six days.",
         "The home library service reached 70 people who cannot get to us."),
    ]
    for year, late, people, kept, note, hours, story in years:
        _report(builder, request, year, late, opening_hours=hours, people=people,
                prices="Borrowing, computers and wifi free; room hire £8 an hour for "
                "community groups.", access="No change: step-free entrance and home "
                "library service kept.", story=story, commitments=kept, note=note)


def _youth_hut(builder) -> None:
    _request(
        builder, "youth_hut", "youth_project",
        steps=[("received", 420, "The Northgate Youth Project asked to take on the Youth "
                "Hut."),
               ("under_assessment", 400, "The council's assets team is assessing the request."),
               ("approved", 260, "Approved: the project has run youth work here for years.")],
        transferred_days=200, terms="A 20-year lease at a peppercorn rent; the project "
        "repairs the roof in its first year.", commitments=HUT_COMMITMENTS,
        use="Run the Youth Hut for 11 to 19-year-olds.",
        beneficiaries="Young people in Northgate and their families.")
