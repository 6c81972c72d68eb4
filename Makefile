# make reproduce : set up (once) and regenerate every table and figure (quick profile)
# make test      : set up (once), check style (ruff) and run unit tests, doctests and every notebook (smoke profile)
# make lint      : set up (once) and check style with ruff (lint and format; `make format` fixes what it can)
# make lab       : set up (once) and open the notebooks in JupyterLab
# make book      : build the companion site (build/book/index.html) from the executed notebooks, without running them
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-0.1
PROFILE ?= quick

.PHONY: setup reproduce test lint format lab book clean-cache

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# pinned: these machines carry this CPU build locally; GPU users follow PyTorch's own instructions
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (deblur-companion)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

reproduce: setup
	$(BIN)/python -m deblur_core reproduce --profile $(PROFILE)

test: lint
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lab: setup
	$(BIN)/jupyter lab notebooks/

book: setup
	$(BIN)/python docs/assemble.py build/book-src
	$(BIN)/sphinx-build -q -b html build/book-src build/book
	@echo "companion site: build/book/index.html"

clean-cache:
	rm -rf data/cache outputs executed/smoke
