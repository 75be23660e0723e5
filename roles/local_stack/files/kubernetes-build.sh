#!/usr/bin/env bash
# Build the local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler),
# kwok and the Flux source-controller/helm-controller from the Go module proxy, with one wrapper Go module per
# upstream module (docs/local-kubernetes.md; kubernetes/kubernetes#79384 for why k8s.io/kubernetes needs one).
#
# Run by roles/local_stack/tasks/kubernetes_build.yml; usable by hand:
#   OUT_DIR=~/.cache/dataplatform-lakehouse/kubernetes-1.37.2 GO_CACHE_ROOT=~/.cache/dataplatform-lakehouse/go \
#   K8S_VERSION=1.37.2 ETCD_VERSION=3.6.16 KWOK_VERSION=0.8.0 SOURCE_CONTROLLER_VERSION=1.9.6 \
#   HELM_CONTROLLER_VERSION=1.6.4 PROMETHEUS_OPERATOR_VERSION=0.89.0 roles/local_stack/files/kubernetes-build.sh
#
# Each wrapper module is written to $OUT_DIR/src/<name>/; its binaries to $OUT_DIR/bin/ with a stamp holding the
# sha256 of the wrapper (go.mod template, imports, flags): a binary is rebuilt only when its wrapper changed.
# The CRD files of Flux and prometheus-operator and kwok's stages are listed in $OUT_DIR/manifests.json.
# Last line of output: "built: <names>" or "built: nothing" (the role's changed_when reads it).
# Optional: BUILD_ONLY="etcd kwok" limits the wrappers built ("none": only manifests.json); FORCE=1 rebuilds
# everything; CHECK_ONLY=1 builds nothing and prints "needs: <wrappers>" when some binary is missing or stale.
set -euo pipefail

: "${OUT_DIR:?OUT_DIR is required}" "${GO_CACHE_ROOT:?GO_CACHE_ROOT is required}"
: "${K8S_VERSION:?}" "${ETCD_VERSION:?}" "${KWOK_VERSION:?}"
: "${SOURCE_CONTROLLER_VERSION:?}" "${HELM_CONTROLLER_VERSION:?}" "${PROMETHEUS_OPERATOR_VERSION:?}"
GO="${GO:-go}"
export GOCACHE="$GO_CACHE_ROOT/build" GOMODCACHE="$GO_CACHE_ROOT/mod"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
export GOPROXY="${GOPROXY:-https://proxy.golang.org}"

command -v "$GO" >/dev/null || { echo "ERROR: no Go toolchain ($GO) on PATH: install Go >= 1.26 (apt golang or go.dev/dl) or set local_stack_kubernetes_go"; exit 2; }
mkdir -p "$OUT_DIR/bin" "$OUT_DIR/src" "$GOCACHE" "$GOMODCACHE"

k8s_minor="${K8S_VERSION#*.}"; k8s_minor="${k8s_minor%%.*}"
# k8s.io/kubernetes' staging modules, published as k8s.io/<m> v0.<minor>.<patch>. The proxy refuses
# sample-cli-plugin and sample-controller (403), which nothing here needs.
k8s_staging="api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider cluster-bootstrap
 code-generator component-base component-helpers controller-manager cri-api cri-client cri-streaming csi-translation-lib
 dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator kube-controller-manager kube-proxy
 kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission streaming"

# wrapper <name>: prints "<module> <version>", then replace lines, of the wrapper go.mod; binaries in build_<name>.
wrapper_kubernetes() {
  echo "k8s.io/kubernetes v$K8S_VERSION"
  for m in $k8s_staging; do echo "k8s.io/$m => k8s.io/$m v0.${K8S_VERSION#*.}"; done
}
build_kubernetes="kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver
kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager
kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler"
flags_kubernetes="-tags providerless -ldflags=-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$k8s_minor -X k8s.io/component-base/version.gitTreeState=clean"

wrapper_etcd() { echo "go.etcd.io/etcd/server/v3 v$ETCD_VERSION"; }
build_etcd="etcd=go.etcd.io/etcd/server/v3"
flags_etcd="-ldflags=-s -w"

