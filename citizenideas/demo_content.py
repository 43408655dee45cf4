"""The words of the Demo Borough demo council: places, people, partners and their ideas.

Everything here is invented. Postcodes use the made-up "DB" area, UPRNs start 9000 and ward
codes sit in an unused E0509990x range, so nothing can be mistaken for a real place.
``citizenideas.demo`` turns this into rows.
"""

from __future__ import annotations

from dataclasses import dataclass

PASSWORD = "demo-pass-1234"
TOWN_CENTRE = (52.6210, -1.6930)

# name, ONS-style code, (lat, lon) of the ward's middle
WARDS = [
    ("Abbey Fields", "E05099901", (52.6268, -1.7051)),
    ("Brookside", "E05099902", (52.6133, -1.7102)),
    ("Castle Hill", "E05099903", (52.6239, -1.6905)),
    ("Elmstead", "E05099904", (52.6327, -1.6779)),
    ("Hartwell Green", "E05099905", (52.6084, -1.6741)),
    ("Millbrook", "E05099906", (52.6171, -1.6858)),
    ("Northgate", "E05099907", (52.6352, -1.6963)),
    ("St Anne's", "E05099908", (52.6119, -1.6952)),
]

# name, slug, one-line description
CATEGORIES = [
    ("Parks and green spaces", "parks-and-green-spaces",
     "Parks, play areas, allotments, trees, verges and the wildlife that lives in them."),
    ("Libraries and learning", "libraries-and-learning",
     "Libraries, reading, skills, homework help and learning at any age."),
    ("Streets and getting around", "streets-and-getting-around",
     "Pavements, crossings, cycling, buses, benches and feeling safe on the way."),
    ("Young people", "young-people",
     "Places to go and things to do for children, teenagers and young adults."),
    ("Older people and loneliness", "older-people-and-loneliness",
     "Company, support and getting out and about for older residents and carers."),
    ("Sport and leisure", "sport-and-leisure",
     "Pools, pitches, leisure centres and ways to stay active together."),
    ("Arts and culture", "arts-and-culture",
     "Music, murals, heritage, events and making the borough a more interesting place."),
    ("Food and cost of living", "food-and-cost-of-living",
     "Warm spaces, pantries, repair and sharing, and help making money go further."),
]

# The team that answers for each category, named in public messages.
TEAMS = {
    "parks-and-green-spaces": "parks and open spaces team",
    "libraries-and-learning": "libraries team",
    "streets-and-getting-around": "highways and transport team",
    "young-people": "youth services team",
    "older-people-and-loneliness": "community connections team",
    "sport-and-leisure": "leisure and wellbeing team",
    "arts-and-culture": "culture and events team",
    "food-and-cost-of-living": "cost of living support team",
}

ORGANISATIONS = [
    dict(key="library_trust", name="Millbrook Community Library Trust",
         registered_number="Charity 1187423",
         description="Volunteers have run Millbrook Library since the council transferred it to "
                     "us in 2021. Around 60 volunteers keep it open six days a week, with "
                     "story times, a home library service and a monthly repair café.",
         website="https://millbrook-library.example.org",
         contact_email="hello@millbrook-library.example.org"),
    dict(key="friends_castle_park", name="Friends of Castle Park",
         registered_number="Charity 1201456",
         description="A friends group of neighbours who look after Castle Park with the "
                     "council's parks team: monthly work days, bulb planting, guided walks and "
                     "keeping an eye on the place we love.",
         website="https://friendsofcastlepark.example.org",
         contact_email="friends@castlepark.example.org"),
    dict(key="st_annes_residents", name="St Anne's Residents' Association",
         registered_number="Charity 1190562",
         description="Neighbours in St Anne's who have run the community hall day to day under "
                     "a licence from the council since 2015: the warm space, the community "
                     "pantry, a toddler group and the over-60s lunch club.",
         website="https://stannes-residents.example.org",
         contact_email="hello@stannes-residents.example.org"),
    dict(key="elmstead_trust", name="Elmstead Lido Trust",
         registered_number="Charity (CIO) 1199870",
         description="Residents who campaigned to save Elmstead Lido and took it on from the "
                     "council in 2024. We reopened the pool in May 2025 and run it with paid "
                     "lifeguards and around 80 volunteers.",
         website="https://elmstead-lido.example.org",
         contact_email="hello@elmstead-lido.example.org"),
    dict(key="youth_project", name="Northgate Youth Project",
         registered_number="Charity 1174310; company 09876543",
         description="A youth charity for 11 to 19-year-olds across the borough. We run the "
                     "Youth Hut in Northgate, detached youth work, holiday sport and a young "
                     "people's arts programme.",
         website="https://northgate-youth.example.org",
         contact_email="team@northgate-youth.example.org"),
]

