#!/bin/sh
# Install the Debian packages named on the command line that are missing.
# Idempotent: does nothing (and needs no network) when all are present.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
# One foreign index may fail to update (a mirror mid-sync): go on, and
# judge by what got installed.
$SUDO apt-get update -qq || echo "install-deps: apt-get update had errors; going on"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
	--no-install-recommends $missing >/dev/null || true
for p in $missing; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		{ echo "install-deps: $p did not install" >&2; exit 1; }
done
