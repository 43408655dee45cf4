"""Full-text search over ideas, the same on SQLite (FTS5) and PostgreSQL (tsvector).

What a person types follows the web-search syntax PostgreSQL's ``websearch_to_tsquery``
understands: words (all must match), ``"a phrase"``, ``or`` between alternatives, and ``-word``
to leave out ideas with that word. Words are stemmed for English ("libraries" finds "library").

The query is parsed once here, in Python, into words made only of letters and digits (any
alphabet: Welsh letters stay), and then written out again for each database: on PostgreSQL,
each word or phrase goes through ``websearch_to_tsquery('english', ...)`` and the results are
combined with tsquery AND/OR/NOT; on SQLite, an FTS5 expression of double-quoted strings.
Nothing a person types reaches either parser as syntax, so unbalanced quotes, a lone ``AND``,
brackets or stars never cause an error. English
stop words (PostgreSQL's list) are dropped on both sides, as PostgreSQL drops them. A query
that asks only for what to leave out ("-bins") finds nothing on both: it would otherwise list
nearly every idea.

Ranking (best first): SQLite's ``bm25`` with the title weighted 10 to the description's 1;
PostgreSQL's ``ts_rank`` with the title weighted A (1.0) and the description B (0.4). Both put
an idea whose title matches before one that matches only in its description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, case, func, literal_column, select, table
from sqlalchemy import column as sql_column

from ..extensions import db
from ..models import Idea

# PostgreSQL's English stop words (tsearch_data/english.stop), dropped from queries on SQLite
# as PostgreSQL drops them, so a query means the same on both databases.
ENGLISH_STOP_WORDS = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves what which who whom this that
these those am is are was were be been being have has had having do does did doing a an the and
but if or because as until while of at by for with about against between into through during
before after above below to from up down in out on off over under again further then once here
there when where why how all any both each few more most other some such no nor not only own
same so than too very s t can will just don should now
""".split())

MAX_TERMS = 16
_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')

_fts = table("ideas_fts", sql_column("rowid"))
_fts_match = literal_column("ideas_fts")
_search_vector = literal_column("ideas.search_vector")
_english = literal_column("'english'::regconfig")


@dataclass
class Term:
    """A word or a phrase: its words, lower-cased."""

    words: tuple[str, ...]


@dataclass
class SearchQuery:
    """What to find: every group must match (a group is one term or alternatives joined by
    ``or``), and none of ``excluded``."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.groups)


def _term(text: str) -> Term | None:
    words = tuple(w.lower() for w in _WORD.findall(text))
    if not words or all(w in ENGLISH_STOP_WORDS for w in words):
        return None
    return Term(words)


def parse_query(text: str | None) -> SearchQuery:
    """Parse web-search syntax into a SearchQuery (empty when nothing can be searched for).

    ``a b or c -d`` means a AND (b OR c) AND NOT d: ``or`` joins the two terms either side of
    it (as web search engines read it); an ``or`` with no term before it is ignored.
    """
    query = SearchQuery()
    pending_or = False
    last_was_group = False
    for match in _TOKEN.finditer((text or "")[:500]):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare.lower() == "or":
                pending_or = last_was_group
                continue
            negated = "-" if bare.startswith("-") else ""
            phrase = bare.lstrip("-")
        term = _term(phrase)
        if term is None:
            continue
        if negated:
            query.excluded.append(term)
        elif pending_or:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        pending_or, last_was_group = False, not negated
        if sum(len(g) for g in query.groups) + len(query.excluded) >= MAX_TERMS:
            break
    return query


# --------------------------------------------------------------------- written out per database

def _fts_string(term: Term) -> str:
    # Words are letters and digits only: nothing in them needs escaping inside the quotes.
    return '"' + " ".join(term.words) + '"'


def fts5_expression(query: SearchQuery, column: str | None = None) -> str:
    """The FTS5 MATCH expression for ``query`` (optionally restricted to one column)."""
    groups = ["(" + " OR ".join(_fts_string(t) for t in group) + ")" for group in query.groups]
    expression = "(" + " AND ".join(groups) + ")"
    for term in query.excluded:
        expression += " NOT " + _fts_string(term)
    return f"{{{column}}} : ({expression})" if column else expression


def tsquery_expression(query: SearchQuery) -> ColumnElement:
    """The PostgreSQL tsquery for ``query``: each word or phrase through
    ``websearch_to_tsquery('english', ...)`` (it never errors, and sees one term at a time),
    combined with tsquery AND/OR/NOT so the structure is exactly the FTS5 one."""
    def one(term: Term) -> ColumnElement:
        return func.websearch_to_tsquery(_english, '"' + " ".join(term.words) + '"')

    expression = None
    for group in query.groups:
        alternatives = one(group[0])
        for term in group[1:]:
            alternatives = func.tsquery_or(alternatives, one(term))
        expression = (alternatives if expression is None
                      else func.tsquery_and(expression, alternatives))
    for term in query.excluded:
        expression = func.tsquery_and(expression, func.tsquery_not(one(term)))
    return expression


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


@dataclass
class Match:
    """How to restrict and rank a select of ideas to those matching a query."""

    condition: ColumnElement | None  # a WHERE condition (PostgreSQL), or None
    subquery: object | None  # a (idea_id, score) subquery to join (SQLite), or None
    score: ColumnElement  # ascending: best first

    def apply(self, statement):
        """``statement`` (a select over ideas) restricted to the matching ideas."""
        if self.subquery is not None:
            return statement.join(self.subquery, self.subquery.c.idea_id == Idea.id)
        return statement.where(self.condition)

    def as_condition(self) -> ColumnElement:
        """A WHERE condition for the matching ideas (to combine with others by OR)."""
        if self.subquery is not None:
            return Idea.id.in_(select(self.subquery.c.idea_id))
        return self.condition


def match_ideas(query: SearchQuery) -> Match:
    """The condition (or join) and score for ideas matching ``query`` (which must not be
    empty)."""
    if _postgresql():
        tsquery = tsquery_expression(query)
        return Match(condition=_search_vector.op("@@")(tsquery), subquery=None,
                     score=-func.ts_rank(_search_vector, tsquery))
    subquery = (select(_fts.c.rowid.label("idea_id"),
                       func.bm25(_fts_match, literal_column("10.0"),
                                 literal_column("1.0")).label("score"))
                .where(_fts_match.op("MATCH")(fts5_expression(query))).subquery("search_match"))
    return Match(condition=None, subquery=subquery, score=subquery.c.score)


def title_matches(words: list[str]) -> ColumnElement:
    """A condition: the idea's title contains any of ``words`` (letters and digits only),
    stemmed. Uses the full-text index."""
    terms = [Term((w,)) for w in words]
    if _postgresql():
        tsquery = func.to_tsquery(_english, " | ".join(f"{w}:A" for w in words))
        return _search_vector.op("@@")(tsquery)
    expression = fts5_expression(SearchQuery(groups=[terms]), column="title")
    return Idea.id.in_(select(_fts.c.rowid).where(_fts_match.op("MATCH")(expression)))


def shared_title_words(words: list[str]) -> ColumnElement:
    """How many of ``words`` the idea's title contains (stemmed), as an SQL expression."""
    total = None
    for word in words:
        one = case((title_matches([word]), 1), else_=0)
        total = one if total is None else total + one
    return total


def significant_words(text: str) -> list[str]:
    """The distinct letter-and-digit words of ``text``, lower-cased, English stop words out."""
    words: list[str] = []
    for word in _WORD.findall((text or "").lower()):
        if word not in ENGLISH_STOP_WORDS and word not in words:
            words.append(word)
    return words