ASSETS = [
    dict(key="millbrook_library", name="Millbrook Library", kind="library", ward="Millbrook",
         address="2 Library Walk, Millbrook, Demo Borough", postcode="DB4 7LW",
         uprn="900000104711", lat=52.6168, lon=-1.6861, tenure="leasehold",
         status="transferred", operator="library_trust",
         description="Transferred to the Millbrook Community Library Trust on a 25-year lease in "
                     "2021. Run by volunteers with a part-time paid coordinator; the council "
                     "still supplies the book stock and the computers."),
    dict(key="northgate_library", name="Northgate Library", kind="library", ward="Northgate",
         address="Northgate Precinct, Northgate, Demo Borough", postcode="DB2 3NP",
         uprn="900000102310", lat=52.6349, lon=-1.6958, tenure="freehold",
         status="council_run", operator=None,
         description="The borough's largest library, run by the council. Study space, public "
                     "computers, a children's library and meeting rooms for hire."),
    dict(key="hartwell_library", name="Hartwell Green Library", kind="library",
         ward="Hartwell Green", address="41 High Street, Hartwell Green, Demo Borough",
         postcode="DB6 2HG", uprn="900000106241", lat=52.6088, lon=-1.6736,
         tenure="freehold", status="council_run", operator=None,
         description="A small branch library open three days a week. The Millbrook Community "
                     "Library Trust has asked to take it on through a community asset "
                     "transfer, and the council has asked for its business case."),
    dict(key="castle_park", name="Castle Park", kind="park", ward="Castle Hill",
         address="Castle Street, Castle Hill, Demo Borough", postcode="DB1 4CP",
         uprn="900000101402", lat=52.6242, lon=-1.6899, tenure="freehold",
         status="council_run", operator=None,
         description="Twelve hectares of parkland around the old castle mound, with a café, "
                     "play area, riverside path and bandstand. Looked after by the council's "
                     "parks team with help from the Friends of Castle Park."),
    dict(key="brookside_rec", name="Brookside Recreation Ground", kind="sports",
         ward="Brookside", address="Brook Lane, Brookside, Demo Borough", postcode="DB3 8BR",
         uprn="900000103815", lat=52.6129, lon=-1.7110, tenure="freehold",
         status="council_run", operator=None,
         description="Two grass football pitches, a multi-use games area, changing rooms and a "
                     "car park. Booked through the council's leisure team."),
    dict(key="elmstead_lido", name="Elmstead Lido", kind="pool", ward="Elmstead",
         address="Lido Road, Elmstead, Demo Borough", postcode="DB5 1EL",
         uprn="900000105120", lat=52.6331, lon=-1.6770, tenure="freehold",
         status="transferred", operator="elmstead_trust",
         description="A 1930s open-air pool, closed by the council in 2019. Transferred to the "
                     "Elmstead Lido Trust on a 30-year lease in November 2024; the trust "
                     "repaired the pool tank and reopened it in May 2025. Open May to "
                     "September, with winter swimming at weekends."),
    dict(key="abbey_leisure", name="Abbey Fields Leisure Centre", kind="pool",
         ward="Abbey Fields", address="Abbey Road, Abbey Fields, Demo Borough",
         postcode="DB1 9AF", uprn="900000100913", lat=52.6271, lon=-1.7046,
         tenure="freehold", status="council_run", operator=None,
         description="A 25-metre pool, learner pool, sports hall and gym, run by the council's "
                     "leisure team."),
    dict(key="st_annes_centre", name="St Anne's Community Hall", kind="hall",
         ward="St Anne's", address="St Anne's Road, St Anne's, Demo Borough",
         postcode="DB7 2SA", uprn="900000107205", lat=52.6117, lon=-1.6948,
         tenure="leasehold", status="community_run", operator=None,
         description="Run day to day by the St Anne's Residents' Association under a licence "
                     "from the council. Main hall, kitchen and two meeting rooms. The "
                     "association has asked to take the hall on through a community asset "
                     "transfer; the council is assessing the request."),
    dict(key="youth_hut", name="Northgate Youth Hut", kind="community_centre", ward="Northgate",
         address="Rear of 14 Station Road, Northgate, Demo Borough", postcode="DB2 5YH",
         uprn="900000102514", lat=52.6360, lon=-1.6971, tenure="leasehold",
         status="transferred", operator="youth_project",
         description="A former council youth club, transferred to the Northgate Youth Project "
                     "on a long lease. Open four evenings a week and in school holidays."),
    dict(key="millbrook_allotments", name="Millbrook Allotments", kind="allotment",
         ward="Millbrook", address="Mill Lane, Millbrook, Demo Borough", postcode="DB4 6ML",
         uprn="900000104603", lat=52.6180, lon=-1.6842, tenure="leasehold",
         status="community_run", operator=None,
         description="Forty-eight plots managed by the Millbrook Allotment Society, which leases "
                     "the site from the council and keeps the waiting list."),
    dict(key="scout_hall", name="Castle Hill Scout and Guide Hall", kind="hall",
         ward="Castle Hill", address="7 Tower Lane, Castle Hill, Demo Borough",
         postcode="DB1 5TL", uprn="900000101507", lat=52.6230, lon=-1.6920,
         tenure="freehold", status="community_run", operator=None,
         description="A timber hall used by scouts, guides, a toddler group and a slimming "
                     "club. Listed as an asset of community value in 2024."),
    dict(key="old_fire_station", name="The Old Fire Station, Hartwell", kind="other",
         ward="Hartwell Green", address="2 Station Yard, Hartwell Green, Demo Borough",
         postcode="DB6 4FS", uprn="900000106408", lat=52.6079, lon=-1.6729,
         tenure="freehold", status="council_run", operator=None,
         description="A Victorian fire station, empty since the service moved out. A request to "
                     "turn it into an arts space was declined because the building needs "
                     "repairs first; the council will invite proposals again once it is "
                     "safe."),
    dict(key="castle_inn", name="The Castle Inn", kind="other", ward="Castle Hill",
         address="18 Castle Street, Castle Hill, Demo Borough", postcode="DB1 4CN",
         uprn="900000101618", lat=52.6251, lon=-1.6912, tenure="freehold",
         status="community_run", operator=None,
         description="A 1920s pub by the castle gate, privately owned. Its function room is "
                     "home to the folk club, the darts league, a weekly lunch club and the "
                     "Friends of Castle Park's meetings."),
    dict(key="brookside_car_park", name="Brook Lane Car Park", kind="other", ward="Brookside",
         address="Brook Lane, Brookside, Demo Borough", postcode="DB3 8BL",
         uprn="900000103822", lat=52.6134, lon=-1.7102, tenure="freehold",
         status="council_run", operator=None,
         description="A 60-space pay-and-display car park next to the recreation ground, "
                     "owned and run by the council."),
]

# email, display name, role, home ward
DEMO_ACCOUNTS = [
    ("resident@example.org", "Alex Morgan", "resident", "Millbrook"),
    ("resident2@example.org", "Priya Shah", "resident", "Northgate"),
    ("resident3@example.org", "Tom Hughes", "resident", "Castle Hill"),
    ("moderator@example.org", "Jo Fletcher (Community Ideas Team)", "moderator", None),
    ("admin@example.org", "Demo Borough administrator", "admin", None),
    ("partner@example.org", "Helen Carter", "resident", "Millbrook"),
]

# display name, home ward: more residents, so supports and comments look real.
# Emails are made from the name: "Grace Okafor" -> grace.okafor@example.org
RESIDENTS = [
    ("Grace Okafor", "Castle Hill"), ("Dev Mistry", "Northgate"), ("Owen Price", "Millbrook"),
    ("Margaret Ellis", "St Anne's"), ("Kwame Mensah", "Brookside"), ("Sophie Walker", "Elmstead"),
    ("Hamid Rahimi", "Northgate"), ("Linda Chapman", "Hartwell Green"),
    ("Ben Whitaker", "Abbey Fields"), ("Agnieszka Nowak", "Millbrook"),
    ("Chris Doyle", "Brookside"), ("Fatima Begum", "St Anne's"), ("Gareth Lloyd", "Castle Hill"),
    ("Rosa Martins", "Elmstead"), ("Pete Sullivan", "Hartwell Green"),
    ("Aisha Yusuf", "Abbey Fields"), ("Jenny Clarke", "Northgate"), ("Ravi Patel", "Millbrook"),
    ("Eileen Murphy", "St Anne's"), ("Callum Reid", "Brookside"), ("Nadia Haddad", "Elmstead"),
    ("Stuart Bell", "Castle Hill"), ("Yvonne Grant", "Hartwell Green"),
    ("Tariq Ahmed", "Abbey Fields"), ("Lucy Barnes", "Elmstead"),
]

# email, organisation key, role
MEMBERSHIPS = [
    ("partner@example.org", "library_trust", "manager"),
    ("owen.price@example.org", "library_trust", "member"),
    ("grace.okafor@example.org", "friends_castle_park", "manager"),
    ("dev.mistry@example.org", "youth_project", "manager"),
    ("margaret.ellis@example.org", "st_annes_residents", "manager"),
    ("sophie.walker@example.org", "elmstead_trust", "manager"),
]


@dataclass(frozen=True)
class Outcome:
    """A published (or not yet published) outcome report, in the deliverer's own words."""

    result: str
    summary: str
    people_reached: int | None
    volunteer_hours: float | None
    spend_pounds: int | None
    funding_source: str | None
    story: str
    lessons: str


