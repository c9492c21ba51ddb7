# hoso service image (Debian 12, its Python 3.11): one image for `hoso serve` (the default),
# `hoso worker` and the CLI. `make image` builds it with buildah; the base, debian:bookworm-slim,
# is made locally by scripts/image-base.sh (no image registry is needed, nor asked).
# Layers are ordered so that a code change rebuilds only the wheel: the dependencies are installed
# in a layer keyed on the runtime requirements (from pyproject.toml) and constraints.txt alone.
# tests/test_image.py builds it from a clean copy and runs it; tests/test_packaging.py checks that
# every path copied here is in a clean clone.
FROM debian:bookworm-slim AS python
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*

# The runtime requirements alone: a change elsewhere in pyproject.toml (version, tool settings)
# leaves the file byte-identical, so the dependency layer below stays cached.
FROM python AS requirements
WORKDIR /src
COPY pyproject.toml constraints.txt ./
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt

# The wheel, built with the pinned setuptools (the `hoso/` links bring every part in). Where TLS
# is intercepted, pip trusts the CA bundle given as the optional `pip-ca` build secret
# (scripts/image-build.sh passes the host's PIP_CERT); a secret never lands in a layer.
FROM python AS build
WORKDIR /src
COPY constraints.txt ./
RUN --mount=type=secret,id=pip-ca { [ ! -e /run/secrets/pip-ca ] || export PIP_CERT=/run/secrets/pip-ca; } \
 && python3 -m venv /opt/build \
 && /opt/build/bin/pip install -q --no-cache-dir -c constraints.txt "setuptools==80.9.0"
COPY . .
RUN /opt/build/bin/pip wheel -q --no-deps --no-build-isolation -w /wheels .

FROM python
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OMP_THREAD_LIMIT=1 LANG=C.UTF-8 \
    PATH=/opt/hoso/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The default OCR engine (tesserocr) bundles libtesseract; the `tesseract` program is for the second
# engine; FreeSerif draws the signature stamps (Vietnamese glyphs). The service runs as `hoso`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr fonts-freefont-ttf \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/hoso --shell /usr/sbin/nologin hoso \
 && mkdir -p /var/lib/hoso && chown hoso:hoso /var/lib/hoso
COPY --from=requirements /src/requirements.txt /src/constraints.txt /tmp/deps/
RUN --mount=type=secret,id=pip-ca --mount=type=cache,target=/root/.cache/pip \
    { [ ! -e /run/secrets/pip-ca ] || export PIP_CERT=/run/secrets/pip-ca; } \
 && python3 -m venv /opt/hoso \
 && pip install -q -c /tmp/deps/constraints.txt -r /tmp/deps/requirements.txt \
 && rm -rf /tmp/deps
COPY --from=build /wheels /tmp/wheels
RUN pip install -q --no-cache-dir --no-deps /tmp/wheels/hoso-*.whl \
 && rm -rf /tmp/wheels \
 && pip check

USER hoso
WORKDIR /var/lib/hoso
ENV HOSO_DATA_DIR=/var/lib/hoso
VOLUME ["/var/lib/hoso"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"]
ENTRYPOINT ["hoso"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
