#!/usr/bin/env bash
# Build the helm CLI (helm.sh/helm/v3 cmd/helm) from the Go module proxy, cached by version, for the tests that
# render the official Polaris chart with `helm template` (Molecule polaris). No prebuilt binary is downloaded.
#
#   HELM_VERSION=3.21.4 tests/tools/helm-build.sh          # prints the helm path on its last line
#
# Cache: ~/.cache/dataplatform-lakehouse/helm-<version>/bin/helm, built and stamped by go-tool-build.sh (rebuilt only
# when the module version, flags or Go version change; FORCE=1 rebuilds). Last line: "helm: <path> (built|cached)".
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
mkdir -p "$OUT_DIR" "$GOCACHE" "$GOMODCACHE"

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
export OUT_DIR
exec "$(dirname "$0")/go-tool-build.sh" helm "$module" "$HELM_VERSION" cmd/helm "$ldflags"
