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
	@echo "[setup 1/5] virtual environment in $(VENV)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "[setup 2/5] CPU-only PyTorch $(TORCH_VERSION) (about 200 MB; the default Linux build would pull gigabytes of CUDA libraries)"
	$(BIN)/python -m pip install --progress-bar on "torch==$(TORCH_VERSION)" --index-url $(TORCH_INDEX) --extra-index-url https://pypi.org/simple
	@echo "[setup 3/5] the course's packages (requirements.txt)"
	$(BIN)/python -m pip install --progress-bar on -r requirements.txt
	@echo "[setup 4/5] course_utils (editable) and the Jupyter kernel"
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@# numba's cache is not safe under concurrent compilation: compile librosa's functions once, here
	@echo "[setup 5/5] compiling librosa's numba functions once (about a minute)"
	$(BIN)/python -m course_utils.warmup
	touch $(STAMP)
	@echo "[setup] done"

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
