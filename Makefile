# hoso: `make run` sets everything up and runs the service on embedded defaults; `make test` runs the
# whole suite. Both work from a clean clone on Debian/Ubuntu with Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    := out
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install system-deps run sample test screenshots lint typecheck check bench clean image image-archive

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Byte-compiled as a wheel install is (pip compiles what it installs; an editable install does
# not, and with PYTHONDONTWRITEBYTECODE every `hoso` run compiled ~60 modules again, ~0.1 s).
# Only changed sources are compiled again.
install: system-deps $(STAMP)
	@$(BIN)/python -m compileall -q -j 0 hoso api digitize ocr_models signatures storage workflows > /dev/null

system-deps:
	@scripts/system-deps.sh

run: install
	$(BIN)/hoso serve --host $(HOST) --port $(PORT)

sample: install
	$(BIN)/hoso digitize samples/dossier-page1.jpg samples/dossier-page2.jpg \
		-o $(OUT)/sample-dossier.pdf --json $(OUT)/sample-dossier.json
	@echo "PDF/A: $(OUT)/sample-dossier.pdf  JSON: $(OUT)/sample-dossier.json"

test: install
	$(BIN)/python -m pytest -n 2 --dist loadgroup

screenshots: install
	HOSO_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/test_web_*.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

check: lint typecheck test

# The service image, built with buildah on a locally made Debian base (no Docker daemon, no image
# registry): hoso:latest and hoso:<version>. Layers are cached: a code change rebuilds only the wheel.
image: system-deps
	scripts/image-build.sh

# The image as a file for Docker or other machines: `docker load -i out/hoso-image.tar`.
image-archive: image
	mkdir -p $(OUT)
	rm -f $(OUT)/hoso-image.tar
	buildah push hoso:latest docker-archive:$(OUT)/hoso-image.tar:hoso:latest

BENCH_VENV := .venv-bench

$(BENCH_VENV)/.installed-stamp: benchmarks/requirements-bench.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install -q -r benchmarks/requirements-bench.txt
	touch $@

bench: install $(BENCH_VENV)/.installed-stamp
	@BENCH=1 scripts/system-deps.sh
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,bench]'
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.degradations
	$(BIN)/python -m benchmarks.service
	$(BIN)/python -m benchmarks.scaling

clean:
	rm -rf $(VENV) $(BENCH_VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache benchmarks/work
