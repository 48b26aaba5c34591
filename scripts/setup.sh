#!/bin/sh
# Installs the system packages latent's build and tests need, if missing:
# OpenBLAS (the fast GEMM route) and the tools the tests drive (chromium,
# headless, for the web explorer's browser test).
# Safe to run again: it installs only what is absent.
set -eu
need=""
for pkg in libopenblas-dev pkg-config chromium; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need="$need $pkg"
done
if [ -n "$need" ]; then
	echo "setup: installing$need" >&2
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null
fi
command -v go >/dev/null || { echo "setup: Go is not installed (https://go.dev/dl/)" >&2; exit 1; }
