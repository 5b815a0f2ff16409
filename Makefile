# The project's front door; CI runs `make test` exactly as written here.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The CPU build of torch (an unpinned torch pulls a multi-GB CUDA build). On a GPU machine:
#   make install TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"
TORCH  ?= torch==2.13.0
QUALITY_CONFIG ?= configs/m2e2_plus_ours.yaml
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install demo test test-fast lint style bench bench-student benchmark-quality bench-serve bench-gpu clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check $(TORCH)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[train,serve,ray,records,dev]"
	rm -f $(VENV)/.installed-* && touch $@

# Train on data/, export, tag the articles in examples/ and show what was found.
demo: install
	$(BIN)/eventtagger train --config configs/demo.yaml --overwrite
	$(BIN)/eventtagger export runs/demo -o models/demo
	$(BIN)/eventtagger extract --model models/demo examples/ -o runs/demo/examples.jsonl --overwrite
	$(BIN)/eventtagger show runs/demo/examples.jsonl

test: install
	$(BIN)/python -m pytest

# Everything but the tests that train a model.
test-fast: install
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check core inference training tests bench

style: install
	$(BIN)/ruff check --fix core inference training tests bench

# CPU extraction speed against the transformers pipeline (needs models/demo: runs `make demo` first if absent).
bench: install
	test -f models/demo/manifest.json || $(MAKE) demo
	$(BIN)/python bench/speed.py --model models/demo --run runs/demo --json-out docs/performance.json

# The same harness for a three-layer student of the demo model (configs/demo_fast.yaml), against the pipeline
# on its six-layer teacher: what trimming and distillation buy in speed, and what they cost in labels.
bench-student: install
	test -f models/demo/manifest.json || $(MAKE) demo
	$(BIN)/eventtagger train --config configs/demo_fast.yaml --overwrite
	$(BIN)/eventtagger export runs/demo_fast -o models/demo_fast
	$(BIN)/python bench/speed.py --model models/demo_fast --run runs/demo --json-out docs/performance_student.json

# Extraction quality: trains the chosen config, exports it, scores it on every data set, writes docs/RESULTS.md.
benchmark-quality: install
	$(BIN)/python bench/quality.py --config $(QUALITY_CONFIG)

# Load test of `eventtagger serve` on loopback: 1, 8 and 32 clients, with and without micro-batching.
bench-serve: install
	$(BIN)/python bench/load_test.py --model models/demo

# Training throughput on a CUDA GPU: the Trainer recipe against our loop with configs/m2e2_gpu.yaml's settings.
bench-gpu:
	mkdir -p runs
	$(BIN)/python bench/gpu_train.py --config configs/m2e2.yaml --sides trainer \
	  --variant "gpu:batch_size=64,mixed_precision='no'" --variant "trainer-b64:batch_size=64" \
	  --json-out runs/gpu_train.json

clean:
	rm -rf runs models .pytest_cache
