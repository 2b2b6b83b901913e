# The two commands a newcomer needs: `make serve` and `make test` (both set up .venv first).
VENV := .venv
PY := $(VENV)/bin/python
CHROMIUM := /usr/bin/chromium

.PHONY: setup serve test chromium checkpoints bench lint

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

serve: setup
	$(VENV)/bin/genlab serve --host 127.0.0.1 --port 8000

# Browser tests drive Debian's Chromium (never a downloaded browser); install it if we may.
chromium:
	@test -x $(CHROMIUM) || { [ "$$(id -u)" = 0 ] && apt-get update -q && apt-get install -y -q chromium; } \
		|| { echo "Debian's chromium is required: sudo apt-get install -y chromium"; exit 1; }

test: setup chromium
	$(PY) -m pytest -q

checkpoints: setup
	scripts/train_checkpoints.sh

bench: setup
	$(VENV)/bin/genlab bench sample --model vae-mnist --n 64

lint: setup
	$(VENV)/bin/ruff check models server tests scripts