wrapper_kwok() { echo "sigs.k8s.io/kwok v$KWOK_VERSION"; }
build_kwok="kwok=sigs.k8s.io/kwok/cmd/kwok"
flags_kwok="-ldflags=-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION"

# The Flux wrappers copy upstream's replace lines except "./api" (the api modules are published).
wrapper_source_controller() {
  echo "github.com/fluxcd/source-controller v$SOURCE_CONTROLLER_VERSION"
  echo "github.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1-0.20220411205349-bde1400a84be"
  # v1.9.6 wants fluxcd/pkg/artifact v0.18.3, which the proxy refuses (403); v0.18.1 compiles and runs.
  echo "github.com/fluxcd/pkg/artifact => github.com/fluxcd/pkg/artifact v0.18.1"
}
build_source_controller="source-controller=github.com/fluxcd/source-controller"
flags_source_controller="-ldflags=-s -w"

wrapper_helm_controller() {
  echo "github.com/fluxcd/helm-controller v$HELM_CONTROLLER_VERSION"
  echo "github.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1-0.20231025023718-d50d2fec9c98"
  echo "sigs.k8s.io/kustomize/api => sigs.k8s.io/kustomize/api v0.21.1"
  echo "sigs.k8s.io/kustomize/kyaml => sigs.k8s.io/kustomize/kyaml v0.21.1"
}
build_helm_controller="helm-controller=github.com/fluxcd/helm-controller"
flags_helm_controller="-ldflags=-s -w"

write_wrapper() { # name -> writes go.mod and tools.go, prints the stamp
  local name="$1" dir="$OUT_DIR/src/$1" spec list flags first
  spec="$("wrapper_$name")"; list="build_$name"; flags="flags_$name"
  mkdir -p "$dir"
  first="$(head -n1 <<<"$spec")"
  {
    echo "// Generated by dataplatform.lakehouse roles/local_stack/files/kubernetes-build.sh: do not edit."
    echo "module dataplatform.lakehouse/build/$name"
    echo
    echo "go 1.26.0"
    echo
    echo "require $first"
    tail -n +2 <<<"$spec" | sed -n 's/^/replace /p'
  } >"$dir/go.mod.want"
  {
    echo "//go:build tools"
    echo
    echo "// Package tools pins the commands this wrapper module builds."
    echo "package tools"
    echo
    echo "import ("
    while IFS== read -r _ pkg; do echo "	_ \"$pkg\""; done <<<"${!list}"
    echo ")"
  } >"$dir/tools.go"
  if ! cmp -s "$dir/go.mod.want" "$dir/go.mod.in" 2>/dev/null; then
    cp "$dir/go.mod.want" "$dir/go.mod.in"; cp "$dir/go.mod.want" "$dir/go.mod"; rm -f "$dir/go.sum"
  fi
  rm -f "$dir/go.mod.want"
  { cat "$dir/go.mod.in" "$dir/tools.go"; echo "${!flags}"; "$GO" env GOVERSION; } | sha256sum | cut -d' ' -f1
}

