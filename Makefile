# Two commands on a fresh machine with python3 and make:
#   make run    install, migrate, load the Safe City case once, serve on http://127.0.0.1:$(PORT)
#   make test   install and run the whole test suite (SQLite unless DATABASE_URL says otherwise),
#               browser tests included: installs Debian's Chromium if missing (SKIP_BROWSER_TESTS=1 skips them)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-requirements

.PHONY: install migrate load run test users superuser check clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

# Loads the case only into an empty database, so later edits are never overwritten.
load: migrate
	$(BIN)/python manage.py load_safe_city --if-empty
	$(BIN)/python manage.py rebuild_search_index

run: load
	@# First run: one staff member and one moderator, passwords printed once ('make users' prints new ones).
	$(BIN)/python manage.py create_role_users
	@echo "Serving on http://127.0.0.1:$(PORT)/  (staff area: http://127.0.0.1:$(PORT)/staff/, logins: 'make users')"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	bash scripts/ensure-chromium
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

# One staff member and one moderator, with new random passwords (printed once).
users: migrate
	$(BIN)/python manage.py create_role_users --new-passwords

superuser: migrate
	$(BIN)/python manage.py createsuperuser

check: install
	$(BIN)/python manage.py check

clean:
	rm -rf $(VENV) .pytest_cache
