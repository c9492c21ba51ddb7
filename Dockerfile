# hoso service image (Debian 12, Python 3.11). Not built in this workplace (no Docker engine here):
# the same steps as `make install` on a Debian machine, which CI exercises.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OMP_THREAD_LIMIT=1
WORKDIR /opt/hoso

# The default OCR engine (tesserocr) bundles libtesseract; the `tesseract` program is only for
# the second engine. Fonts are for nothing at run time, so they are left out of the image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr \
 && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml constraints.txt README.md ./
COPY digitize digitize
COPY ocr_models ocr_models
COPY api api
COPY storage storage
RUN pip install --no-cache-dir -c constraints.txt .

RUN useradd --system --home /var/lib/hoso hoso && mkdir -p /var/lib/hoso && chown hoso /var/lib/hoso
USER hoso
WORKDIR /var/lib/hoso
ENTRYPOINT ["hoso"]
CMD ["--help"]
