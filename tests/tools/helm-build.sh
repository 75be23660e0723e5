#!/usr/bin/env bash
# Build the helm CLI (helm.sh/helm/v3 cmd/helm) from the Go module proxy, cached by version, for the tests that
# render the official Polaris chart with `helm template` (Molecule polaris). No prebuilt binary is downloaded.
#
#   HELM_VERSION=3.21.4 tests/tools/helm-build.sh          # prints the helm path on its last line
#
# Cache: $OUT_DIR (default ~/.cache/dataplatform-lakehouse/helm-<version>)/bin/helm with a stamp holding the sha256
# of what it was built from (module version, flags, Go version): rebuilt only when one of them changed. The Go
# module and build caches are the collection's shared ones ($GO_CACHE_ROOT, default
# ~/.cache/dataplatform-lakehouse/go, as roles/local_stack/files/kubernetes-build.sh uses).
# Last line of output: "helm: <path> (built|cached)". FORCE=1 rebuilds.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-3.21.4}"
CACHE_ROOT="${LAKEHOUSE_CACHE_DIR:-$HOME/.cache/dataplatform-lakehouse}"
OUT_DIR="${OUT_DIR:-$CACHE_ROOT/helm-$HELM_VERSION}"
GO_CACHE_ROOT="${GO_CACHE_ROOT:-$CACHE_ROOT/go}"
GO="${GO:-go}"
export GOCACHE="$GO_CACHE_ROOT/build" GOMODCACHE="$GO_CACHE_ROOT/mod"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=
export GOPROXY="${GOPROXY:-https://proxy.golang.org}"

command -v "$GO" >/dev/null || { echo "ERROR: no Go toolchain ($GO) on PATH: install Go >= 1.26 (apt golang or go.dev/dl) or set GO"; exit 2; }
mkdir -p "$OUT_DIR/bin" "$GOCACHE" "$GOMODCACHE"

module=helm.sh/helm/v3
# helm's Makefile stamps the version and the default Kubernetes version (.Capabilities.KubeVersion of `helm
# template`, the lint rules) from its client-go (v0.<minor>: Kubernetes 1.<minor>). Read client-go from helm's go.mod.
gomod="$(cd "$OUT_DIR" && "$GO" mod download -json "$module@v$HELM_VERSION" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')" \
  || { echo "ERROR: $module v$HELM_VERSION cannot be downloaded from $GOPROXY: check the version (HELM_VERSION) and that the proxy serves it"; exit 3; }
[ -f "$gomod" ] || { echo "ERROR: $module v$HELM_VERSION: no go.mod from $GOPROXY"; exit 3; }
client_go="$(sed -n 's/^\tk8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$gomod")"
[ -n "$client_go" ] || { echo "ERROR: $module v$HELM_VERSION: no k8s.io/client-go in its go.mod"; exit 3; }
ldflags="-s -w -X $module/internal/version.version=v$HELM_VERSION -X $module/internal/version.gitTreeState=clean"
for pkg in pkg/lint/rules pkg/chartutil; do
  ldflags="$ldflags -X $module/$pkg.k8sVersionMajor=1 -X $module/$pkg.k8sVersionMinor=$client_go"
done
stamp="$(printf '%s\n' "$module@v$HELM_VERSION" "$ldflags" "$("$GO" env GOVERSION)" | sha256sum | cut -d' ' -f1)"

if [ "${FORCE:-0}" != 1 ] && [ -x "$OUT_DIR/bin/helm" ] && [ "$(cat "$OUT_DIR/bin/helm.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "helm: $OUT_DIR/bin/helm (cached)"
  exit 0
fi

echo "== helm v$HELM_VERSION: building from $GOPROXY ($(date +%T))"
rm -rf "$OUT_DIR/bin/.new"
start=$SECONDS
GOBIN="$OUT_DIR/bin/.new" /usr/bin/time -f "helm: %e s wall, %U+%S s CPU, %M KB peak RSS" \
  "$GO" install -trimpath -ldflags="$ldflags" "$module/cmd/helm@v$HELM_VERSION" \
  || { echo "ERROR: go install $module/cmd/helm@v$HELM_VERSION failed: see the lines above (is $GOPROXY reachable, does it serve every module?)"; exit 4; }
mv "$OUT_DIR/bin/.new/helm" "$OUT_DIR/bin/helm"
rmdir "$OUT_DIR/bin/.new"
echo "$stamp" >"$OUT_DIR/bin/helm.stamp"
"$OUT_DIR/bin/helm" version --short
echo "== helm built in $((SECONDS - start)) s, $(du -m "$OUT_DIR/bin/helm" | cut -f1) MB"
echo "helm: $OUT_DIR/bin/helm (built)"
