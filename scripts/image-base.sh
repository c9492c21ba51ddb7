#!/usr/bin/env bash
# Makes the image's base, `debian:bookworm-slim`, locally: no image registry is reachable from the
# machines hoso is built on, but Debian's package mirror is. debootstrap (minbase) unpacks bookworm
# from the mirror this machine's apt uses, the result is trimmed like the official slim image (no
# docs, man pages or locales; apt keeps no lists or packages) and committed into buildah's storage
# under the Dockerfile's FROM name, so `buildah bud --pull=never` finds it and never asks a
# registry. Both steps are cached: the unpacked tree in $HOSO_IMAGE_CACHE, and the tagged image in
# buildah's storage (then nothing runs at all). HOSO_IMAGE_REBUILD_BASE=1 makes both again (for
# Debian's updates; the new base takes the tag, and every layer above it is rebuilt).
set -euo pipefail

BASE_NAME=${HOSO_IMAGE_BASE:-docker.io/library/debian:bookworm-slim}
SUITE=bookworm
CACHE=${HOSO_IMAGE_CACHE:-/var/cache/hoso-image}
ROOTFS=$CACHE/rootfs-$SUITE
DONE=$ROOTFS.done  # written last: a half-made tree (an interrupted debootstrap) is never used

say() { echo "image-base: $*" >&2; }

made() {
  [ -z "${HOSO_IMAGE_REBUILD_BASE:-}" ] && buildah inspect --type image "$BASE_NAME" >/dev/null 2>&1
}
made && exit 0
[ "$(id -u)" = 0 ] || { say "debootstrap needs root"; exit 1; }
for tool in buildah debootstrap; do
  command -v "$tool" >/dev/null || { say "$tool is missing: run scripts/system-deps.sh"; exit 1; }
done

# The first Debian archive and security URIs this machine's apt uses (deb822 or one-line form).
apt_uri() {  # $1: "debian" or "debian-security"
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list \
      2>/dev/null || true; } \
    | grep -v '^\s*#' | grep -oE "(https?|file)://[^ ]*/$1/?( |$)" | head -n 1 | tr -d ' ' \
    | sed 's:/*$::' || true
}
MIRROR=$(apt_uri debian)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY=$(apt_uri debian-security)
SECURITY=${SECURITY:-http://deb.debian.org/debian-security}

make_rootfs() {
  say "debootstrap --variant=minbase $SUITE from $MIRROR into $ROOTFS"
  rm -rf "$ROOTFS" "$DONE"
  mkdir -p "$CACHE"
  debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
    || { say "debootstrap failed, see $CACHE/debootstrap.log"; exit 1; }
  cat >"$ROOTFS/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
EOF
  # What the official slim image leaves out, and apt's leftovers after each install.
  cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  cat >"$ROOTFS/etc/apt/apt.conf.d/slim" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
Acquire::Languages "none";
EOF
  find "$ROOTFS/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$ROOTFS"/usr/share/{man,info,locale}/* "$ROOTFS"/var/lib/apt/lists/* \
         "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb \
         "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/*
  touch "$DONE"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9  # one maker at a time (`make image` beside the suite's build)
made && exit 0  # made while we waited
[ -e "$DONE" ] && [ -z "${HOSO_IMAGE_REBUILD_BASE:-}" ] || make_rootfs
say "committing $ROOTFS as $BASE_NAME"
container=$(buildah from --pull=never scratch)
trap 'buildah rm "$container" >/dev/null 2>&1 || true' EXIT
mount=$(buildah mount "$container")
tar -C "$ROOTFS" -cf - . | tar -C "$mount" -xf -
buildah umount "$container" >/dev/null
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env LANG=C.UTF-8 --cmd bash --os linux --arch "$(dpkg --print-architecture)" "$container"
buildah commit --quiet --format docker "$container" "$BASE_NAME" >/dev/null
say "made $BASE_NAME"
