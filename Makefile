# Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap .venv from the lock.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
SHARED ?= ../shared/data
CITY   ?= $(wildcard $(SHARED)/makassar)
# The second test pass runs the whole suite on PostgreSQL (CI has it; see README.md, Tests).
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
	.lock-venv/bin/pip install --quiet --upgrade pip setuptools wheel && .lock-venv/bin/pip install --quiet -e '.[test]'
	(echo '# Pinned versions make uses (make lock regenerates this from pyproject.toml).'; \
	 .lock-venv/bin/pip freeze --all --exclude-editable | grep -v -e '^warroom' -e '^pip==') > requirements.lock
	rm -rf .lock-venv

# Regenerate the generated parts of docs/ (configuration and CLI reference).
docs: $(STAMP)
	$(BIN)/warroom docs config > docs/configuration.md
	$(BIN)/warroom docs cli > docs/cli.md

# Refresh the vendored Leaflet and Leaflet.markercluster (see src/warroom/web/static/vendor/README.md):
# npm into a temp dir, copy the built files. Run by a maintainer with npm; the product never needs
# npm or the internet.
LEAFLET_DEST := src/warroom/web/static/vendor/leaflet
LEAFLET_VERSION ?= 1.9.4
MARKERCLUSTER_DEST := src/warroom/web/static/vendor/leaflet.markercluster
MARKERCLUSTER_VERSION ?= 1.5.3
vendor:
	@command -v npm >/dev/null || { echo "make vendor needs npm (Node.js)" >&2; exit 1; }
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	npm install --prefix "$$tmp" --no-audit --no-fund --silent \
		leaflet@$(LEAFLET_VERSION) leaflet.markercluster@$(MARKERCLUSTER_VERSION) && \
	pkg="$$tmp/node_modules/leaflet" && \
	rm -rf $(LEAFLET_DEST) && mkdir -p $(LEAFLET_DEST)/images && \
	cp "$$pkg/dist/leaflet.js" "$$pkg/dist/leaflet.css" "$$pkg/LICENSE" $(LEAFLET_DEST)/ && \
	cp "$$pkg/dist/images/"* $(LEAFLET_DEST)/images/ && \
	echo "vendored leaflet $$(node -p "require('$$pkg/package.json').version") into $(LEAFLET_DEST)" && \
	mc="$$tmp/node_modules/leaflet.markercluster" && \
	rm -rf $(MARKERCLUSTER_DEST) && mkdir -p $(MARKERCLUSTER_DEST) && \
	cp "$$mc/dist/leaflet.markercluster.js" "$$mc/dist/MarkerCluster.css" \
		"$$mc/MIT-LICENCE.txt" $(MARKERCLUSTER_DEST)/ && \
	chmod 644 $(MARKERCLUSTER_DEST)/* && \
	echo "vendored leaflet.markercluster $$(node -p "require('$$mc/package.json').version") into $(MARKERCLUSTER_DEST)"

clean:
	rm -rf $(VENV) warroom-data
