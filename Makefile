# The two quick-start commands: `make demo` and `make test`. Each creates (or reuses) a
# virtual environment in .venv and installs what it needs first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.argmine-installed
TEST_STAMP := $(VENV)/.argmine-test-installed

.PHONY: demo test lint default-model clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: the CPU build, never a multi-GB CUDA build by accident
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	# ray and onnx: the tests of --engine ray and --backend onnx run them
	$(BIN)/python -m pip install --quiet -e ".[test,ray,onnx]"
	touch $(TEST_STAMP)

demo: $(STAMP)  ## mine the seed article with the shipped default model
	$(BIN)/argmine tree --format text seeds/track-ii-talks.txt

test: $(TEST_STAMP)  ## run the whole test suite
	$(BIN)/python -m pytest -q

lint: $(TEST_STAMP)
	$(BIN)/ruff check argmine tests benchmarks

default-model: $(STAMP)  ## retrain models/default from the shared corpora (see its README)
	sh models/train-default.sh

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache
