"""Pure logic of the local stack's monitoring service (the processes themselves are proven by the
local_stack_monitoring integration target)."""
import shutil

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_process import StackError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_monitoring import (
    DEFAULT_PORTS, MonitoringService, component_argv, ports_with_defaults, postgres_dsn,
)


def test_ports_defaults_and_overrides():
    ports = ports_with_defaults({'prometheus': 21090})
    assert ports['prometheus'] == 21090 and ports['alertmanager'] == DEFAULT_PORTS['alertmanager']
    assert 9090 not in ports.values(), 'the Debian packages own services may hold 9090'


def test_ports_refuse_clashes():
    with pytest.raises(StackError, match='monitoring_ports.prometheus is 8181, the port of polaris_port'):
        ports_with_defaults({'prometheus': 8181}, {8181: 'polaris_port'})
    with pytest.raises(StackError, match='are both 19093'):
        ports_with_defaults({'prometheus': 19093})


def test_argv_binds_loopback_and_keeps_secrets_out():
    ports = ports_with_defaults({})
    for name in ('prometheus', 'alertmanager', 'blackbox-exporter', 'postgres-exporter', 'node-exporter'):
        argv = component_argv(name, '/s/monitoring', '/s/monitoring/config', ports)
        assert any(a.startswith('--web.listen-address=127.0.0.1:') for a in argv), name
        assert not any('password' in a or 'postgresql://' in a for a in argv), name
    assert '--cluster.listen-address=' in component_argv('alertmanager', '/w', '/c', ports)
    mgr = component_argv('ceph-mgr', '/w', '/c', ports, ceph_conf='/s/ceph/ceph.conf', ceph_dir='/s/ceph',
                         log_dir='/s/logs')
    assert mgr[:5] == ['ceph-mgr', '-f', '-c', '/s/ceph/ceph.conf', '-i']


def test_postgres_dsn_quotes_the_password():
    dsn = postgres_dsn({'admin_user': 'adm', 'admin_password': 'p@ss/w:rd', 'port': 5544, 'database': 'polaris'},
                       '127.0.0.1')
    assert dsn == 'postgresql://adm:p%40ss%2Fw%3Ard@127.0.0.1:5544/polaris?sslmode=disable'


def test_missing_configuration_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, 'which', lambda name: '/usr/bin/' + name)  # no binaries needed for this check
    service = MonitoringService(str(tmp_path), ceph_mgr=False, victoria_logs_path='/bin/true')
    with pytest.raises(StackError) as info:
        service._check_inputs()
    assert 'prometheus.yml' in info.value.message and 'monitoring role' in info.value.message
    assert '\n' not in info.value.message
    assert 'rsyslog.conf' in info.value.message


def test_missing_aggregator_is_one_line(tmp_path):
    service = MonitoringService(str(tmp_path), ceph_mgr=False, victoria_logs_path=str(tmp_path / 'victoria-logs'))
    with pytest.raises(StackError) as info:
        service._check_inputs()
    assert 'go install github.com/VictoriaMetrics/VictoriaLogs' in info.value.message
    assert 'monitoring_logs=false' in info.value.message and '\n' not in info.value.message


def test_log_components_start_first_and_can_be_left_out(tmp_path):
    with_logs = MonitoringService(str(tmp_path), ceph_mgr=False).components()
    assert with_logs[:2] == ('victoria-logs', 'rsyslog') and with_logs[-1] == 'prometheus'
    assert 'rsyslog' not in MonitoringService(str(tmp_path), ceph_mgr=False, logs=False).components()


def test_log_argv_loopback_and_own_config():
    ports = ports_with_defaults({'victoria_logs': 29428, 'victoria_logs_syslog': 29514})
    argv = component_argv('victoria-logs', '/s/monitoring', '/s/monitoring/config', ports,
                          victoria_logs_path='/cache/bin/victoria-logs')
    assert argv[0] == '/cache/bin/victoria-logs'
    assert '-httpListenAddr=127.0.0.1:29428' in argv and '-syslog.listenAddr.tcp=127.0.0.1:29514' in argv
    assert '-storageDataPath=/s/monitoring/victoria-logs' in argv
    assert component_argv('rsyslog', '/w', '/c', ports) == ['rsyslogd', '-n', '-iNONE', '-f', '/c/rsyslog.conf']
    with pytest.raises(StackError, match='are both 19514'):
        ports_with_defaults({'victoria_logs': 19514})


def test_log_components_are_the_rendered_imfile_tags(tmp_path):
    config = tmp_path / 'monitoring' / 'config'
    config.mkdir(parents=True)
    (config / 'rsyslog.conf').write_text(
        'module(load="imfile" mode="inotify")\n'
        'input(type="imfile" file="/s/logs/polaris.log" tag="polaris" facility="local0"\n      ruleset="r")\n'
        'input(type="imfile" file="/s/logs/ceph-rgw.log" tag="ceph-rgw" ruleset="r")\n')
    assert MonitoringService(str(tmp_path), ceph_mgr=False).log_components() == ['polaris', 'ceph-rgw']
    assert MonitoringService(str(tmp_path), ceph_mgr=False, logs=False).log_components() == []
