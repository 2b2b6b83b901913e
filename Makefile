# The two commands a newcomer needs: `make serve` and `make test` (both set up .venv first).
#
# Which torch: TORCH=cuda (the default where nvidia-smi works) is PyPI's torch, the CUDA build (several GB);
# TORCH=cpu (the default elsewhere) is the CPU build (~200 MB) from PyTorch's CPU index, or PyPI's torch with a
# warning when that index cannot be reached. Everything else is pinned by requirements.lock. docs/install.md.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
CHROMIUM := /usr/bin/chromium
NGINX := /usr/sbin/nginx
# jemalloc (Debian's libjemalloc2), where installed: 1.33x the diffusion images/s of glibc's malloc, measured
# (docs/execution.md); the server runs without it too.
JEMALLOC := $(firstword $(wildcard /usr/lib/*/libjemalloc.so.2))
LOCK := requirements.lock
TORCH_VERSION := 2.13.0
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
ifeq ($(origin TORCH), undefined)
TORCH := $(shell nvidia-smi >/dev/null 2>&1 && echo cuda || echo cpu)
endif
$(if $(filter $(TORCH),cpu cuda),,$(error TORCH is cpu or cuda, not '$(TORCH)'))

.PHONY: setup serve test debian-packages checkpoints bench lint

# torch goes first, alone (--no-deps): that step picks its build; the next one installs its dependencies with
# everything else, from the lock. Switching builds: rm -rf .venv && make setup TORCH=cuda (or cpu).
$(VENV)/.installed: pyproject.toml Makefile $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "genlab needs Python >= 3.11; $(PYTHON) is $$($(PYTHON) --version 2>&1). Try: make PYTHON=python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
ifeq ($(TORCH),cpu)
	@if $(PY) -c 'import urllib.request as u; u.urlopen("$(TORCH_CPU_INDEX)/torch/", timeout=10)' 2>/dev/null; then \
		echo "torch $(TORCH_VERSION), CPU build (~200 MB), from $(TORCH_CPU_INDEX)"; \
		$(PY) -m pip install -q --no-deps --index-url $(TORCH_CPU_INDEX) torch==$(TORCH_VERSION); \
	else \
		echo "WARNING: $(TORCH_CPU_INDEX) cannot be reached: installing torch==$(TORCH_VERSION) from your package"; \
		echo "         index instead. On Linux, PyPI's is the CUDA build (several GB; it runs on a CPU too)."; \
		$(PY) -m pip install -q --no-deps torch==$(TORCH_VERSION); \
	fi
else
	@echo "torch $(TORCH_VERSION), CUDA build (several GB), from your package index (PyPI); make TORCH=cpu for the CPU one"
	$(PY) -m pip install -q --no-deps torch==$(TORCH_VERSION)
endif
	$(PY) -m pip install -q -c $(LOCK) -e '.[dev]'
	@$(PY) -c 'import torch; print("installed: torch", torch.__version__, "with CUDA", torch.version.cuda if torch.version.cuda else "(none: CPU only)")'
	touch $@

setup: $(VENV)/.installed

serve: setup
	$(if $(JEMALLOC),LD_PRELOAD=$(JEMALLOC)) $(VENV)/bin/genlab serve --host 127.0.0.1 --port 8000

HAS_PYTHON_H := $(PYTHON) -c "import os, sys, sysconfig; sys.exit(not os.path.exists(sysconfig.get_paths()['include'] + '/Python.h'))"

# Browser tests drive Debian's Chromium (never a downloaded browser), the scale-out test puts Debian's nginx in
# front of two replicas, and the compiled-network tests need g++ and Python.h (torch.compile's C++ kernels); install
# them if we may.
debian-packages:
	@missing="$$(test -x $(CHROMIUM) || echo chromium) $$(test -x $(NGINX) || echo nginx-light) $$(command -v g++ >/dev/null || echo g++) $$($(HAS_PYTHON_H) || echo python3-dev)"; \
	test -z "$$(echo $$missing)" || { [ "$$(id -u)" = 0 ] && apt-get update -q && apt-get install -y -q $$missing; } \
		|| { echo "the tests need Debian's $$missing: sudo apt-get install -y $$missing"; exit 1; }

test: setup debian-packages
	$(PY) -m pytest -q

checkpoints: setup
	scripts/train_checkpoints.sh

bench: setup
	$(VENV)/bin/genlab bench sample --model vae-mnist --n 64

lint: setup
	$(VENV)/bin/ruff check models server tests scripts
