#!/bin/sh
# apt-source.sh PACKAGE DIR: download Debian's source package PACKAGE
# (bookworm) into DIR, through a private deb-src list: the machine may have
# none.  Does nothing when DIR already holds its .dsc.
set -e
pkg=$1 dir=$2
ls "$dir/${pkg}"_*.dsc >/dev/null 2>&1 && exit 0
A=$PWD/build/apt
mkdir -p "$A/lists/partial" "$dir"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" >"$A/sources.list"
APTO="-o Dir::Etc::SourceList=$A/sources.list -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists=$A/lists -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
      -o APT::Sandbox::User=root"
apt-get $APTO update -qq
(cd "$dir" && apt-get $APTO source --download-only -qq "$pkg")