@dataclass(frozen=True)
class IdeaSeed:
    """One demo idea and what happened to it."""

    title: str
    description: str
    category: str
    ward: str
    status: str
    days_ago: int
    author: str | None = None          # an email; None picks one of RESIDENTS
    location: str | None = None
    assets: tuple[str, ...] = ()
    late: bool = False                 # answered after the 20-day response target
    reviewed: bool = True              # went through under_review on the way
    message: str = ""                  # the public message for the deciding change
    org: str | None = None             # delivering organisation; None = the council
    plan: str = ""
    updates: tuple[str, ...] = ()
    outcome: Outcome | None = None
    outcome_state: str = "published"   # in-delivery ideas: "submitted" or "draft"
    reopened: str = ""                 # declined then reopened with this message
    duplicate_of: str | None = None    # title of the idea it was merged into


I = IdeaSeed  # noqa: E741 - keeps the long list below readable
R1, R2, R3 = "resident@example.org", "resident2@example.org", "resident3@example.org"

IDEAS: list[IdeaSeed] = [
    # ---------------------------------------------------------------- delivered
    I("Reading buddies for children at Millbrook Library",
      "Lots of children in Millbrook are behind with their reading since the pandemic. Could "
      "volunteers be paired with children for half an hour a week after school to read "
      "together? The library is already there and has the books. I'd happily be a buddy.",
      "libraries-and-learning", "Millbrook", "delivered", 350, author=R1,
      assets=("millbrook_library",), org="library_trust",
      plan="We will recruit and DBS-check 20 volunteer reading buddies, train them with the "
           "local primary schools, and run sessions on Tuesday and Thursday after school.",
      updates=("Twelve volunteers have finished their training and their DBS checks. Thank you "
               "to everyone who came forward from this page.",
               "Sessions started this week with 24 children. Two more schools have asked to "
               "join, so we are looking for six more buddies."),
      outcome=Outcome("delivered",
                      "Reading buddies now runs twice a week at Millbrook Library, with 21 "
                      "volunteers and a waiting list of children.",
                      140, 410, 1250, "Demo Borough Community Chest",
                      "We hoped for twenty children and a hundred and forty have come so far. "
                      "One Year 4 boy who wouldn't open a book when he started has now read "
                      "his first chapter book aloud to his buddy; his mum cried, and so did "
                      "our volunteer. The schools tell us which children would benefit "
                      "and we match them with the same buddy every week.",
                      "Matching a child with the same adult every week mattered more than "
                      "anything else. DBS checks took seven weeks: start them early.")),
    I("Clear the brambles and reopen the riverside path in Castle Park",
      "The riverside path at the bottom of Castle Park has been blocked by brambles and fallen "
      "branches for two years. It's the nicest walk in town and people now walk on the road "
      "instead. A few work days with volunteers could open it up again.",
      "parks-and-green-spaces", "Castle Hill", "delivered", 330, location="Riverside path, "
      "Castle Park", assets=("castle_park",), org="friends_castle_park",
      plan="Three Saturday work days with the parks team supplying tools, skips and a "
           "tree surgeon for the fallen willow. We'll recruit volunteers through our "
           "newsletter and this page.",
      updates=("First work day done: 31 volunteers cleared about half the path. The parks team "
               "took away four skips of brambles.",
               "The fallen willow has been made safe and cut into habitat piles for insects. "
               "One more work day to go."),
      outcome=Outcome("delivered",
                      "The riverside path is open along its whole length again after three "
                      "volunteer work days.",
                      64, 192, 480, "Council parks budget (skips and tree surgery)",
                      "Sixty-four people turned up over three Saturdays, including a scout troop "
                      "and a family who had only moved in the week before. We've since counted "
                      "more than 300 walkers a day on the path at weekends.",
                      "Ask the parks team about nesting season before you plan: we had to move "
                      "one work day by two months.")),
    I("Warm space with free tea on weekday afternoons",
      "Plenty of older people round here are sitting in the cold to save on heating. St Anne's "
      "Community Hall is warm and empty most afternoons. Could it open as a warm space with a "
      "cup of tea and some company?",
      "older-people-and-loneliness", "St Anne's", "delivered", 320,
      assets=("st_annes_centre",),
      message="Accepted. We will fund the heating and refreshments from the Household Support "
              "Fund, and the residents' association has agreed to host.",
      updates=("The warm space opens on Monday 1pm to 4pm, Monday to Thursday. Volunteers from "
               "the residents' association will be there every day.",),
      outcome=Outcome("delivered",
                      "The warm space ran four afternoons a week through the cold months, with "
                      "free tea, soup on Thursdays and benefits advice once a month.",
                      320, 540, 2900, "Household Support Fund",
                      "On the coldest days we had more than forty people. Several of our regulars "
                      "now come to the centre's other groups too, and the benefits advice helped "
                      "eleven households claim money they were owed.",
                      "People came for the warmth and stayed for the company. Next time we "
                      "will open as soon as the weather turns, not when it is already cold.")),
    I("Free holiday football sessions at Brookside Rec",
      "In the school holidays there's nothing for kids to do in Brookside unless parents can "
      "pay for camps. Free football sessions on the rec, with a coach and some lunch, would "
      "keep a lot of children busy and fed.",
      "young-people", "Brookside", "delivered", 300, assets=("brookside_rec",),
      org="youth_project", late=True,
      plan="Four weeks of free holiday sessions, Monday to Thursday 10am to 2pm, with "
           "qualified coaches, a hot lunch and places kept for children on free school meals.",
      updates=("Bookings opened today and 60 places went in the first two days.",
               "Week two: 70 children a day. Lunch is from the "
               "Brookside café, which has given us a good price."),
      outcome=Outcome("delivered",
                      "Sixteen days of free football and lunch for 8 to 14-year-olds over the "
                      "school holidays.",
                      186, 260, 6400, "Holiday Activities and Food programme",
                      "A hundred and eighty-six children came at least once, and half came "
                      "every week. Two girls have since joined a local club.",
                      "Running it on the rec meant kids could walk there. Having a hot meal "
                      "brought in families who would never book a sports camp.")),
    I("Benches along Hartwell Road for people who need a rest",
      "Hartwell Road is a long walk uphill from the bus stop to the health centre and there's "
      "nowhere to sit. My mum has to stop and lean on walls. Two or three benches on the way "
      "would make a real difference.",
      "streets-and-getting-around", "Hartwell Green", "delivered", 290,
      location="Hartwell Road, between the bus stop and the health centre",
      message="Accepted. The highways team has found four places wide enough for a bench "
              "without blocking the pavement.",
      outcome=Outcome("delivered",
                      "Four new benches with arm rests have been installed along Hartwell Road.",
                      None, None, 3600, "Ward councillors' budget",
                      "We chose benches with arms because they are easier to get up from. A "
                      "resident has adopted each one and reports any damage.",
                      "Measuring pavement widths first saved us from two sites that looked fine "
                      "on the map but would have blocked wheelchairs.")),
    I("Community fridge at Northgate Library",
      "Shops and cafés throw away good food every night. A community fridge where anyone can "
      "take what they need, no questions asked, would cut waste and help people struggling "
      "with the cost of food.",
      "food-and-cost-of-living", "Northgate", "partly_delivered", 280,
      assets=("northgate_library",), org="youth_project",
      plan="Our young volunteers will collect surplus food from four local shops each evening "
           "and stock a fridge in the library foyer, following food hygiene rules.",
      updates=("The fridge is in and has passed its food hygiene inspection.",
               "We now collect from six shops. The fridge is usually empty within two hours of "
               "being stocked."),
      outcome=Outcome("partly_delivered",
                      "The community fridge is open three days a week rather than the five we "
                      "planned, because we need more volunteers to collect food.",
                      900, 380, 1100, "Demo Borough Community Chest and a supermarket grant",
                      "Our young volunteers have saved about four tonnes of food from the bin. "
                      "They've also earned their Duke of Edinburgh volunteering section doing "
                      "it.",
                      "Evening collections are hard for volunteers with families. We're now "
                      "asking shops about lunchtime collections.")),
    I("Homework club for secondary pupils",
      "Not every teenager has a quiet place to do homework or a laptop at home. A homework "
      "club with wifi, laptops and someone to help would stop kids falling behind.",
      "young-people", "Northgate", "delivered", 270, assets=("youth_hut",), org="youth_project",
      plan="A homework club at the Youth Hut on Monday and Wednesday, 4pm to 6pm, with ten "
           "refurbished laptops and volunteer tutors, including retired teachers.",
      updates=("Ten laptops have been donated by a local firm and set up by our volunteers.",),
      outcome=Outcome("delivered",
                      "The homework club runs twice a week at the Youth Hut with volunteer "
                      "tutors and loan laptops.",
                      75, 300, 800, "Donated laptops and a Community Chest grant",
                      "Most weeks 20 young people come. Four retired teachers volunteer, and "
                      "one of them says it's the best part of her week.",
                      "Young people wanted somewhere to be, not just help with homework, so we "
                      "added toast and a games corner.")),
    I("Wildflower verges instead of mowing on Elmstead Way",
      "The council mows the wide verges on Elmstead Way every two weeks. Leaving some of them "
      "to grow as wildflower meadows would save money and help bees and butterflies.",
      "parks-and-green-spaces", "Elmstead", "delivered", 260, location="Elmstead Way verges",
      late=True,
      message="Accepted. The parks team will trial wildflower verges on Elmstead Way and keep "
              "a mown strip next to the pavement.",
      outcome=Outcome("delivered",
                      "Three verges on Elmstead Way were sown with native wildflowers and are "
                      "now cut once a year.",
                      None, 24, 650, "Council parks budget",
                      "Local children helped sow the seed, and the first survey counted 14 kinds "
                      "of bee and butterfly. The mowing saving pays for the seed within two "
                      "years.",
                      "Some neighbours thought the verges looked untidy at first. Signs "
                      "explaining the meadow helped.")),
    I("Monthly repair café at Millbrook Library",
      "Instead of throwing away broken toasters, lamps and clothes, people could bring them to "
      "a repair café where volunteers show them how to fix things. It saves money and it's "
      "sociable.",
      "food-and-cost-of-living", "Millbrook", "delivered", 240, assets=("millbrook_library",),
      org="library_trust",
      plan="A repair café on the last Saturday of every month, with volunteer fixers for "
           "electricals, textiles, bikes and furniture.",
      updates=("We have eleven volunteer fixers signed up, including two electricians.",
               "First repair café: 38 items fixed out of 52 brought in."),
      outcome=Outcome("delivered",
                      "The repair café now runs every month, fixing about two thirds of "
                      "everything brought in.",
                      410, 350, 300, "Tools donated; insurance from the trust's budget",
                      "We've fixed 280 items so far, from a 1970s sewing machine to a child's "
                      "favourite robot. People stay for tea and cake while they wait.",
                      "Electrical items need a PAT test after repair; we bought a tester.")),
    I("Mural on the underpass by Abbey Fields station",
      "The underpass by the station is grey and grim and people avoid it at night. Young "
      "people could design and paint a mural to make it brighter and feel safer.",
      "arts-and-culture", "Abbey Fields", "delivered", 230, author=R2,
      location="Station underpass, Abbey Fields", org="youth_project",
      plan="Eight young artists will run design workshops with local schools and paint the "
           "mural over the school holidays with a professional muralist.",
      updates=("The design is ready, based on 200 drawings by local children.",
               "Painting starts on Monday. Network Rail has agreed the paint and the hours."),
      outcome=Outcome("delivered",
                      "A 40-metre mural of Abbey Fields' history and wildlife now covers the "
                      "underpass.",
                      260, 420, 5200, "Arts Council England small grant",
                      "The young artists chose the theme after talking to older residents about "
                      "what the station used to be like. Nobody has tagged it since.",
                      "Allow time for permissions: the railway paperwork took three months.")),
    # ---------------------------------------------------------------- not delivered
    I("Reopen Elmstead Lido for summer swimming",
      "Elmstead Lido has been closed for years and it's falling apart. Reopening it for summer "
      "swimming would bring the whole borough together like it used to.",
      "sport-and-leisure", "Elmstead", "not_delivered", 345, assets=("elmstead_lido",),
      message="Accepted for a full survey: we will find out what reopening would take.",
      outcome=Outcome("not_delivered",
                      "A structural survey found the pool tank is cracked and repairs would cost "
                      "about £1.2 million, which the council cannot fund. The lido stays listed "
                      "as an asset of community value, so a community group can bid for it.",
                      None, None, 14500, "Council leisure budget (survey)",
                      "We know this isn't the answer people wanted. The survey is published in "
                      "full, and we've met the Save Elmstead Lido group to talk about grants a "
                      "community organisation could apply for that the council cannot.",
                      "We should have said sooner that the survey might bring bad news.")),
    I("Table tennis tables in Castle Park",
      "Outdoor table tennis tables are cheap, last for years and get all ages playing. There's "
      "a flat spot by the bandstand that would be perfect.",
      "sport-and-leisure", "Castle Hill", "not_delivered", 250, assets=("castle_park",),
      location="By the bandstand, Castle Park", org="friends_castle_park",
      plan="We will apply to a national sports charity for two concrete tables and install "
           "them with the parks team.",
      updates=("Our funding application has gone in. We'll hear in eight weeks.",),
      outcome=Outcome("not_delivered",
                      "Our funding bid was turned down this year, so the tables have not been "
                      "installed. We'll bid again in the next round.",
                      None, 30, 0, None,
                      "The charity had ten times more bids than money. They said ours was "
                      "strong and encouraged us to reapply.",
                      "Have a second funder lined up before you promise a date.")),
    I("Electric bike hire dock at Northgate",
      "A hire dock for electric bikes outside Northgate Library would help people get to work "
      "at the business park without a car.",
      "streets-and-getting-around", "Northgate", "not_delivered", 240, late=True,
      message="Accepted. We will ask the borough's bike hire operator to add Northgate to its "
              "next expansion.",
      outcome=Outcome("not_delivered",
                      "The bike hire operator has withdrawn from the borough, so there will be "
                      "no new docks. We are looking for a new operator.",
                      None, None, 0, None,
                      "The operator ended its contract across the region. We've written the "
                      "Northgate dock into the specification for the next contract.",
                      "Depending on one supplier left us with nothing to fall back on.")),
    I("Saturday opening at Hartwell Green Library",
      "Hartwell Green Library is only open on weekdays when most people are at work. Saturday "
      "mornings would let families and working people use it.",
      "libraries-and-learning", "Hartwell Green", "not_delivered", 225, author=R3,
      assets=("hartwell_library",), org="library_trust",
      plan="We'll recruit a team of volunteers from Hartwell to open the library on Saturday "
           "mornings, supported by our experienced Millbrook volunteers.",
      updates=("So far seven people have offered to help. We need twelve to run a safe rota.",),
      outcome=Outcome("not_delivered",
                      "We could not recruit enough volunteers for a safe Saturday rota, so "
                      "Saturday opening has not started.",
                      None, 45, 120, "Trust's own funds (advertising)",
                      "Seven wonderful people came forward, but we need twelve to cover "
                      "holidays and illness. Those seven are now helping with the proposed "
                      "community takeover of the library.",
                      "A rota needs more people than you think. We'll try again once the "
                      "transfer is settled.")),
    I("Outdoor cinema nights in Abbey Fields",
      "Family film nights on the big field in Abbey Fields on summer evenings. Bring a blanket "
      "and a picnic. Other towns do it and it's lovely.",
      "arts-and-culture", "Abbey Fields", "not_delivered", 215,
      message="Accepted. The events team will price up two outdoor cinema nights.",
      outcome=Outcome("not_delivered",
                      "The cost of the screen, licences and stewarding came to £9,000 a night, "
                      "which is more than the events budget allows.",
                      None, None, 0, None,
                      "We priced it properly and it is simply too expensive for us to run. "
                      "If a community group or sponsor wants to try, we'll help with the "
                      "permissions for free.",
                      "Film licences for public showings cost far more than we expected.")),
    # ---------------------------------------------------------------- in delivery
    I("Youth council drop-in at Northgate Youth Hut",
      "Young people never get asked what they think about the town. A monthly youth council "
      "drop-in, where councillors come and listen, would change that.",
      "young-people", "Northgate", "in_delivery", 210, assets=("youth_hut",),
      org="youth_project",
      plan="A monthly drop-in on the first Thursday at the Youth Hut, with two councillors and "
           "a council officer each time, and a 'you said, we did' board.",
      outcome_state="submitted",
      updates=("The first drop-in had 26 young people and three councillors. The top topic was "
               "buses after 7pm.",
               "The 'you said, we did' board is up. Street lights on the Northgate footpath "
               "have been fixed after young people raised them."),
      outcome=Outcome("delivered",
                      "Six monthly youth council drop-ins so far, with councillors at every "
                      "one.", 118, 90, 350, "Youth Project core funding",
                      "The young people now set the agenda themselves.",
                      "Food helps: pizza doubled the turnout.")),
    I("Raised beds for disabled gardeners at Millbrook Allotments",
      "I use a wheelchair and would love an allotment, but the plots are on rough ground. Two "
      "or three raised beds by the gate, with a firm path, would let disabled people garden.",
      "parks-and-green-spaces", "Millbrook", "in_delivery", 200,
      assets=("millbrook_allotments",),
      message="The parks team is taking this on with the Millbrook Allotment Society.",
      updates=("The path has been laid from the gate. Beds go in next month.",)),
    I("Home library and chat service for housebound readers",
      "My neighbour can't get out any more and misses the library badly. Could volunteers "
      "bring books to people at home, and stay for a cup of tea and a chat?",
      "older-people-and-loneliness", "St Anne's", "in_delivery", 190, author=R1,
      org="library_trust",
      outcome_state="draft",
      plan="Volunteers will visit housebound readers every three weeks with books chosen for "
           "them, and stay for a chat. We'll take referrals from GPs and neighbours.",
      updates=("Fourteen readers are now getting visits, and we have nine volunteers.",
               "We've added large-print and audio books thanks to a donation."),
      outcome=Outcome("delivered", "Home visits are running.", None, None, None, None, "", "")),
    I("Fix the broken lighting on the path through Castle Park",
      "Half the lamps on the path from Castle Street to the station are broken. People walking "
      "home from the station at night go the long way round because it feels unsafe.",
      "streets-and-getting-around", "Castle Hill", "in_delivery", 160, author=R3,
      location="Path from Castle Street to the station", assets=("castle_park",),
      message="The highways team is replacing all 14 lamps with LED lights.",
      updates=("Eight of the fourteen lamps have been replaced. The rest need new cables, "
               "booked for next month.",)),
    I("Seed and plant swap at Castle Park café",
      "Lots of us have spare seedlings and seeds every spring. A swap table at the park café "
      "would share them round and get people talking.",
      "parks-and-green-spaces", "Castle Hill", "in_delivery", 150, assets=("castle_park",),
      org="friends_castle_park",
      plan="A seed and plant swap on the first Sunday of each month from March to October, "
           "with a table outside the café and a Friends volunteer to help."),
    I("Chair-based exercise classes at Abbey Fields Leisure Centre",
      "Older people who can't manage a normal class would benefit from gentle chair-based "
      "exercise. It helps with balance and getting out of the house.",
      "sport-and-leisure", "Abbey Fields", "in_delivery", 140, assets=("abbey_leisure",),
      message="The leisure team will run weekly classes from next month.",
      updates=("Classes are on Tuesdays at 11am. The first four weeks are free.",)),
    I("Heritage trail round Hartwell's high street",
      "Hartwell has a fascinating history that most people don't know: the old fire station, "
      "the mill, the chapel. A heritage trail with plaques and a leaflet would bring it alive.",
      "arts-and-culture", "Hartwell Green", "in_delivery", 130,
      assets=("old_fire_station", "hartwell_library"), org="library_trust",
      plan="Our local history group will research twelve stops, write the leaflet, and work "
           "with the council on plaques.",
      updates=("Research is done for nine of the twelve stops. Thanks to everyone who lent "
               "old photographs.",)),
    I("Secure cycle storage at Brookside Rec",
      "There's nowhere to lock a bike at Brookside Rec, so kids don't cycle to football. A "
      "covered cycle shelter would fix it.",
      "streets-and-getting-around", "Brookside", "in_delivery", 110, assets=("brookside_rec",),
      message="The highways team will install a 20-space cycle shelter."),
    # ---------------------------------------------------------------- accepted
    I("Dementia-friendly swim sessions at Abbey Fields pool",
      "A quiet, warmer swim session with trained staff and carers welcome would let people "
      "living with dementia enjoy swimming again.",
      "older-people-and-loneliness", "Abbey Fields", "accepted", 120,
      assets=("abbey_leisure",)),
    I("Brighten up the bus shelters on Station Road",
      "The bus shelters on Station Road are tired and covered in old posters. Local artists "
      "or schools could make them something to be proud of.",
      "arts-and-culture", "Brookside", "accepted", 115, location="Station Road bus shelters"),
    I("Book swap shelves in GP surgery waiting rooms",
      "Waiting rooms are full of people with nothing to do. Little book swap shelves, looked "
      "after by the library, would be a small kindness.",
      "libraries-and-learning", "Elmstead", "accepted", 95, location="Elmstead Health Centre"),
    I("Community orchard by Northgate allotments",
      "There's a strip of spare council land by the Northgate allotments. A community orchard "
      "of local apple and pear varieties would be lovely in spring and free fruit in autumn.",
      "parks-and-green-spaces", "Northgate", "accepted", 105, late=True,
      location="Land beside Northgate allotments"),
    I("Dropped kerbs at the crossing by St Anne's school",
      "Parents with buggies and people in wheelchairs have to go into the road to cross by St "
      "Anne's school because the kerbs are high on both sides.",
      "streets-and-getting-around", "St Anne's", "accepted", 90, author=R2,
      location="Crossing outside St Anne's Primary School",
      message="Accepted. The highways team will add dropped kerbs and tactile paving in the "
              "spring works programme."),
    I("Litter-picking kits to borrow from the library",
      "People want to tidy their street but don't have pickers or bags. If the library lent "
      "out litter-picking kits like books, anyone could do it.",
      "parks-and-green-spaces", "Hartwell Green", "accepted", 75, author=R1,
      assets=("hartwell_library",)),
    I("Walking football for women and girls at Brookside",
      "Walking football is great for people who can't run any more, but the sessions are all "
      "men. A women's and girls' session would get more of us playing.",
      "sport-and-leisure", "Brookside", "accepted", 65, assets=("brookside_rec",)),
    I("Keep Castle Hill Scout Hall for community use",
      "The scout hall is used every night of the week. If it ever comes up for sale, the "
      "community should get the chance to buy it and keep it going.",
      "young-people", "Castle Hill", "accepted", 60, assets=("scout_hall",),
      message="Accepted. The hall is now listed as an asset of community value, and we will "
              "support a community bid if it is ever sold."),
    # ---------------------------------------------------------------- under review
    I("Pedestrian crossing on Elmstead Road near the shops",
      "Crossing Elmstead Road by the parade of shops is dangerous: cars come fast round the "
      "bend. A zebra crossing would help older people and children.",
      "streets-and-getting-around", "Elmstead", "under_review", 85, author=R3,
      location="Elmstead Road, by the shopping parade"),
    I("Let a community group run Hartwell Green Library",
      "Millbrook Library has thrived since the community took it over. Hartwell Green Library "
      "could do the same, with longer opening hours run by local volunteers.",
      "libraries-and-learning", "Hartwell Green", "under_review", 80, late=True,
      assets=("hartwell_library",)),
    I("Free period products in council buildings",
      "Period poverty is real. Free period products in the toilets of libraries, leisure "
      "centres and the town hall would make a difference for little cost.",
      "food-and-cost-of-living", "Northgate", "under_review", 55),
    I("Skate park at Brookside Rec",
      "Young people skate in the car park because there's nowhere else. A small concrete skate "
      "park at Brookside Rec would give them a place of their own.",
      "young-people", "Brookside", "under_review", 160, assets=("brookside_rec",),
      message="Thank you. We have no budget for a new skate park this year, so we cannot take "
              "this forward at the moment.",
      reopened="We're reopening this idea: the Northgate Youth Project has found a possible "
               "grant, so we're looking at it again with them."),
    I("Turn the Old Fire Station into a community arts space",
      "The Old Fire Station is a beautiful building going to waste. Studios, a small gallery "
      "and a café run by the community could bring it back to life.",
      "arts-and-culture", "Hartwell Green", "under_review", 45, late=True,
      assets=("old_fire_station",)),
    I("Longer opening hours for Castle Park toilets in summer",
      "The toilets in Castle Park close at 4pm even in summer, when the park is full until "
      "9pm. Families have to go home early.",
      "parks-and-green-spaces", "Castle Hill", "under_review", 35, assets=("castle_park",)),
    I("Digital help sessions for older residents",
      "More and more things have to be done online: GP appointments, bus passes, banking. "
      "Drop-in sessions where older people can get help with phones and tablets would help.",
      "older-people-and-loneliness", "Millbrook", "under_review", 30, author=R2,
      assets=("millbrook_library",)),
    # ---------------------------------------------------------------- submitted
    I("Water refill point in Castle Park",
      "On hot days people buy bottled water at the café or go without. A drinking fountain "
      "with a bottle refill tap would cut plastic and help everyone.",
      "parks-and-green-spaces", "Castle Hill", "submitted", 62, assets=("castle_park",)),
    I("Slow down traffic on Millbrook Lane",
      "Cars use Millbrook Lane as a rat run and go far too fast past the allotments and the "
      "primary school. A 20mph limit and some planters would calm it down.",
      "streets-and-getting-around", "Millbrook", "submitted", 44,
      location="Millbrook Lane, by the school"),
    I("Knit and natter group at Northgate Library",
      "A weekly knit and natter group would be a gentle way for lonely people to meet others. "
      "We could knit for the baby unit at the hospital.",
      "older-people-and-loneliness", "Northgate", "submitted", 29,
      assets=("northgate_library",)),
    I("Somewhere for teenagers to hang out after school in Elmstead",
      "Teenagers in Elmstead get moved on from the shops and the park. They need a warm, safe "
      "place of their own after school, even if it's just two evenings a week.",
      "young-people", "Elmstead", "submitted", 14),
    I("Community pantry at St Anne's Community Hall",
      "A community pantry, where members pay a few pounds a week for a bag of shopping worth "
      "much more, would help families without the stigma of a food bank.",
      "food-and-cost-of-living", "St Anne's", "submitted", 9, author=R1,
      assets=("st_annes_centre",)),
    I("Late bus to the hospital for visitors and night staff",
      "The last bus to the hospital leaves at 7pm. Visitors and night-shift staff without cars "
      "are stuck. A later service would help a lot of people.",
      "streets-and-getting-around", "Abbey Fields", "submitted", 7),
    I("Outdoor gym equipment in Abbey Fields",
      "Outdoor gym equipment by the path in Abbey Fields would let people exercise for free. "
      "Other parks have it and it's always in use.",
      "sport-and-leisure", "Abbey Fields", "submitted", 5),
    I("Local history talks at Hartwell Green Library",
      "A monthly evening talk on local history, by local people who remember how things used "
      "to be, would bring new people into the library.",
      "arts-and-culture", "Hartwell Green", "submitted", 3, author=R3,
      assets=("hartwell_library",)),
    I("Free swimming lessons for adults who never learned",
      "Lots of adults never learned to swim and are too embarrassed to ask. Small, free, "
      "adults-only beginners' lessons would change that.",
      "sport-and-leisure", "Abbey Fields", "submitted", 2, assets=("abbey_leisure",)),
    # ---------------------------------------------------------------- declined
    I("Build a multi-storey car park in the town centre",
      "There's never anywhere to park in town. A multi-storey on the Castle Street car park "
      "would bring shoppers back.",
      "streets-and-getting-around", "Castle Hill", "declined", 300, late=True,
      message="Thank you for this idea. We are not taking it forward: a multi-storey would cost "
              "around £8 million, and the council's transport plan is to make it easier to get "
              "into town by bus, bike and on foot. Our parking survey found the town centre car "
              "parks are rarely more than 80% full, except in December."),
    I("Lock Castle Park at night",
      "Castle Park should have gates that are locked at night to stop antisocial behaviour.",
      "parks-and-green-spaces", "Castle Hill", "declined", 200,
      message="We can't do this: two public rights of way run through Castle Park, and many "
              "people use them to walk home from the station. Instead, the lighting on the "
              "main path is being fixed and the police have added the park to their evening "
              "patrols."),
    I("Sell Elmstead Lido to a developer to pay for potholes",
      "The lido has been closed for years. Sell it for housing and spend the money fixing the "
      "roads.",
      "streets-and-getting-around", "Elmstead", "declined", 180, assets=("elmstead_lido",),
      message="We are not taking this forward. The lido is listed as an asset of community "
              "value, so local groups must get the chance to bid before any sale, and the "
              "council has committed to finding a community use for it first."),
    I("Fireworks display every month in Abbey Fields",
      "Monthly fireworks would give people something to look forward to and bring visitors to "
      "the town.",
      "arts-and-culture", "Abbey Fields", "declined", 170, author=R1,
      message="Thank you for the idea. We have decided not to go ahead: each display costs "
              "around £12,000, and we have had many complaints from pet owners and veterans "
              "about noise. We will keep the big November display."),
    I("Tarmac the grass verges on the Northgate estate for parking",
      "Parking on the Northgate estate is a nightmare. Turn the grass verges into parking bays.",
      "streets-and-getting-around", "Northgate", "declined", 130,
      message="We are not taking this forward. The verges carry water and gas pipes and "
              "help prevent flooding. The highways team is looking at a residents' parking "
              "scheme for the estate instead, and will consult residents in the new year."),
    I("No council tax for volunteers",
      "People who volunteer for local charities should pay no council tax. It would "
      "encourage more people to help out.",
      "food-and-cost-of-living", "Millbrook", "declined", 100,
      message="The law doesn't let councils set council tax by who volunteers, so we can't do "
              "this. We do want to thank volunteers: the Demo Borough Volunteer Awards return "
              "in the spring and anyone can nominate."),
    # ---------------------------------------------------------------- duplicates
    I("Zebra crossing needed on Elmstead Road",
      "Please put a zebra crossing outside the Elmstead Road shops before someone is hurt.",
      "streets-and-getting-around", "Elmstead", "duplicate", 70,
      duplicate_of="Pedestrian crossing on Elmstead Road near the shops"),
    I("Reading club for kids at the library",
      "Could the library run a reading club for primary school children after school?",
      "libraries-and-learning", "Millbrook", "duplicate", 320,
      duplicate_of="Reading buddies for children at Millbrook Library"),
    I("Benches on Hartwell Road please",
      "There is nowhere to sit between the bus stop and the health centre on Hartwell Road.",
      "streets-and-getting-around", "Hartwell Green", "duplicate", 270,
      duplicate_of="Benches along Hartwell Road for people who need a rest"),
    I("Skate ramps for Brookside",
      "Some skate ramps at the rec would give young people in Brookside something to do.",
      "young-people", "Brookside", "duplicate", 40,
      duplicate_of="Skate park at Brookside Rec"),
    # ---------------------------------------------------------------- withdrawn
    I("Monthly farmers' market on Northgate Precinct",
      "A monthly farmers' market would bring people to the precinct and support local growers.",
      "food-and-cost-of-living", "Northgate", "withdrawn", 230, author=R1, reviewed=False,
      message="I've found out the Northgate Traders already run a market once a quarter, so "
              "I'm going to help them make it monthly instead. Thank you to everyone who "
              "supported this."),
    I("Dog agility area in Castle Park",
      "A fenced dog agility area would give dogs somewhere to run and keep them away from the "
      "play area.",
      "parks-and-green-spaces", "Castle Hill", "withdrawn", 150,
      message="Having read the comments, I agree the park isn't big enough for this. "
              "Withdrawing it."),
    I("Christmas lights on St Anne's Road",
      "St Anne's Road is the only shopping street without Christmas lights. Could we have some "
      "this year?",
      "arts-and-culture", "St Anne's", "withdrawn", 50, reviewed=False,
      message="The St Anne's Road traders have raised the money themselves, so the council "
              "doesn't need to do anything. Thank you all!"),
]
del I

