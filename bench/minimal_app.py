"""The yardstick for ``bench/run.py``: a minimal Flask page that reads 20 rows from SQLite.

Served by the same gunicorn setup as the app, in the same run, so every page's throughput
can be quoted as a ratio to it: that ratio says how far a page is from what this stack can do
on this machine at that moment (the machine is shared and its speed varies between runs).
"""

from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, render_template_string

app = Flask(__name__)
_local = threading.local()
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Items</title></head>
<body><h1>Items</h1><ul>
{% for id, title in rows %}<li><a href="/items/{{ id }}">{{ title }}</a></li>
{% endfor %}</ul></body></html>"""


def _connection() -> sqlite3.Connection:
    """One connection per thread (sqlite3 connections stay in the thread that made them)."""
    if not hasattr(_local, "conn"):
        _local.conn = sqlite3.connect(os.environ["MINIMAL_DB"])
    return _local.conn


@app.get("/")
def index():
    rows = _connection().execute(
        "SELECT id, title FROM items ORDER BY id DESC LIMIT 20").fetchall()
    return render_template_string(PAGE, rows=rows)


def create_database(path: str, rows: int = 1000) -> None:
    """The yardstick's table: ``rows`` items with a title."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, title TEXT)")
        conn.executemany("INSERT INTO items (title) VALUES (?)",
                         [(f"Item number {n} about the library garden",) for n in range(rows)])
    conn.close()
