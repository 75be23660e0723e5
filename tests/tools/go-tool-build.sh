#!/usr/bin/env bash
# Build one command of a Go module from the Go module proxy, cached by version (no prebuilt binary is downloaded):
#
#   tests/tools/go-tool-build.sh NAME MODULE VERSION PACKAGE [LDFLAGS]    # prints "NAME: <path> (built|cached)" last
#   e.g. tests/tools/go-tool-build.sh kubeconform github.com/yannh/kubeconform 0.7.0 cmd/kubeconform "-s -w"
#
# Cache: $OUT_DIR (default ~/.cache/dataplatform-lakehouse/NAME-VERSION)/bin/NAME with a stamp holding the sha256 of
# what it was built from (module version, package, flags, Go version): rebuilt only when one of them changed;
# FORCE=1 rebuilds. The Go module and build caches are the collection's shared ones ($GO_CACHE_ROOT, default
# ~/.cache/dataplatform-lakehouse/go, as roles/local_stack/files/kubernetes-build.sh uses). Only for modules without
# replace lines (`go install module/cmd@version`); helm-build.sh and kubeconform-build.sh call this.
set -euo pipefail

name=${1:?NAME}; module=${2:?MODULE}; version=${3:?VERSION}; package=${4:?PACKAGE}; ldflags=${5:--s -w}
CACHE_ROOT="${LAKEHOUSE_CACHE_DIR:-$HOME/.cache/dataplatform-lakehouse}"
OUT_DIR="${OUT_DIR:-$CACHE_ROOT/$name-$version}"
GO_CACHE_ROOT="${GO_CACHE_ROOT:-$CACHE_ROOT/go}"
GO="${GO:-go}"
export GOCACHE="$GO_CACHE_ROOT/build" GOMODCACHE="$GO_CACHE_ROOT/mod"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=
export GOPROXY="${GOPROXY:-https://proxy.golang.org}"

command -v "$GO" >/dev/null || { echo "ERROR: no Go toolchain ($GO) on PATH: install Go >= 1.26 (apt golang or go.dev/dl) or set GO"; exit 2; }
mkdir -p "$OUT_DIR/bin" "$GOCACHE" "$GOMODCACHE"
stamp="$(printf '%s\n' "$module@v$version" "$package" "$ldflags" "$("$GO" env GOVERSION)" | sha256sum | cut -d' ' -f1)"

if [ "${FORCE:-0}" != 1 ] && [ -x "$OUT_DIR/bin/$name" ] && [ "$(cat "$OUT_DIR/bin/$name.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$name: $OUT_DIR/bin/$name (cached)"
  exit 0
fi

echo "== $name v$version: building $module/$package from $GOPROXY ($(date +%T))"
rm -rf "$OUT_DIR/bin/.new"
start=$SECONDS
GOBIN="$OUT_DIR/bin/.new" /usr/bin/time -f "$name: %e s wall, %U+%S s CPU, %M KB peak RSS" \
  "$GO" install -trimpath -ldflags="$ldflags" "$module/$package@v$version" \
  || { echo "ERROR: go install $module/$package@v$version failed: see the lines above (is $GOPROXY reachable, does it serve every module?)"; exit 4; }
mv "$OUT_DIR/bin/.new/$(basename "$package")" "$OUT_DIR/bin/$name"
rmdir "$OUT_DIR/bin/.new"
echo "$stamp" >"$OUT_DIR/bin/$name.stamp"
echo "== $name built in $((SECONDS - start)) s, $(du -m "$OUT_DIR/bin/$name" | cut -f1) MB"
echo "$name: $OUT_DIR/bin/$name (built)"
