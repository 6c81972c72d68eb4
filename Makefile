# make reproduce : set up (once) and regenerate every table and figure (quick profile)
# make test      : set up (once), check style (ruff) and run unit tests, doctests and every notebook (smoke profile)
# make lint      : set up (once) and check style with ruff (lint and format; `make format` fixes what it can)
# make lab       : set up (once) and open the notebooks in JupyterLab
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-0.1
PROFILE ?= quick

.PHONY: setup reproduce test lint format lab clean-cache

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

clean-cache:
	rm -rf data/cache outputs
