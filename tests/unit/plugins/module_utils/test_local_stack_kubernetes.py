"""Units for the local Kubernetes service: certificates and kubeconfig, command lines, ports, PID identity.

The control plane itself runs in tests/integration/targets/local_stack_kubernetes (it needs the Go-built binaries).
"""
import base64
import json
import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils import local_process as lp
from ansible_collections.dataplatform.lakehouse.plugins.module_utils import local_stack_kubernetes as lk
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_services import (
    SERVICE_ORDER, build_services,
)


def make(tmp_path, **kwargs):
    kwargs.setdefault('bin_dir', str(tmp_path / 'bin'))
    return lk.KubernetesService(str(tmp_path), **kwargs)


def test_openssl_commands_make_a_ca_a_serving_cert_a_masters_client_and_sa_keys(tmp_path):
    files, commands = lk.openssl_commands(str(tmp_path))
    outputs = [argv[argv.index('-out') + 1] for argv in commands]
    assert [os.path.basename(path) for path in outputs] == [
        'ca.crt', 'apiserver.csr', 'apiserver.crt', 'admin.csr', 'admin.crt', 'sa.key', 'sa.pub']
    assert 'CA:TRUE' in files['ca.cnf']
    assert 'IP:127.0.0.1' in files['apiserver.ext'] and 'DNS:localhost' in files['apiserver.ext']
    assert 'serverAuth' in files['apiserver.ext'] and 'clientAuth' in files['client.ext']
    admin_csr = commands[3]
    assert admin_csr[admin_csr.index('-subj') + 1] == '/O=system:masters/CN=dataplatform-lakehouse-admin'
    # Serials are random: two runs never issue the same serial.
    serials = [argv[argv.index('-set_serial') + 1] for argv in commands if '-set_serial' in argv]
    assert len(set(serials)) == 2


