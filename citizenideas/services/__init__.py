"""The domain: one verb-first function per action.

Each function takes the acting user explicitly, checks permission, raises a DomainError when
a rule says no, and flushes; it never commits. The route (HTML, HTMX or API) commits once.
"""
