#!/usr/bin/env bash
# Builds the service image from this checkout with buildah (no Docker daemon, no image registry):
# the local base first (scripts/image-base.sh), then the Dockerfile with every layer cached in
# buildah's storage, so a code change rebuilds only the wheel. `make image` and tests/test_image.py
# both build through here. Tags: the arguments, else hoso:latest and hoso:<version>.
# Environment: STORAGE_DRIVER (buildah's; overlay by default, vfs where overlay is not available);
# PIP_CERT (a CA bundle the build's pip must trust, where TLS is intercepted: given as a secret).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml)
  set -- hoso:latest "hoso:$version"
fi
tags=()
for tag in "$@"; do tags+=(--tag "$tag"); done
secret=()
ca=${PIP_CERT:-${REQUESTS_CA_BUNDLE:-}}
[ -n "$ca" ] && [ -f "$ca" ] && secret=(--secret "id=pip-ca,src=$ca")

scripts/image-base.sh
# chroot isolation: RUN steps need no OCI runtime and use the host's network (apt, PyPI).
# docker format: OCI images have no HEALTHCHECK. --pull=never: the base is local, always.
exec buildah bud --isolation chroot --pull=never --layers --format docker \
  "${secret[@]}" "${tags[@]}" .
