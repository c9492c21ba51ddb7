#!/usr/bin/env bash
# System packages hoso's tests and second OCR engine use. Everything else comes from PyPI.
#  - tesseract-ocr: the `tesseract` program behind the pytesseract engine (tesserocr bundles its own
#    libtesseract, so the default engine needs nothing from here);
#  - softhsm2: a real PKCS#11 token for the signing tests (agencies sign with USB tokens/HSMs);
#  - fonts-liberation2, fonts-freefont-ttf: Times/Arial-like fonts with Vietnamese glyphs, used by the
#    synthetic page generator in tests/ and benchmarks/;
#  - chromium, fonts-noto-core: the browser the desk UI's end-to-end tests drive (Playwright is
#    pointed at /usr/bin/chromium; it never downloads a browser) and a font with Vietnamese glyphs
#    for its pages and screenshots;
#  - rclone, sqlite3: the backup and restore commands of docs/operations.md, which
#    tests/test_backup_restore.py runs as written;
#  - buildah, debootstrap: `make image` and tests/test_image.py make the image's base from the
#    Debian mirror and build the Dockerfile without a Docker daemon or an image registry.
# Installs only what is missing, and only when it can (root + apt); otherwise says what to install.
set -u
packages=(tesseract-ocr fonts-liberation2 fonts-freefont-ttf fonts-dejavu-core softhsm2 chromium
          fonts-noto-core rclone sqlite3 buildah debootstrap)
# A fresh Debian/Ubuntu Python has no venv support until python3-venv is installed.
python3 -c "import ensurepip" 2>/dev/null || packages+=(python3-venv)
# `make bench` also needs Ghostscript: OCRmyPDF, the comparison, writes PDF/A with it.
[ -n "${BENCH:-}" ] && packages+=(ghostscript)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { echo "system-deps: apt-get failed; tests that need these will be skipped" >&2; exit 0; }
else
  echo "system-deps: please install ${missing[*]} (Debian/Ubuntu: sudo apt-get install ${missing[*]});" \
       "tests that need them are skipped meanwhile" >&2
fi