# Rejected and pending claims (approved ones come from IdeaSeed.org).
REJECTED_CLAIM = dict(
    idea="Brighten up the bus shelters on Station Road", org="youth_project",
    plan="Our young artists would design and paint panels for the three shelters over the "
         "half-term holiday.",
    reason="Thank you for offering. The shelters belong to the bus company's advertising "
           "contractor, so we can't let volunteers paint them. We're asking the contractor for "
           "a community artwork panel instead and will come back to you.")
# A second partner joins a delivery already under way (a "claim_approved" timeline event).
CO_DELIVERY = dict(
    idea="Heritage trail round Hartwell's high street", org="youth_project",
    plan="Our young film-makers will make a two-minute video for each stop on the trail, "
         "interviewing older residents, with a QR code on every plaque.",
    decision="The young film-makers' videos will bring the trail to life for people who "
             "can't walk it.")
PENDING_CLAIM = dict(
    idea="Book swap shelves in GP surgery waiting rooms", org="library_trust",
    plan="We'll build and stock book swap shelves in the four GP surgeries in Elmstead and "
         "Millbrook, and our volunteers will refresh them every fortnight with donated books.")

# Official replies from the council, by status.
OFFICIAL_REPLIES = [
    "Thank you for all the comments here. The {team} is reading them and they will shape what "
    "we do next.",
    "An update from the {team}: we're checking costs and permissions now, and will post here "
    "as soon as we know more.",
    "We've had a lot of interest in this one. If you belong to a local group that could help "
    "deliver it, please get in touch through this page.",
]
PARTNER_REPLIES = [
    "Hello from {org}. Thank you to everyone who has offered to help: we'll be in touch with "
    "each of you this week.",
    "{org} here. If you'd like to volunteer, the best way is to pledge your time on this page "
    "and we'll contact you.",
]

