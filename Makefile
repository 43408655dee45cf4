# citizenideas: the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi:app

.PHONY: install install-test run test lint bench migration translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	bash tests/tools/install-vnu

## make run: install, migrate, seed the demo council on first start, serve on 127.0.0.1:5000
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## make test: the whole suite on SQLite, then again on PostgreSQL when one answers
test: install-test
	bash .ci/test-all

lint: install-test
	$(BIN)/ruff check citizenideas tests bench migrations/env.py

bench: install-test
	$(BIN)/python bench/run.py

## make migration: regenerate the single initial migration from the models (pre-release only)
migration: install
	rm -f migrations/versions/*.py instance/migration-scratch.sqlite
	DATABASE_URL=sqlite:///$(CURDIR)/instance/migration-scratch.sqlite $(BIN)/flask db upgrade
	DATABASE_URL=sqlite:///$(CURDIR)/instance/migration-scratch.sqlite $(BIN)/flask db migrate -m "initial schema" --rev-id 0001
	rm -f instance/migration-scratch.sqlite*

## make translations: refresh the template after changing text, bring the Welsh catalogue in
## step (new or changed English appears empty for the translator), fill what
## citizenideas/translations/cy/pending.json already has, and compile messages.mo
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext \
	    --project citizenideas --copyright-holder "citizenideas contributors" \
	    --no-location --sort-output -o citizenideas/translations/messages.pot .
	$(BIN)/pybabel update -i citizenideas/translations/messages.pot \
	    -d citizenideas/translations -l cy --no-fuzzy-matching
	$(BIN)/python tests/tools/apply_pending_welsh.py
	$(BIN)/pybabel compile --statistics -d citizenideas/translations -l cy

clean:
	rm -rf $(VENV) instance/*.sqlite*
