#!/usr/bin/env bash
# Issue 18's scaling figures on a lent 16-core machine (prepared by benchmarks/device/bundle.sh): hoso end
# to end and the bare engine, `benchmarks.scaling`, results under $OUT.
set -u
OUT=${OUT:-/tmp/devout}; mkdir -p "$OUT"
PY=${PY:-python3}
if [ -z "${SITE:-}" ]; then
  SITE=/tmp/site; mkdir -p $SITE && tar -C $SITE -xJf .devbench/site.tar.xz || exit 9
fi
export PYTHONPATH=$SITE PYTHONUNBUFFERED=1
{ $PY -V; nproc; lscpu; free -g; } > "$OUT/machine.txt" 2>&1
$PY - <<'PY' 2>&1 | tee "$OUT/versions.txt"
import importlib
for name in ["numpy", "cv2", "PIL", "lxml", "fontTools", "tesserocr", "pikepdf", "pypdfium2", "sqlalchemy", "dbos", "fastapi", "uvicorn", "pyhanko", "babel", "typer"]:
    try:
        m = importlib.import_module(name)
        print(name, getattr(m, "__version__", getattr(m, "VERSION", "?")))
    except Exception as e:
        print(name, "FAILED", repr(e))
import tesserocr; print("libtesseract", tesserocr.tesseract_version().splitlines()[0])
from hoso.api.app import create_app; import hoso.workflows.worker; print("hoso imports ok")
PY
[ -n "${SKIP_SMOKE:-}" ] || {
# smoke: 12 pages on every CPU, a minute at most, before the long run
timeout 120 $PY -m benchmarks.scaling --pages 12 --cores ${SMOKE_CORES:-16} --raw-cores ${SMOKE_CORES:-16} \
  --bases .devbench/bases --label smoke --out "$OUT/smoke" > "$OUT/smoke.log" 2>&1
rc=$?; tail -5 "$OUT/smoke.log"; [ $rc = 0 ] || { echo "smoke failed rc=$rc"; tail -40 "$OUT/smoke.log"; exit 8; }
}
timeout ${LONG_S:-480} $PY -m benchmarks.scaling --pages ${PAGES:-160} --cores ${CORES:-2,4,8,16} \
  --raw-cores ${RAW_CORES:-2,8,16} --bases .devbench/bases --label "${LABEL:-the lent machine}" \
  --out "$OUT/scaling" 2>&1 | tee "$OUT/log"
