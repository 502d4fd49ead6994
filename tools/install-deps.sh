#!/bin/sh
# install-deps.sh [PACKAGE...] — make sure the Debian packages huey builds
# and tests with are present, or, given names, those packages (make
# check-html asks for chromium this way). Idempotent. As root with a
# reachable package registry it installs what is missing; otherwise it
# lists what is missing and stops.
set -eu

BUILD_PKGS="gcc g++ make pkg-config python3 libutf8proc-dev libpcre2-dev libssl-dev libjansson-dev libcunit1-dev libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools python3-h5py libxml2-utils libopenblas-dev libscalapack-openmpi-dev clang libclang-rt-dev"
PKGS=${*:-$BUILD_PKGS}

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

echo "install-deps: missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: not root; install them with: sudo apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $missing; then
    apt-get -o DPkg::Lock::Timeout=600 update -q || {
        echo "install-deps: package registry unreachable; install:$missing" >&2; exit 1; }
    apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $missing
fi
