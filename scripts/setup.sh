#!/bin/sh
# Installs what latent needs, if missing: OpenBLAS (the fast GEMM route).
# With --test, also what the tests drive: chromium (headless, for the
# report's and the web explorer's browser tests) and a Weaviate server
# built from the Go module proxy.
# Safe to run again: it installs only what is absent.
set -eu
tests=""
[ "${1:-}" = "--test" ] && tests=1
pkgs="libopenblas-dev pkg-config"
[ -n "$tests" ] && pkgs="$pkgs chromium"
need=""
for pkg in $pkgs; do
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
[ -n "$tests" ] || exit 0

# --- Weaviate test server -------------------------------------------------
# The weaviate/ tests run a real Weaviate server on 127.0.0.1. Build it once
# from the Go module proxy into the user's cache (a few minutes); later runs
# find it there. internal/weaviatetest looks in the same place.
weaviate_version=v1.35.2
weaviate_bin="${XDG_CACHE_HOME:-$HOME/.cache}/latent/bin"
weaviate_built="$(cat "$weaviate_bin/weaviate-server.version" 2>/dev/null || echo "$weaviate_version")"
if [ ! -x "$weaviate_bin/weaviate-server" ] || [ "$weaviate_built" != "$weaviate_version" ]; then
	echo "setup: building weaviate-server $weaviate_version into $weaviate_bin (once; takes minutes)" >&2
	mkdir -p "$weaviate_bin"
	if (cd "${TMPDIR:-/tmp}" && GOBIN="$weaviate_bin" GOFLAGS=-buildvcs=false go install "github.com/weaviate/weaviate/cmd/weaviate-server@$weaviate_version") >"$weaviate_bin/build.log" 2>&1; then
		echo "$weaviate_version" >"$weaviate_bin/weaviate-server.version"
	else
		tail -5 "$weaviate_bin/build.log" >&2
		echo "setup: could not build weaviate-server (log: $weaviate_bin/build.log); the Weaviate tests will be skipped" >&2
	fi
fi