built=() needs=()
for name in etcd kubernetes kwok source_controller helm_controller; do
  if [ -n "${BUILD_ONLY:-}" ] && [[ " $BUILD_ONLY " != *" $name "* ]]; then continue; fi
  stamp="$(write_wrapper "$name")"
  list="build_$name"; flags="flags_$name"
  need=0
  while IFS== read -r bin _; do
    [ "${FORCE:-0}" = 1 ] && need=1
    [ -x "$OUT_DIR/bin/$bin" ] && [ "$(cat "$OUT_DIR/bin/$bin.stamp" 2>/dev/null)" = "$stamp" ] || need=1
  done <<<"${!list}"
  [ "$need" = 1 ] || continue
  if [ "${CHECK_ONLY:-0}" = 1 ]; then needs+=("$name"); continue; fi
  dir="$OUT_DIR/src/$name"
  echo "== $name: resolving modules ($(date +%T))"
  (cd "$dir" && "$GO" mod tidy -e) || { echo "ERROR: go mod tidy failed for the $name wrapper ($dir/go.mod): check that $GOPROXY is reachable and serves the pinned versions"; exit 3; }
  # tidy -e (needed: upstream's test-only modules are partly refused by the proxy) also swallows a pinned version
  # the proxy does not serve and resolves another one: insist on the pin.
  read -r module version <<<"$(head -n1 <<<"$("wrapper_$name")")"
  got="$(cd "$dir" && "$GO" list -m -f '{{.Version}}' "$module" 2>/dev/null || true)"
  if [ "$got" != "$version" ]; then
    echo "ERROR: $module $version cannot be resolved from $GOPROXY (got '${got:-nothing}'): check the version (local_stack_kubernetes_*_version) and that the proxy serves it"
    exit 3
  fi
  # The flags string holds one -ldflags=... argument (with spaces) after optional "-tags x".
  tags=(); ld="${!flags}"
  if [[ "$ld" == -tags* ]]; then read -r _ t ld <<<"$ld"; tags=(-tags "$t"); fi
  while IFS== read -r bin pkg; do
    echo "== $name: building $bin ($(date +%T))"
    start=$SECONDS
    (cd "$dir" && /usr/bin/time -f "$bin: %e s wall, %U+%S s CPU, %M KB peak RSS" \
        "$GO" build -trimpath "${tags[@]}" "$ld" -o "$OUT_DIR/bin/$bin.new" "$pkg") \
      || { echo "ERROR: go build of $bin ($pkg) failed: see the lines above; the wrapper module is $dir"; exit 4; }
    mv "$OUT_DIR/bin/$bin.new" "$OUT_DIR/bin/$bin"
    echo "$stamp" >"$OUT_DIR/bin/$bin.stamp"
    echo "== $name: $bin built in $((SECONDS - start)) s, $(du -m "$OUT_DIR/bin/$bin" | cut -f1) MB"
    built+=("$bin")
  done <<<"${!list}"
done

if [ "${#needs[@]}" -gt 0 ]; then echo "needs: ${needs[*]}"; exit 0; fi

# CRDs and kwok stages, from the same module versions, out of the module cache (downloaded when missing):
# $OUT_DIR/manifests.json lists the files the local_stack module applies (CRDs) and hands to kwok (stages).
moddir() {
  local dir
  dir="$("$GO" mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [ -d "$dir" ] || { echo "ERROR: go mod download $1 failed: check that $GOPROXY is reachable and serves it"; exit 5; }
  echo "$dir"
}
src="$(moddir "github.com/fluxcd/source-controller@v$SOURCE_CONTROLLER_VERSION")"
helm="$(moddir "github.com/fluxcd/helm-controller@v$HELM_CONTROLLER_VERSION")"
prom="$(moddir "github.com/prometheus-operator/prometheus-operator@v$PROMETHEUS_OPERATOR_VERSION")"
kwok="$(moddir "sigs.k8s.io/kwok@v$KWOK_VERSION")"
list() { local first=1 f; for f in "$@"; do [ -f "$f" ] || { echo "ERROR: $f is missing from the module" >&2; exit 6; }
  [ $first = 1 ] || printf ', '; printf '"%s"' "$f"; first=0; done; }
{
  printf '{"crd_files": ['
  list "$src"/config/crd/bases/*.yaml "$helm"/config/crd/bases/*.yaml \
    "$prom"/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml \
    "$prom"/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml
  printf '],\n "kwok_stage_files": ['
  list "$kwok"/kustomize/stage/node/fast/node-initialize.yaml "$kwok"/kustomize/stage/node/heartbeat/node-heartbeat.yaml \
    "$kwok"/kustomize/stage/pod/fast/pod-ready.yaml "$kwok"/kustomize/stage/pod/fast/pod-complete.yaml \
    "$kwok"/kustomize/stage/pod/fast/pod-delete.yaml
  printf ']}\n'
} >"$OUT_DIR/manifests.json.new"
mv "$OUT_DIR/manifests.json.new" "$OUT_DIR/manifests.json"
echo "built: ${built[*]:-nothing}"