# Resident comments: general ones, then some for each category.
GENERAL_COMMENTS = [
    "Great idea. I'd use this every week.",
    "Fully support this. It's exactly what the area needs.",
    "Count me in if you need volunteers. I'm free most Saturdays.",
    "My neighbours and I were talking about exactly this last week!",
    "Is there a way to make sure it's accessible for wheelchair users too?",
    "Happy to help spread the word on our street's WhatsApp group.",
    "This would make a real difference to families round here.",
    "Good to see someone suggest this. It's been needed for years.",
    "How would it be paid for? I support it, but I'd like to know.",
    "Could this be done in other wards too, not just here?",
    "Yes please! Anything that brings people together is worth doing.",
    "I've seen this work well in another town. Happy to share what they did.",
]
CATEGORY_COMMENTS = {
    "parks-and-green-spaces": [
        "The park is the best thing about living here. Let's look after it.",
        "Please think about the wildlife too: there are bats along the river.",
        "The Friends of Castle Park would probably help with this.",
    ],
    "libraries-and-learning": [
        "Our library is a lifeline. Anything that brings more people through the door is good.",
        "My children would love this. We go to the library every Saturday.",
        "I'm a retired teacher and would gladly help.",
    ],
    "streets-and-getting-around": [
        "I walk this way every day and it really does need sorting.",
        "Please think about people with pushchairs and mobility scooters as well.",
        "There was a near miss here only last month.",
    ],
    "young-people": [
        "As a parent of teenagers: yes, yes, yes. There's nothing for them to do.",
        "Ask the young people what they want. They'll have good ideas.",
        "The Youth Project does brilliant work and could run this.",
    ],
    "older-people-and-loneliness": [
        "My dad lives alone and would love something like this.",
        "Loneliness is as bad for you as smoking. This matters.",
        "Transport is the big barrier: could there be lifts for people who can't get there?",
    ],
    "sport-and-leisure": [
        "Keeping active is so important, and cost stops a lot of people.",
        "I'd bring my whole family.",
        "Could there be sessions at times that suit shift workers too?",
    ],
    "arts-and-culture": [
        "The town deserves more things like this. It would lift everyone's spirits.",
        "Local artists would jump at the chance to be involved.",
        "Lovely idea. My grandchildren would love it.",
    ],
    "food-and-cost-of-living": [
        "Things are so tight at the moment. This would help a lot of people quietly.",
        "Our church has volunteers who could help with this.",
        "Please make sure people can use it without feeling judged.",
    ],
}