@pytest.mark.skipif(shutil.which('openssl') is None, reason='needs the openssl CLI')
def test_pki_is_private_and_the_kubeconfig_embeds_it(tmp_path):
    service = make(tmp_path)
    os.makedirs(service.work_dir)
    assert service.ensure_pki() is True
    assert os.stat(service.pki_dir).st_mode & 0o777 == 0o700
    for name in ('ca.key', 'apiserver.key', 'admin.key', 'sa.key'):
        assert os.stat(os.path.join(service.pki_dir, name)).st_mode & 0o777 == 0o600
    assert os.stat(service.kubeconfig).st_mode & 0o777 == 0o600
    verify = subprocess.run(['openssl', 'verify', '-CAfile', os.path.join(service.pki_dir, 'ca.crt'),
                             os.path.join(service.pki_dir, 'apiserver.crt'),
                             os.path.join(service.pki_dir, 'admin.crt')], capture_output=True, text=True, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    config = json.load(open(service.kubeconfig))
    assert config['clusters'][0]['cluster']['server'] == 'https://127.0.0.1:16443'
    key = base64.b64decode(config['users'][0]['user']['client-key-data']).decode()
    assert key == open(os.path.join(service.pki_dir, 'admin.key')).read()
    # Kept across restarts: a second call makes nothing.
    assert service.ensure_pki() is False


def test_connection_file_is_private_and_names_the_cluster(tmp_path):
    service = make(tmp_path)
    os.makedirs(os.path.dirname(service.kubeconfig))
    service.write_connection_file()
    path = os.path.join(os.path.dirname(service.kubeconfig), 'kubernetes.json')
    assert os.stat(path).st_mode & 0o777 == 0o600
    facts = json.load(open(path))
    assert facts['kubeconfig'] == service.kubeconfig and facts['simulated_pods'] is True
    assert facts['api_server'] == 'https://127.0.0.1:16443'
    assert facts.get('chart_repository_url') == ('http://127.0.0.1:16879' if service.flux else None)
    mtime = os.stat(path).st_mtime_ns
    service.write_connection_file()  # unchanged: not rewritten
    assert os.stat(path).st_mtime_ns == mtime


def test_render_kubeconfig_is_yaml_with_one_context():
    text = lk.render_kubeconfig('https://127.0.0.1:1', 'CA', 'CERT', 'KEY')
    import yaml
    config = yaml.safe_load(text)
    assert config['current-context'] == 'dataplatform-lakehouse'
    assert base64.b64decode(config['clusters'][0]['cluster']['certificate-authority-data']) == b'CA'
    assert base64.b64decode(config['users'][0]['user']['client-certificate-data']) == b'CERT'


def argv_of(name, **kwargs):
    ports = lk.ports_with_defaults(None)
    return lk.component_argv(name, '/b', '/w', '/p', '/k', ports, kwok_config='/w/stages.yaml',
                             storage_dir='/w/src', chart_dir='/charts', python='/py', **kwargs)


def test_every_component_binds_loopback_only():
    for name in lk.CORE + lk.FLUX:
        argv = argv_of(name)
        joined = ' '.join(argv)
        assert '0.0.0.0' not in joined and ':::' not in joined, name
        assert '127.0.0.1' in joined, name


def test_apiserver_command_line():
    argv = argv_of('kube-apiserver')
    assert argv[0] == '/b/kube-apiserver'
    opts = dict((flag, argv[i + 1]) for i, flag in enumerate(argv[:-1]) if flag.startswith('--') and '=' not in flag)
    # Boolean flags take =value: a separate "true" would be read as a positional argument, which it refuses.
    assert '--allow-privileged=true' in argv and 'true' not in argv
    assert opts['--endpoint-reconciler-type'] == 'none'
    assert opts['--secure-port'] == '16443' and opts['--bind-address'] == '127.0.0.1'
    assert opts['--etcd-servers'] == 'http://127.0.0.1:16379'
    assert opts['--client-ca-file'] == '/p/ca.crt' and opts['--service-account-signing-key-file'] == '/p/sa.key'


def test_controller_manager_makes_service_accounts_without_leader_election():
    argv = argv_of('kube-controller-manager')
    assert '--use-service-account-credentials' in argv and '--leader-elect=false' in argv
    assert argv[argv.index('--service-account-private-key-file') + 1] == '/p/sa.key'
    assert argv[argv.index('--root-ca-file') + 1] == '/p/ca.crt'


def test_kwok_and_flux_command_lines():
    kwok = argv_of('kwok')
    assert '--manage-all-nodes=true' in kwok and kwok[kwok.index('--config') + 1] == '/w/stages.yaml'
    source = argv_of('source-controller')
    assert '--enable-leader-election=false' in source
    assert source[source.index('--storage-adv-addr') + 1] == '127.0.0.1:16090'
    assert '--kubeconfig' not in source  # Flux reads KUBECONFIG from the environment
    repo = argv_of('chart-repository')
    assert repo == ['/py', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', '/charts', '16879']
    with pytest.raises(ValueError):
        argv_of('kubelet')


def test_flux_gets_kubeconfig_and_runtime_namespace_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy:3128')
    env = make(tmp_path)._environment()
    assert env['KUBECONFIG'] == str(tmp_path / 'credentials' / 'kubeconfig')
    assert env['RUNTIME_NAMESPACE'] == 'flux-system'
    assert 'HTTPS_PROXY' not in env and '127.0.0.1' in env['NO_PROXY']


def test_ports_defaults_overrides_and_refusals():
    ports = lk.ports_with_defaults({'apiserver': 26443, 'etcd': None})
    assert ports['apiserver'] == 26443 and ports['etcd'] == 16379
    with pytest.raises(lp.StackError, match='kubernetes_ports.apiserver and kubernetes_ports.etcd are both 16379'):
        lk.ports_with_defaults({'apiserver': 16379})
    with pytest.raises(lp.StackError, match='kubernetes_ports.apiserver is 8181, the port of polaris_port'):
        lk.ports_with_defaults({'apiserver': 8181}, {8181: 'polaris_port'})
    # The defaults never collide with the stack's ports.
    assert not set(lk.DEFAULT_PORTS.values()) & {7480, 3300, 5544, 8181, 8182}


def test_node_and_crd_conditions():
    assert lk.node_ready({'status': {'conditions': [{'type': 'Ready', 'status': 'True'}]}})
    assert not lk.node_ready({'status': {'conditions': [{'type': 'Ready', 'status': 'Unknown'}]}})
    assert not lk.node_ready(None) and not lk.node_ready('not found')
    assert lk.crd_established({'status': {'conditions': [{'type': 'Established', 'status': 'True'}]}})
    assert not lk.crd_established({'status': {}})
    node = lk.fake_node('n1')
    assert node['metadata']['annotations']['kwok.x-k8s.io/node'] == 'fake'
    assert 'taints' not in node.get('spec', {})


def sleeper(cwd, *argv):
    proc = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'] + list(argv), cwd=str(cwd))
    lp.wait_until(lambda: lp.process_cmdline(proc.pid), 5, interval=0.01)
    return proc


def test_a_process_with_the_right_name_elsewhere_is_not_ours(tmp_path):
    service = make(tmp_path)
    os.makedirs(service.work_dir)
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    proc = sleeper(elsewhere, 'http.server')  # a chart-repository look-alike in another directory
    try:
        with open(service.pid_file('chart-repository'), 'w') as handle:
            handle.write('%d\n' % proc.pid)
        assert service.pid('chart-repository') is None
        assert service.status()['daemons']['chart-repository']['running'] is False
        assert service.stop() is False
        assert proc.poll() is None  # never signalled
    finally:
        proc.kill()
        proc.wait()


def test_our_process_is_recognised_and_stopped(tmp_path):
    service = make(tmp_path)
    os.makedirs(service.work_dir)
    proc = sleeper(service.work_dir, 'http.server')
    try:
        with open(service.pid_file('chart-repository'), 'w') as handle:
            handle.write('%d\n' % proc.pid)
        assert service.pid('chart-repository') == proc.pid
        # A binary-named component: argv[0] must be that program, our cwd is not enough.
        with open(service.pid_file('etcd'), 'w') as handle:
            handle.write('%d\n' % proc.pid)
        assert service.pid('etcd') is None
        assert service.stop() is True
        proc.wait(timeout=10)
        assert not os.path.exists(service.pid_file('chart-repository'))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_start_refuses_missing_binaries_in_one_line(tmp_path):
    service = make(tmp_path, kwok_stage_files=['s.yaml'], chart_repository_dir=str(tmp_path))
    with pytest.raises(lp.StackError) as err:
        service.start()
    assert 'are not built in %s' % (tmp_path / 'bin') in err.value.message and '\n' not in err.value.message
    assert make(tmp_path, bin_dir=None).status()['running'] is False


def test_start_refuses_a_missing_chart_repository(tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name in lk.CORE + lk.FLUX[:2]:
        path = bin_dir / name
        path.write_text('#!/bin/sh\n')
        path.chmod(0o755)
    service = make(tmp_path, kwok_stage_files=['s.yaml'], chart_repository_dir=str(tmp_path / 'nowhere'))
    with pytest.raises(lp.StackError, match='No Helm chart repository'):
        service.start()


def test_unreachable_api_server_reads_as_not_ready(tmp_path):
    service = make(tmp_path, ports={'apiserver': 1})
    status, reason = service.api.call('GET', '/readyz')
    assert status == 0 and reason


def test_registered_after_the_others_and_before_monitoring():
    # monitoring scrapes the control plane with the client certificate the kubernetes service generates
    assert SERVICE_ORDER[-2:] == ('kubernetes', 'monitoring')
    params = dict(state_dir='/tmp/x', bind_address='127.0.0.1', postgresql_port=5544, postgresql_database='p',
                  postgresql_user='p', start_timeout=5, log_lines=5, rgw_port=7480, ceph_mon_port=3300,
                  s3_region='r', s3_user='u', osd_size_gib=1, polaris_port=8181, polaris_management_port=8182,
                  polaris_realm='R', polaris_heap_mb=256, services=['kubernetes', 'postgresql'],
                  kubernetes_ports={'apiserver': 17443})
    services = build_services(params)
    assert [service.name for service in services] == ['postgresql', 'kubernetes']
    assert services[-1].server == 'https://127.0.0.1:17443'
    params['kubernetes_ports'] = {'apiserver': 5544}
    with pytest.raises(lp.StackError, match='port of postgresql_port'):
        build_services(params)
