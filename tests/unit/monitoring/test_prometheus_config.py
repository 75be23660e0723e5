"""roles/monitoring/templates/prometheus.yml.j2 rendered by Ansible's own templating and checked with promtool: the
Kubernetes control plane's jobs (monitoring_kubernetes_targets / monitoring_kubernetes_tls), and none without them."""
import os
import shutil
import subprocess

import pytest
import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

try:  # ansible-core >= 2.19: a template must be trusted to be rendered
    from ansible.template import trust_as_template
except ImportError:  # pragma: no cover - older ansible-core renders any string
    def trust_as_template(value):
        return value

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
TEMPLATE = os.path.join(ROOT, 'roles', 'monitoring', 'templates', 'prometheus.yml.j2')
K8S_JOBS = ['kubernetes-apiserver', 'kubernetes-controller-manager', 'kubernetes-scheduler', 'etcd',
            'flux-source-controller', 'flux-helm-controller']


def promtool():
    path = shutil.which('promtool')
    if not path:
        pytest.fail('promtool not found: apt-get install prometheus (the Debian package brings promtool)')
    return path


def render(tmp_path, **overrides):
    (tmp_path / 'rules').mkdir(exist_ok=True)
    (tmp_path / 'rules' / 'lakehouse.rules.yml').write_text('groups: []\n')
    variables = dict(
        ansible_managed='test', monitoring_scrape_interval='15s', monitoring_evaluation_interval='15s',
        monitoring_config_dir=str(tmp_path), monitoring_disabled_jobs=[],
        monitoring_targets=dict(s3_endpoint_url='http://127.0.0.1:7480', polaris_management='127.0.0.1:8182',
                                postgres_exporter='127.0.0.1:19187', node_exporter='127.0.0.1:19100',
                                ceph_mgr='127.0.0.1:19283', blackbox_exporter='127.0.0.1:19115',
                                alertmanager='127.0.0.1:19093', prometheus='127.0.0.1:19090'))
    variables.update(overrides)
    with open(TEMPLATE) as handle:
        text = Templar(loader=DataLoader(), variables=variables).template(trust_as_template(handle.read()))
    path = tmp_path / 'prometheus.yml'
    path.write_text(text)
    return path, yaml.safe_load(text)


def check(path, *flags):
    return subprocess.run([promtool(), 'check', 'config'] + list(flags) + [str(path)], check=False,
                          capture_output=True, text=True, timeout=60)


def local_plane(tmp_path):
    pki = tmp_path / 'pki'
    pki.mkdir(exist_ok=True)
    tls = dict((key, str(pki / name)) for key, name in
               (('ca_file', 'ca.crt'), ('cert_file', 'admin.crt'), ('key_file', 'admin.key')))
    targets = dict(apiserver='127.0.0.1:16443', controller_manager='127.0.0.1:16257', scheduler='127.0.0.1:16259',
                   etcd='127.0.0.1:16379', source_controller='127.0.0.1:16080', helm_controller='127.0.0.1:16081')
    return targets, tls


def jobs(config):
    return dict((job['job_name'], job) for job in config['scrape_configs'])


def test_no_control_plane_jobs_without_targets(tmp_path):
    path, config = render(tmp_path)
    assert not set(K8S_JOBS) & set(jobs(config))
    proc = check(path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_control_plane_jobs_with_the_client_certificate(tmp_path):
    targets, tls = local_plane(tmp_path)
    path, config = render(tmp_path, monitoring_kubernetes_targets=targets, monitoring_kubernetes_tls=tls)
    by_name = jobs(config)
    assert [name for name in by_name if name in K8S_JOBS] == K8S_JOBS
    api = by_name['kubernetes-apiserver']
    assert api['scheme'] == 'https' and api['static_configs'] == [{'targets': ['127.0.0.1:16443']}]
    assert api['tls_config'] == {'ca_file': tls['ca_file'], 'cert_file': tls['cert_file'], 'key_file': tls['key_file']}
    for name in ('kubernetes-controller-manager', 'kubernetes-scheduler'):
        assert by_name[name]['tls_config'] == {'insecure_skip_verify': True, 'cert_file': tls['cert_file'],
                                               'key_file': tls['key_file']}
    for name, target in (('etcd', '127.0.0.1:16379'), ('flux-source-controller', '127.0.0.1:16080'),
                         ('flux-helm-controller', '127.0.0.1:16081')):
        assert 'scheme' not in by_name[name] and 'tls_config' not in by_name[name]
        assert by_name[name]['static_configs'] == [{'targets': [target]}]
    # Before the kubernetes service has started the certificate files do not exist: the syntax is valid, and the
    # full check names the missing file (why the role validates with --syntax-only when TLS files are given).
    proc = check(path, '--syntax-only')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = check(path)
    assert proc.returncode != 0 and 'admin.crt' in proc.stdout + proc.stderr
    for name in ('ca.crt', 'admin.crt', 'admin.key'):
        (tmp_path / 'pki' / name).write_text('')
    proc = check(path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_token_verified_components_and_disabled_jobs(tmp_path):
    targets, tls = local_plane(tmp_path)
    token = dict(ca_file=tls['ca_file'], bearer_token_file=str(tmp_path / 'token'),
                 insecure_skip_verify_components=False)
    path, config = render(tmp_path, monitoring_kubernetes_targets=dict(targets, etcd=''),
                          monitoring_kubernetes_tls=token, monitoring_disabled_jobs=['flux-helm-controller'])
    by_name = jobs(config)
    assert 'etcd' not in by_name and 'flux-helm-controller' not in by_name
    for name in ('kubernetes-apiserver', 'kubernetes-controller-manager', 'kubernetes-scheduler'):
        assert by_name[name]['authorization'] == {'credentials_file': token['bearer_token_file']}
        assert by_name[name]['tls_config'] == {'ca_file': tls['ca_file']}
    proc = check(path, '--syntax-only')
    assert proc.returncode == 0, proc.stdout + proc.stderr