# Recent replies on resident@example.org's ideas, so their inbox has fresh news:
# idea title, author email, body, hours ago, official
RECENT_COMMENTS = [
    ("Litter-picking kits to borrow from the library", "moderator@example.org",
     "An update: Hartwell Green Library will lend ten litter-picking kits, each with a "
     "picker, gloves, a hoop and bags. The kits are ordered and should be on the shelves "
     "within a month. Groups can borrow several at once: just ask at the desk.", 52, True),
    ("Community pantry at St Anne's Community Hall", "margaret.ellis@example.org",
     "St Anne's really needs this. I'd volunteer on a Friday morning, and the centre's "
     "kitchen has plenty of shelf space.", 30, False),
    ("Community pantry at St Anne's Community Hall", "fatima.begum@example.org",
     "A pantry worked brilliantly where my sister lives. People keep their dignity because "
     "they pay a little. Count me in.", 20, False),
]

# The comment that gets reported, and why (the flags stay open for a moderator).
FLAGGED_COMMENT = dict(
    idea="Skate park at Brookside Rec",
    body="Skate parks just bring trouble. Whoever suggested this obviously doesn't live next to "
         "one and should keep their stupid ideas to themselves.",
    reasons=["This is a personal attack on the person who suggested the idea.",
             "Rude and unkind. We can disagree without insults."],
)

