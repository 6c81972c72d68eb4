# make reproduce : set up (once) and regenerate every table and figure (quick profile)
# make test      : set up (once), check style (ruff) and run unit tests, doctests and every notebook (smoke profile)
# make lint      : set up (once) and check style with ruff (lint and format; `make format` fixes what it can)
# make figures-pdf : the notebooks again (from cache) with PDF copies of every figure, for print
# make lab       : set up (once) and open the notebooks in JupyterLab
# make book      : build the companion site (build/book/index.html) from the executed notebooks, without running them
# make test-fast : the same without the slow tests (notebooks, site build, Dask, torchrun): a few minutes
# make benchmarks : the benchmarks the guide's pages show, each output saved in benchmarks/results/ (~2.5 h)
# make test-browser : install Debian's chromium (once) and check the site and the widgets in a real browser
# make train-jdrl : train the network jdrl-deblur loads (final objective on misaligned pairs, resumable, long profile;
#                   EPOCHS=N trains longer), score it on the held-out scenes and ship it with its model card
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-0.1
BROWSER_STAMP := $(VENV)/.browser-installed
# apt needs root: use sudo only where we are not root already
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PROFILE ?= quick
# empty: runs one after another here; local:N or a Dask scheduler address: on a cluster (README, "Scale-out")
SCHEDULER ?=

.PHONY: setup setup-browser reproduce figures-pdf test test-fast test-browser benchmarks lint format lab book clean-cache train-jdrl

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# pinned: these machines carry this CPU build locally; GPU users follow PyTorch's own instructions
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[notebooks,test,docs,distributed]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (deblur-companion)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium, never a downloaded browser build; Playwright (from pip) drives it
$(BROWSER_STAMP): $(STAMP)
	test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
	$(BIN)/python -m pip install --quiet -e ".[browser]"
	touch $(BROWSER_STAMP)

setup-browser: $(BROWSER_STAMP)

reproduce: setup
	$(BIN)/python -m deblur_core reproduce --profile $(PROFILE) $(if $(SCHEDULER),--scheduler $(SCHEDULER))

test: lint setup-browser
	DEBLUR_BROWSER_TESTS=1 $(BIN)/python -m pytest -q

# the shipped JDRL UNet; the same command trains on CUDA (JDRL_PROFILE=paper) wherever one is present
JDRL_PROFILE ?= long
ifeq ($(JDRL_PROFILE),long)
# the shipped network trains longer on more pairs than notebook 02's long runs: 3x the pairs (fewer repeats of each,
# less over-fitting to 25 scenes) and about 6x the epochs, about 100 minutes on 2 cores; paper keeps its own sizes
EPOCHS ?= 400
PAIRS_PER_SCENE ?= 48
endif
train-jdrl: setup
	$(BIN)/python -m deblur_core train-jdrl --profile $(JDRL_PROFILE) $(if $(EPOCHS),--epochs $(EPOCHS)) \
		$(if $(PAIRS_PER_SCENE),--pairs-per-scene $(PAIRS_PER_SCENE)) \
		--cache-dir data/cache/jdrl --out runs/$(JDRL_PROFILE)/jdrl_unet.pt --ship

# figures for print: every notebook again (from its caches) with PDFs beside the PNGs; PDFs are not committed
figures-pdf: setup
	DEBLUR_FIGURE_FORMATS=png,pdf $(BIN)/python -m deblur_core reproduce --profile $(PROFILE)

# the same without the slow tests (notebooks, the site build, Dask workers, torchrun, real-Levin scoring)
test-fast: lint setup
	$(BIN)/python -m pytest -q -m "not slow"

# each benchmark prints the CPU it ran on, a readable table and one JSON line; the pages include these files, so
# their numbers are never typed by hand. One at a time: timings taken while something else runs are worthless.
define benchmark
	$(BIN)/python benchmarks/$(1).py $(2) > benchmarks/results/$(1).txt.part
	mv benchmarks/results/$(1).txt.part benchmarks/results/$(1).txt
	tail -n 1 benchmarks/results/$(1).txt
endef

benchmarks: setup
	mkdir -p benchmarks/results
	$(call benchmark,shift_search,)
	$(call benchmark,reblur_speed,)
	$(call benchmark,jdrl_step_cost,)
	$(call benchmark,jdrl_recipes,)
	$(call benchmark,jdrl_real_photographs,)
	$(call benchmark,cpu_allocator,)
	$(call benchmark,dask_sweep,)
	$(call benchmark,ddp_training,)
	$(call benchmark,kernel_estimation,)
	$(call benchmark,region_targets,)
	$(call benchmark,selfdeblur_determinism,)
	$(call benchmark,selfdeblur_nonblind,)
	$(call benchmark,selfdeblur_long_choices,)
	$(call benchmark,selfdeblur_table2,)
	$(call benchmark,selfdeblur_roofline,--compile)
	$(call benchmark,selfdeblur_speed,--rounds 3 --accuracy-iterations 0 --cli-iterations 12)

test-browser: setup-browser
	DEBLUR_BROWSER_TESTS=1 $(BIN)/python -m pytest -q tests/browser

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lab: setup
	$(BIN)/jupyter lab notebooks/

# built afresh each time (a few seconds): no page or asset of an earlier build or theme lingers in build/book
book: setup
	$(BIN)/python docs/assemble.py build/book-src
	rm -rf build/book
	$(BIN)/sphinx-build -q -b html build/book-src build/book
	@echo "companion site: build/book/index.html"

clean-cache:
	rm -rf data/cache outputs executed/smoke
