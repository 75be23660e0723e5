"""Every manifest of the committed GitOps tree (and the official chart rendered with our values) passes kubeconform,
offline and strict; a deliberately broken manifest is rejected.

Schemas, all local (nothing is fetched at validation time):
* built-in kinds: the PyPI package kubernetes-validate's JSON schemas for Kubernetes 1.37, made standalone (kubeconform
  resolves no "$ref" to another file: the definitions each kind refers to from its _definitions.json are embedded);
* CRDs: Flux source-controller and helm-controller `config/crd/bases` and prometheus-operator's ServiceMonitor and
  PrometheusRule, the module versions the local stack pins (roles/local_stack/defaults/main.yml), read from the Go
  module cache (`go mod download`) and converted with kubeconform's own scripts/openapi2jsonschema.py.
kubeconform itself is built from the Go module proxy and cached by version (tests/tools/kubeconform-build.sh: about
2.5 min cold on 2 busy cores, 10 MB; cached: a stamp check). helm comes from tests/tools/helm-build.sh the same way.
Skipped, with the reason, only when there is no Go toolchain.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
TREE = os.path.join(ROOT, 'kubernetes', 'apps', 'data-platform')
FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures', 'kubernetes')
CHART = os.environ.get('LAKEHOUSE_HELM_REPOSITORY') or next(
    (p for p in (os.path.join(ROOT, '..', 'shared', 'polaris-helm-repo'), '/work/shared/polaris-helm-repo')
     if os.path.isdir(p)), '')
KUBERNETES_VERSION = '1.37.0'  # the newest schema set kubernetes-validate ships (the local control plane is 1.37.2)

pytestmark = pytest.mark.skipif(shutil.which('go') is None, reason='no Go toolchain: kubeconform cannot be built')


def built(script):
    proc = subprocess.run([os.path.join(ROOT, 'tests', 'tools', script)], capture_output=True, text=True,
                          timeout=1800, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return re.match(r'^\S+: (\S+) ', proc.stdout.strip().splitlines()[-1]).group(1)


def module_dir(module, version):
    env = dict(os.environ, GOTOOLCHAIN='local', GOFLAGS='-mod=mod',
               GOMODCACHE=os.path.join(os.path.expanduser('~'), '.cache', 'dataplatform-lakehouse', 'go', 'mod'))
    proc = subprocess.run(['go', 'mod', 'download', '-json', '%s@v%s' % (module, version)], capture_output=True,
                          text=True, timeout=600, check=False, env=env, cwd='/')
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(proc.stdout)['Dir']


def closure(schema, definitions):
    """The definitions a schema refers to, transitively (kubeconform resolves no reference to another file)."""
    found, todo = {}, [schema]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get('$ref') if isinstance(node.get('$ref'), str) else ''
            if ref.startswith('#/$defs/') and ref[8:] not in found:
                found[ref[8:]] = definitions[ref[8:]]
                todo.append(definitions[ref[8:]])
            todo.extend(value for key, value in node.items() if not (key == '$ref' and ref))
        elif isinstance(node, list):
            todo.extend(node)
    return found


def stack_default(name):
    with open(os.path.join(ROOT, 'roles', 'local_stack', 'defaults', 'main.yml'), encoding='utf-8') as handle:
        return str(yaml.safe_load(handle)[name])


@pytest.fixture(scope='module')
def kubeconform():
    return built('kubeconform-build.sh')


@pytest.fixture(scope='module')
def schemas(tmp_path_factory, kubeconform):
    out = tmp_path_factory.mktemp('schemas')
    import kubernetes_validate
    source = os.path.join(os.path.dirname(kubernetes_validate.__file__), 'kubernetes-json-schema',
                          'v%s-local-strict' % KUBERNETES_VERSION)
    builtin = out / 'builtin'
    builtin.mkdir()
    with open(os.path.join(source, '_definitions.json'), encoding='utf-8') as handle:
        definitions = json.load(handle)['$defs']
    for path in glob.glob(os.path.join(source, '*.json')):
        if os.path.basename(path) in ('_definitions.json', 'all.json'):
            continue
        with open(path, encoding='utf-8') as handle:
            schema = json.loads(handle.read().replace('"/api/_definitions.json#/$defs/', '"#/$defs/'))
        schema['$defs'] = closure(schema, definitions)
        (builtin / os.path.basename(path)).write_text(json.dumps(schema), encoding='utf-8')
    crds = sorted(glob.glob(os.path.join(module_dir('github.com/fluxcd/source-controller',
                                                    stack_default('local_stack_kubernetes_source_controller_version')),
                                         'config', 'crd', 'bases', '*.yaml')))
    crds += sorted(glob.glob(os.path.join(module_dir('github.com/fluxcd/helm-controller',
                                                     stack_default('local_stack_kubernetes_helm_controller_version')),
                                          'config', 'crd', 'bases', '*.yaml')))
    prom = module_dir('github.com/prometheus-operator/prometheus-operator',
                      stack_default('local_stack_kubernetes_prometheus_operator_version'))
    crds += [os.path.join(prom, 'example', 'prometheus-operator-crd', 'monitoring.coreos.com_%s.yaml' % name)
             for name in ('servicemonitors', 'prometheusrules')]
    converter = os.path.join(module_dir('github.com/yannh/kubeconform', stack_default_kubeconform()),
                             'scripts', 'openapi2jsonschema.py')
    crd_dir = out / 'crd'
    crd_dir.mkdir()
    proc = subprocess.run([sys.executable, converter] + crds, cwd=str(crd_dir), capture_output=True, text=True,
                          env=dict(os.environ, FILENAME_FORMAT='{kind}-{fullgroup}-{version}'), timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    names = sorted(os.listdir(str(crd_dir)))
    for kind in ('helmrelease-helm.toolkit.fluxcd.io-v2.json', 'helmrepository-source.toolkit.fluxcd.io-v1.json',
                 'servicemonitor-monitoring.coreos.com-v1.json', 'prometheusrule-monitoring.coreos.com-v1.json'):
        assert kind in names, names
    return [str(builtin) + '/{{ .ResourceKind }}{{ .KindSuffix }}.json',
            str(crd_dir) + '/{{ .ResourceKind }}-{{ .Group }}-{{ .ResourceAPIVersion }}.json']


def stack_default_kubeconform():
    with open(os.path.join(ROOT, 'tests', 'tools', 'kubeconform-build.sh'), encoding='utf-8') as handle:
        return re.search(r'KUBECONFORM_VERSION:-([0-9.]+)', handle.read()).group(1)


def validate(kubeconform, schemas, paths, stdin=None):
    argv = [kubeconform, '-strict', '-summary', '-output', 'json', '-kubernetes-version', KUBERNETES_VERSION]
    for location in schemas:
        argv += ['-schema-location', location]
    proc = subprocess.run(argv + paths, input=stdin, capture_output=True, text=True, timeout=300, check=False)
    return proc, json.loads(proc.stdout or '{}')


def tree_manifests():
    return sorted(p for p in glob.glob(os.path.join(TREE, '**', '*.yaml'), recursive=True)
                  if os.path.basename(p) not in ('kustomization.yaml', 'values.yaml'))


def test_every_rendered_manifest_is_valid(kubeconform, schemas):
    paths = tree_manifests()
    proc, report = validate(kubeconform, schemas, paths)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = report['summary']
    # Every object of every file was checked against a schema: none skipped, none without a schema.
    assert summary['invalid'] == 0 and summary['errors'] == 0 and summary['skipped'] == 0, report
    objects = 0
    for path in paths:
        with open(path, encoding='utf-8') as handle:
            objects += len([doc for doc in yaml.safe_load_all(handle) if doc])
    assert summary['valid'] == objects >= 10, report


def test_kustomize_build_is_valid(kubeconform, schemas):
    """What the roles apply: `kubectl kustomize` of the namespace (the generated values ConfigMap included)."""
    if shutil.which('kubectl') is None:
        pytest.skip('no kubectl on PATH (kubectl kustomize builds what the roles apply)')
    built_tree = subprocess.run(['kubectl', 'kustomize', TREE], capture_output=True, text=True, timeout=120,
                                check=True).stdout
    kinds = [doc['kind'] for doc in yaml.safe_load_all(built_tree) if doc]
    assert 'ConfigMap' in kinds and 'HelmRelease' in kinds and 'CronJob' in kinds, kinds
    # The hive-metastore app (its Deployment and Service are the tree's own, Polaris's come from the chart).
    assert kinds.count('CronJob') == 2 and 'Deployment' in kinds and 'Service' in kinds, kinds
    proc, report = validate(kubeconform, schemas, ['-'], stdin=built_tree)
    assert proc.returncode == 0 and report['summary']['valid'] == len(kinds), proc.stdout + proc.stderr


def test_chart_rendered_with_our_values_is_valid(kubeconform, schemas):
    """helm template of the official chart with the tree's values.yaml (helm checks values.schema.json first)."""
    charts = sorted(glob.glob(os.path.join(CHART, 'polaris-*.tgz')))
    if not charts:
        pytest.skip('no official Polaris chart (LAKEHOUSE_HELM_REPOSITORY or ../shared/polaris-helm-repo)')
    helm = built('helm-build.sh')
    rendered = subprocess.run([helm, 'template', 'polaris', charts[-1], '--namespace', 'data-platform', '--skip-tests',
                               '--api-versions', 'monitoring.coreos.com/v1', '--values',
                               os.path.join(TREE, 'polaris', 'app', 'values.yaml')],
                              capture_output=True, text=True, timeout=300, check=False)
    assert rendered.returncode == 0, rendered.stderr
    kinds = sorted(doc['kind'] for doc in yaml.safe_load_all(rendered.stdout) if doc)
    assert kinds == ['ConfigMap', 'Deployment', 'Service', 'Service', 'ServiceAccount', 'ServiceMonitor'], kinds
    proc, report = validate(kubeconform, schemas, ['-'], stdin=rendered.stdout)
    assert proc.returncode == 0 and report['summary']['valid'] == len(kinds), proc.stdout + proc.stderr


def test_broken_manifest_is_rejected(kubeconform, schemas):
    """The fixture the API server refuses too (integration target gitops_apply): each broken object is named."""
    proc, report = validate(kubeconform, schemas, [os.path.join(FIXTURES, 'broken.yaml')])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    invalid = dict((r['kind'], r['msg']) for r in report['resources'] if r['status'] == 'statusInvalid')
    assert sorted(invalid) == ['CronJob', 'HelmRelease'], report
    assert 'jobTemplate' in invalid['CronJob'], invalid
    assert 'interval' in invalid['HelmRelease'], invalid