# kind, message, hours
PLEDGES = [
    ("time", "I'm free most Saturday mornings and happy to help set up and clear away.", 12),
    ("skills", "I'm a retired joiner and happy to build or repair anything wooden.", 20),
    ("space", "Our church hall on Abbey Road is free on Tuesday evenings if you need a room.",
     None),
    ("equipment", "I have a gazebo and two trestle tables you are welcome to borrow.", None),
    ("skills", "I work in graphic design and could make posters and leaflets for free.", 6),
    ("time", "I can give a couple of hours a week after work.", 30),
    ("other", "I run the WhatsApp group for our street (140 households) and can spread the word.",
     None),
    ("skills", "I'm DBS checked and used to working with children.", 16),
    ("equipment", "We have spare gardening tools from our allotment plot.", None),
    ("time", "Retired and happy to give a morning a week.", 40),
    ("skills", "I'm a qualified first-aider and can be on hand at sessions.", 8),
    ("other", "My business could donate refreshments for the first few sessions.", None),
]

STATUS_MESSAGES = {
    "under_review": [
        "Thank you for this idea. We've passed it to the {team}, who will look at what it "
        "would take: cost, permissions and who could help.",
        "Thanks for suggesting this. The {team} is looking into it and we'll update this page "
        "when we know more.",
    ],
    "accepted": [
        "Good news: we're accepting this idea. The {team} thinks it can be done, and we'd "
        "welcome a local group to help deliver it. Partner organisations can offer to take it "
        "on from this page.",
        "We're accepting this idea. The {team} will work out the details, and everyone who "
        "supports or follows it will hear about each step.",
    ],
    "duplicate": "This idea is the same as {ref}, \u201c{title}\u201d, so we've merged it there "
                 "to keep the conversation in one place. Please support and follow that idea "
                 "to keep up with it.",
    "in_delivery_council": "The {team} is delivering this idea itself. We'll post progress "
                           "here.",
    "merged": "Merged into {ref}: {title}",
    "merged_in": "{ref} ({title}) was merged into this idea. Its supporters and followers now "
                 "count here.",
    "claim_decision": "Approved. Thank you: {org} has the experience to do this well, and the "
                      "{team} will support you.",
}

