# hoso service image (Debian 12, Python 3.11): one image for `hoso serve`, `hoso worker` and the CLI.
# The build stage makes the wheel from the repository (the `hoso/` links bring every part in); the
# run stage installs only that wheel with the pinned dependencies. tests/test_packaging.py checks
# that every path copied here exists in a clean clone.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN pip install --no-cache-dir "setuptools==80.9.0" \
 && pip wheel --no-deps --no-build-isolation -w /wheels .

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OMP_THREAD_LIMIT=1
# The default OCR engine (tesserocr) bundles libtesseract; the `tesseract` program is for the second
# engine; FreeSerif draws the signature stamps (Vietnamese glyphs).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr fonts-freefont-ttf \
 && rm -rf /var/lib/apt/lists/*
COPY constraints.txt /tmp/constraints.txt
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir -c /tmp/constraints.txt /wheels/hoso-*.whl && rm -rf /wheels

RUN useradd --system --home /var/lib/hoso hoso && mkdir -p /var/lib/hoso && chown hoso /var/lib/hoso
USER hoso
WORKDIR /var/lib/hoso
ENV HOSO_DATA_DIR=/var/lib/hoso
ENTRYPOINT ["hoso"]
CMD ["--help"]
