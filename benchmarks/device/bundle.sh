#!/usr/bin/env bash
# Prepares .devbench/ for `benchmarks/device/run.sh` on a lent machine (the `device` tool of this
# workplace: 16 cores, Python 3.12, no network, no Tesseract): hoso's runtime wheels for CPython
# 3.12 unpacked and pruned to fit the 64 MiB a call may carry, and four rendered scans (that
# machine may lack the synthetic generator's fonts). Packages the machine already has (numpy,
# OpenCV, Pillow, lxml, fontTools, aiohttp and its kin, …) are left out; uvloop too (uvicorn
# then runs on asyncio's loop, which only intake would notice). Run from the repository root
# after `make install`: benchmarks/device/bundle.sh
set -euo pipefail
out=.devbench; work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out/bases"
grep -qxF "/$out/" .git/info/exclude 2>/dev/null || { mkdir -p .git/info; echo "/$out/" >> .git/info/exclude; }
py=.venv/bin/python
platforms=(--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64
           --platform manylinux2014_x86_64 --platform manylinux_2_31_x86_64 --platform manylinux_2_34_x86_64)
# bagit publishes no wheel: build one here (pure Python)
$py -m pip wheel -q --no-deps -w "$work/local" "$(grep -i '^bagit==' constraints.txt)"
$py -m pip download -q -c constraints.txt --only-binary=:all: --find-links "$work/local" \
    --python-version 3.12 --implementation cp "${platforms[@]}" -d "$work/wheels" .
cp "$work/local/"*.whl "$work/wheels/"
skip='^(opencv_python_headless|numpy|pillow|lxml|fonttools|aiohttp|multidict|yarl|frozenlist|propcache|aiosignal|aiohappyeyeballs|attrs|pyyaml|pygments|charset_normalizer|idna|certifi|urllib3|jinja2|markupsafe|packaging|six|uvloop|xsdata)-'
ls "$work/wheels" | grep -viE "$skip" | sed "s|^|$work/wheels/|" > "$work/list"
$py -m pip install -q --no-deps --no-compile --target "$work/site" --python-version 3.12 \
    --implementation cp --only-binary=:all: "${platforms[@]}" $(cat "$work/list")
# what hoso never reads there: other languages' dates, CJK character maps, source maps, scripts
find "$work/site/babel/locale-data" -name '*.dat' ! -name 'vi*' ! -name 'en*' ! -name 'root.dat' -delete
rm -f "$work/site/pdfminer/cmap/"*.json.gz
find "$work/site/swagger_ui_bundle" -name '*.map' -delete
rm -rf "$work/site/"{tests,docs,share,include,bin}
find "$work/site" -name __pycache__ -prune -exec rm -rf {} +
tar -C "$work/site" -cf - . | xz -T0 -6 > "$out/site.tar.xz"
$py - <<'PY'
from tests.synthetic import PageSpec, at_level, render_page
for n in range(4):
    page = render_page(at_level(PageSpec(seed=100 + n, dpi=200, body_lines=12), "mild"))
    page.image.convert("RGB").save(f".devbench/bases/base-{n}.jpg", quality=95, dpi=(200, 200))
PY
cp benchmarks/device/run.sh "$out/run.sh"
du -sh "$out"; echo "then: device run with carry [\"$out\"]: bash $out/run.sh (PAGES, CORES, RAW_CORES, LABEL, SKIP_SMOKE)"