RESPONSE_TEMPLATES = [
    ("under_review", "Passed to the service team",
     "Thank you for your idea. We've passed it to the team responsible, who will look at what "
     "it would take: cost, permissions and who could help. We'll post an update here within "
     "20 working days."),
    ("accepted", "Accepted: looking for a partner",
     "Good news: we're accepting this idea. We think it can be done and would welcome a local "
     "group or charity to help deliver it. If you belong to one, you can offer to take it on "
     "from this page. Everyone who supports or follows the idea will hear about each step."),
    ("accepted", "Accepted: the council will deliver",
     "Good news: we're accepting this idea and the council will deliver it. We'll post progress "
     "on this page, and everyone who supports or follows the idea will hear about each step."),
    ("declined", "Declined: outside the council's powers",
     "Thank you for taking the time to suggest this. We can't take it forward because it isn't "
     "something the council has the power to do. [Say who can, and how to contact them.] If "
     "things change, we can reopen the idea."),
    ("declined", "Declined: no budget this year",
     "Thank you for this idea. We can't fund it this year. [Say what it would cost and what "
     "else the budget is committed to.] If a community group finds funding, we'll gladly look "
     "at it again."),
    ("duplicate", "Duplicate of an existing idea",
     "This idea is very similar to one already on the site, so we've merged it there to keep "
     "the conversation in one place. Please support and follow that idea instead: your voice "
     "still counts."),
]
