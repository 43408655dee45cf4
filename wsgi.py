"""Entry point for gunicorn: ``gunicorn wsgi:app``."""

from citizenideas import create_app

app = create_app()
