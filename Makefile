# Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap .venv from the lock.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
SHARED ?= ../shared/data
CITY   ?= $(wildcard $(SHARED)/makassar)
# The second test pass runs the whole suite on PostgreSQL (CI has it; see tests/README.md).
TEST_PG_URL ?= postgresql+psycopg://root@127.0.0.1/test

.PHONY: demo test test-sqlite test-postgres lock docs vendor clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: $(STAMP)
	$(BIN)/warroom demo $(if $(CITY),--city $(CITY))

test: test-sqlite test-postgres

test-sqlite: $(STAMP)
	$(BIN)/python -m pytest

test-postgres: $(STAMP)
	@$(BIN)/python tests/services.py postgres "$(TEST_PG_URL)"; rc=$$?; \
	if [ $$rc -eq 0 ]; then WARROOM_TEST_DATABASE_URL="$(TEST_PG_URL)" $(BIN)/python -m pytest; \
	elif [ $$rc -ne 3 ]; then exit $$rc; fi

# Re-pin every dependency after changing pyproject.toml.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip && .lock-venv/bin/pip install --quiet setuptools wheel -e '.[test]'
	(echo '# Pinned versions make uses (make lock regenerates this from pyproject.toml).'; \
	 .lock-venv/bin/pip freeze --all --exclude-editable | grep -v -e '^warroom' -e '^pip==') > requirements.lock
	rm -rf .lock-venv

# Regenerate the generated parts of docs/ (configuration and CLI reference).
docs: $(STAMP)
	$(BIN)/warroom docs config > docs/configuration.md
	$(BIN)/warroom docs cli > docs/cli.md

clean:
	rm -rf $(VENV) warroom-data
