# Two commands (see README):  `make course` sets up and opens the course;  `make test` sets up and runs every test.
PYTHON ?= python3
VENV ?= .venv
TORCH_VERSION ?= 2.13.0
# CPU-only PyTorch: the default PyPI build on Linux pulls gigabytes of CUDA libraries.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
JOBS ?= 2
BIN := $(VENV)/bin
STAMP := $(VENV)/.course-installed

.PHONY: setup course test unit notebooks exercises bench fetch clean-cache

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml course_utils/warmup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "torch==$(TORCH_VERSION)" --index-url $(TORCH_INDEX) --extra-index-url https://pypi.org/simple
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@# numba's cache is not safe under concurrent compilation: compile librosa's functions once, here
	$(BIN)/python -m course_utils.warmup >/dev/null
	touch $(STAMP)

course: setup
	$(BIN)/jupyter lab notebooks/

test: setup
	@# two notebooks run side by side on two cores: one math thread and one feature process each
	TQDM_DISABLE=1 COURSE_N_JOBS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n $(JOBS) --dist loadfile

unit: setup
	$(BIN)/python -m pytest tests -n $(JOBS)

exercises: setup
	$(BIN)/python scripts/build_exercises.py

bench: setup
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python scripts/benchmark.py

fetch: setup
	$(BIN)/python -m course_utils.datasets fetch

clean-cache:
	rm -rf data/cache
