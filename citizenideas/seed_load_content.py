"""The words for ``flask seed-load``: templates that make many believable ideas.

Everything is invented, like ``demo_content``. A title template may name a ward ({ward}), a
street ({street}) or a community asset of a kind ({library}, {park}, {hall}, {pool}); the
idea is then linked to that asset, as a resident choosing it from the list would.
"""

from __future__ import annotations

FIRST_NAMES = [
    "Aaliyah", "Adam", "Amara", "Amir", "Anna", "Bella", "Callum", "Chloe", "Connor", "Daniel",
    "Dylan", "Eleanor", "Ellie", "Emeka", "Erin", "Ethan", "Farah", "Finn", "Freya", "George",
    "Hannah", "Harry", "Imran", "Isla", "Jack", "Jasmine", "Joseph", "Kai", "Karen", "Leah",
    "Liam", "Maria", "Mason", "Maya", "Mohammed", "Niamh", "Noah", "Olivia", "Oscar", "Paul",
    "Rhys", "Ruby", "Sam", "Sana", "Sean", "Siobhan", "Sunita", "Theo", "Wiktoria", "Zara",
]
LAST_NAMES = [
    "Ali", "Armstrong", "Baker", "Begum", "Bennett", "Brown", "Campbell", "Chen", "Collins",
    "Davies", "Edwards", "Evans", "Fisher", "Green", "Hall", "Harris", "Hussain", "Jackson",
    "Jones", "Kaur", "Khan", "Kowalski", "Lewis", "Martin", "Mitchell", "Moore", "Morris",
    "Nguyen", "O'Brien", "Okoye", "Parker", "Patel", "Phillips", "Roberts", "Robinson",
    "Singh", "Smith", "Taylor", "Thomas", "Thompson", "Turner", "Walsh", "Ward", "White",
    "Williams", "Wilson", "Wood", "Wright", "Young",
]

STREETS = [
    "Station Road", "High Street", "Church Lane", "Mill Lane", "Park Avenue", "Victoria Road",
    "Brook Lane", "Castle Street", "Queen's Road", "the ring road", "Abbey Road", "Tower Lane",
    "London Road", "School Lane", "the market square", "Canal Walk",
]

# category slug -> title templates
TITLES = {
    "parks-and-green-spaces": [
        "Wildflower meadow in {park}", "More benches along the path in {park}",
        "Community orchard in {ward}", "Tree planting on {street}",
        "Dog-free play area in {park}", "Monthly litter pick in {ward}",
        "Pond clean-up and dipping platform in {park}", "Bat boxes and a night walk in {park}",
        "Community growing beds on {street}", "Water fountain in {park}",
    ],
    "libraries-and-learning": [
        "Homework club at {library}", "Longer opening hours at {library}",
        "Seed library at {library}", "English conversation café at {library}",
        "Digital help drop-in at {library}", "Library of things in {ward}",
        "Story time in {ward} for toddlers", "Book swap box on {street}",
        "Quiet study space at {library} in exam season", "Coding club for children at {library}",
    ],
    "streets-and-getting-around": [
        "Safer crossing on {street}", "Bike racks on {street}", "Dropped kerbs along {street}",
        "20 mph outside the schools in {ward}", "Better lighting on the path to {park}",
        "Bus shelter with seating on {street}", "Walking bus to school in {ward}",
        "Fix the potholes on {street}", "Cycle lane linking {ward} to the town centre",
        "Benches for resting on {street}",
    ],
    "young-people": [
        "Youth club nights at {hall}", "Skate and scooter area in {park}",
        "Holiday activities for teenagers in {ward}", "Free football sessions in {ward}",
        "Music studio for young people at {hall}", "Youth council for {ward}",
        "Graffiti art wall near {street}", "Summer job fair for young people in {ward}",
    ],
    "older-people-and-loneliness": [
        "Lunch club at {hall}", "Befriending calls for older people in {ward}",
        "Chatty bench on {street}", "Memory café at {library}",
        "Community minibus for {ward}", "Tea dance at {hall}",
        "Walking group for older residents in {park}", "Digital skills for over-65s at {library}",
    ],
    "sport-and-leisure": [
        "Cheaper swimming sessions at {pool}", "Outdoor gym in {park}",
        "Parkrun in {park}", "Netball court in {ward}", "Women-only swim sessions at {pool}",
        "Walking football in {ward}", "Reopen the changing rooms at {park}",
        "Learn-to-swim lessons for adults at {pool}",
    ],
    "arts-and-culture": [
        "Mural on the underpass on {street}", "Summer festival in {park}",
        "Heritage plaques along {street}", "Open-air cinema in {park}",
        "Community choir at {hall}", "Local history talks at {library}",
        "Art trail through {ward}", "Pop-up gallery in an empty shop on {street}",
    ],
    "food-and-cost-of-living": [
        "Community fridge in {ward}", "Warm space at {library} this winter",
        "Repair café at {hall}", "Community pantry at {hall}",
        "Free school breakfast club in {ward}",
        "Baby bank in {ward}", "Cooking on a budget classes at {hall}",
        "Uniform swap for families in {ward}",
    ],
}

# Asset kinds that fill each slot (the first asset of a matching kind in the register).
SLOT_KINDS = {
    "library": ("library",),
    "park": ("park", "sports", "allotment"),
    "hall": ("hall", "community_centre"),
    "pool": ("pool",),
}

OPENINGS = [
    "I live in {ward} and think this would make a real difference.",
    "A few of us on {street} have been talking about this for a while.",
    "I've lived in {ward} for twelve years and this is the thing I'd most like to see.",
    "This came up at our residents' meeting last month.",
    "My family and I would use this every week.",
]
MIDDLES = [
    "Lots of people would help if someone got it started, and it needn't cost much.",
    "Other towns have done something similar and it worked well.",
    "At the moment there is nothing like this nearby, so people have to travel or go without.",
    "It would bring neighbours together and make the area feel looked after.",
    "Several local groups have already said they would support it.",
]
CLOSINGS = [
    "I'd be happy to volunteer.",
    "Could the council help with permission and a small amount of funding?",
    "Please let us know what would be needed to make it happen.",
    "It would be great to start before the summer.",
    "",
]

DECLINE_REASONS = [
    "Thank you for this idea. We can't fund it this year: the {team}'s budget is committed to "
    "repairs and statutory services. If a community group finds funding, we'll gladly look at "
    "it again.",
    "Thank you for suggesting this. It isn't something the council has the power to do: it is "
    "a matter for the county highways authority, and we've passed it on to them.",
    "Thank you. The {team} looked at this carefully but the site is not suitable, for safety "
    "reasons we've explained in the comments.",
]
WITHDRAW_REASONS = [
    "A local group is already doing this, so I'm withdrawing my idea. Thank you for the support.",
    "I've moved out of the area, so I'm withdrawing this. Someone else is welcome to propose it.",
    "Withdrawing: the school has agreed to do this itself.",
]
REOPEN_MESSAGE = ("We're looking at this idea again: new funding has become available and "
                  "the {team} will review it.")
HIDDEN_REASONS = [
    "Hidden while we check it: it names a private individual.",
    "Hidden: it contains a personal attack, which our rules do not allow.",
]
HIDDEN_COMMENT_REASON = "Hidden by a moderator: it broke the house rules."

PROGRESS_UPDATES = [
    "We've met the {team} on site and agreed a plan. Work starts next month.",
    "Volunteers did the first session on Saturday: thank you to everyone who came.",
    "The materials have arrived and we've booked the first two dates.",
    "A quick update: we're waiting for permission from the landowner, which should come soon.",
    "Half way there. We've had more help than we expected, so we're ahead of plan.",
    "We've raised the last of the money we need from a local business and a small grant.",
]

OUTCOME_SUMMARIES = {
    "delivered": [
        "Done: it opened in the spring and has been used every week since.",
        "Delivered with volunteers over eight weekends, and still going.",
        "Finished on time and within budget, with a launch event for the neighbours.",
    ],
    "partly_delivered": [
        "Partly delivered: the first phase is done, the second is waiting for funding.",
    ],
    "not_delivered": [
        "Not delivered: the costs turned out to be far higher than expected and no funding was "
        "found. The plans are kept in case that changes.",
        "Not delivered: the site owner would not give permission. We've explained why in the "
        "timeline.",
    ],
}
OUTCOME_STORIES = [
    "It started with a handful of neighbours and a borrowed van. By the end, people who had "
    "never spoken to each other were swapping phone numbers.",
    "The best part was seeing children who had never used the place before coming back with "
    "their grandparents.",
    "We learned that asking people directly works far better than posters.",
]
OUTCOME_LESSONS = [
    "Start the permissions early: they took longer than the work.",
    "Book volunteers for short shifts; more people can give an hour than a day.",
    "",
]
FUNDING_SOURCES = ["Community Fund grant", "Ward councillor budget", "Local business donation",
                   "Crowdfunding", None]
