# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of plugins/module_utils/local_stack_ceph.py: ceph.conf rendering, pid and ordering
logic, output parsing and error mapping. No Ceph binary is run here (subprocesses are mocked); the
real cluster is exercised by the local_stack integration run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import configparser
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import threading

import pytest

try:
    from unittest import mock
except ImportError:  # pragma: no cover
    import mock

from ansible_collections.dataplatform.lakehouse.plugins.module_utils import local_stack_ceph as mod
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_process import (
    StackError,
    process_cmdline,
    wait_until,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_ceph import (
    CephService,
    S3ClientMissing,
    admin_socket_command,
    daemons_to_start,
    daemons_to_stop,
    describe_daemon_failure,
    json_from_output,
    new_credentials,
    osd_up_since,
    osdmap_epoch,
    parse_osd_id,
    parse_version,
    render_ceph_conf,
    user_has_key,
    valid_credentials,
)

FSID = '4e1c43ca-217b-413a-9176-e7394702727d'


def _conf(tmp_path, **overrides):
    args = dict(fsid=FSID, ceph_dir=str(tmp_path / 'ceph'), log_dir=str(tmp_path / 'logs'), host='127.0.0.1',
                mon_port=13300, rgw_port=17480, osd_size_gib=10)
    args.update(overrides)
    parser = configparser.ConfigParser(interpolation=None, comment_prefixes=('#',))
    text = render_ceph_conf(**args)
    parser.read_string(text)
    return text, parser


@pytest.fixture
def patch(monkeypatch):
    """patch(target, name, **mock_kwargs): replace an attribute by a MagicMock for the test (undone after)."""
    def _patch(target, name, **kwargs):
        fake = mock.MagicMock(**kwargs)
        monkeypatch.setattr(target, name, fake)
        return fake
    return _patch


@pytest.fixture
def service(tmp_path):
    svc = CephService(str(tmp_path), rgw_port=17480, mon_port=13300)
    os.makedirs(svc.run_dir)
    os.makedirs(svc.log_dir)
    return svc


class FakeProc(object):
    def __init__(self, returncode=None, pid=4242):
        self.returncode = returncode
        self.pid = pid

    def poll(self):
        return self.returncode


# ----------------------------------------------------------------------------------- ceph.conf

def test_conf_binds_everything_to_the_host_only(tmp_path):
    dummy, conf = _conf(tmp_path)
    assert conf['global']['mon_host'] == 'v2:127.0.0.1:13300'
    assert conf['global']['public_addr'] == '127.0.0.1'
    # Without cluster_addr the OSD listens on 0.0.0.0.
    assert conf['global']['cluster_addr'] == '127.0.0.1'
    assert conf['global']['ms_bind_ipv6'] == 'false'
    frontends = conf['client.rgw.a']['rgw_frontends']
    assert frontends == 'beast endpoint=127.0.0.1:17480 tcp_nodelay=1'
    assert ' port=' not in frontends


def test_conf_auth_none_needs_secure_mon_client_mode(tmp_path):
    dummy, conf = _conf(tmp_path)
    for key in ('auth_cluster_required', 'auth_service_required', 'auth_client_required'):
        assert conf['global'][key] == 'none'
    assert conf['global']['ms_mon_client_mode'] == 'crc secure'


def test_conf_single_replica_and_bluestore_on_sparse_file(tmp_path):
    dummy, conf = _conf(tmp_path, osd_size_gib=3)
    assert conf['global']['osd_pool_default_size'] == '1'
    assert conf['global']['mon_allow_pool_size_one'] == 'true'
    assert conf['osd']['osd_objectstore'] == 'bluestore'
    assert conf['osd']['bluestore_block_size'] == str(3 * 1024 ** 3)


def test_conf_keeps_every_path_under_the_state_dir(tmp_path):
    text, conf = _conf(tmp_path)
    assert '/var/' not in text and '/etc/' not in text
    paths = [value for section in conf.sections() for value in conf[section].values() if value[:1] in '/$']
    assert paths, 'expected path options'
    for value in paths:
        assert value.startswith(str(tmp_path)) or value.startswith('$run_dir/'), value
    assert conf['global']['run_dir'] == str(tmp_path / 'ceph' / 'run')
    for section, log in (('mon', 'ceph-mon.log'), ('osd', 'ceph-osd.log'), ('client.rgw.a', 'ceph-rgw.log')):
        assert conf[section]['log_file'] == str(tmp_path / 'logs' / log)
        assert conf[section]['admin_socket'].startswith('$run_dir/')
    assert conf['global']['crash_dir'].startswith(str(tmp_path))
    assert conf['global']['mon_cluster_log_file'].startswith(str(tmp_path))


def test_conf_is_deterministic(tmp_path):
    assert _conf(tmp_path)[0] == _conf(tmp_path)[0]
    assert _conf(tmp_path)[0] != _conf(tmp_path, rgw_port=17481)[0]


def test_service_renders_the_size_the_osd_was_created_with(service):
    cluster = {'fsid': FSID, 'osd_size_gib': 4}
    service.osd_size_gib = 20
    assert 'bluestore_block_size = %d' % (4 * 1024 ** 3) in service._render_conf(cluster)


# ------------------------------------------------------------------------------ output parsing

def test_parse_version():
    assert parse_version('ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) pacific (stable)\n') \
        == '16.2.15'
    assert parse_version('command not found') is None
    assert parse_version(None) is None


def test_json_from_output_skips_warnings_around_the_document():
    assert json_from_output('2026-11-26 WARNING: something\n{"epoch": 7}\ntrailer\n') == {'epoch': 7}
    assert json_from_output('{"a": {"b": [1, 2]}}') == {'a': {'b': [1, 2]}}
    assert json_from_output('  {broken\n{"ok": true}') == {'ok': True}
    assert json_from_output('could not fetch user info: no user info saved') is None
    assert json_from_output('') is None


def _dump(epoch, up, up_from, osd_id=0):
    return json.dumps({'epoch': epoch, 'osds': [{'osd': osd_id, 'up': up, 'in': 1, 'up_from': up_from}]})


def test_osd_up_since_requires_a_fresh_up_from():
    # Right after kill -9 the osdmap still shows the dead instance as up (up_from 5, epoch 9).
    assert not osd_up_since(_dump(9, 1, 5), 0, min_epoch=9)
    assert osd_up_since(_dump(11, 1, 11), 0, min_epoch=9)
    assert not osd_up_since(_dump(11, 0, 11), 0, min_epoch=9)
    assert osd_up_since(_dump(3, 1, 3), 0)


def test_osd_up_since_handles_other_osds_and_garbage():
    assert not osd_up_since(_dump(3, 1, 3, osd_id=1), 0)
    assert not osd_up_since('Error initializing cluster client: TimedOut', 0)
    assert not osd_up_since('', 0)


def test_osdmap_epoch():
    assert osdmap_epoch(_dump(12, 1, 3)) == 12
    assert osdmap_epoch('timed out') == 0


def test_parse_osd_id():
    assert parse_osd_id('0\n') == 0
    assert parse_osd_id('some warning\n3\n') == 3
    assert parse_osd_id('Error EEXIST: entity osd.0 exists') is None


def test_user_has_key():
    key = {'user': 'lakehouse', 'access_key': 'AK', 'secret_key': 'SK'}
    info = json.dumps({'user_id': 'lakehouse', 'keys': [key]})
    assert user_has_key(info, 'AK', 'SK')
    assert not user_has_key(info, 'AK', 'other')
    assert not user_has_key('could not fetch user info: no user info saved', 'AK', 'SK')


def _serve_once(path, reply):
    """A one-shot fake Ceph admin socket: records the command, answers with length-prefixed `reply`."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    received = []

    def handle():
        conn, dummy = server.accept()
        data = b''
        while not data.endswith(b'\0'):
            data += conn.recv(100)
        received.append(data)
        conn.sendall(struct.pack('>I', len(reply)) + reply)
        conn.close()
        server.close()
    thread = threading.Thread(target=handle)
    thread.start()
    return thread, received


def test_admin_socket_command(tmp_path):
    path = str(tmp_path / 'osd.asok')
    thread, received = _serve_once(path, b'{"whoami": 0, "state": "active"}')
    assert admin_socket_command(path, 'status') == {'whoami': 0, 'state': 'active'}
    thread.join(5)
    assert received == [b'{"prefix": "status"}\0']


def test_admin_socket_command_without_daemon(tmp_path):
    # A socket file left behind by a kill -9'd daemon: nobody listens, so the answer is None.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(tmp_path / 'stale.asok'))
    stale.close()
    assert admin_socket_command(str(tmp_path / 'stale.asok'), 'status') is None
    assert admin_socket_command(str(tmp_path / 'missing.asok'), 'status') is None


def test_osd_ready_waits_for_active_state_then_asks_the_monitor(service, patch):
    states = iter([None, {'state': 'booting'}, {'state': 'active'}])
    patch(mod, 'admin_socket_command', side_effect=lambda path, prefix: next(states))
    ceph = patch(service, '_ceph', return_value=_dump(12, 1, 12))
    ready = service._osd_ready_check(0)
    assert not ready() and not ready()
    ceph.assert_not_called()  # no CLI subprocess while the OSD boots
    assert ready()
    ceph.assert_called_once_with(['osd', 'dump', '-f', 'json'], check=False)


def test_osd_ready_falls_back_to_the_monitor_for_long_paths(tmp_path, patch):
    svc = CephService(str(tmp_path / ('x' * 100)))
    patch(mod, 'admin_socket_command', side_effect=AssertionError('path too long for AF_UNIX'))
    dumps = iter([_dump(9, 1, 5), _dump(9, 1, 5), _dump(11, 1, 11)])
    patch(svc, '_ceph', side_effect=lambda args, check=True: next(dumps))
    ready = svc._osd_ready_check(0)  # reads epoch 9 before the start
    assert not ready()  # the dead instance, still marked up
    assert ready()


# ------------------------------------------------------------------------------------ ordering

def test_start_order_is_mon_osd_rgw_and_only_what_is_down():
    assert daemons_to_start({}) == ['mon', 'osd', 'rgw']
    assert daemons_to_start({'mon': True, 'osd': False, 'rgw': False}) == ['osd', 'rgw']
    assert daemons_to_start({'mon': False, 'osd': True, 'rgw': True}) == ['mon']
    assert daemons_to_start({'mon': True, 'osd': True, 'rgw': True}) == []


def test_stop_order_is_rgw_osd_mon():
    assert daemons_to_stop({'mon': True, 'osd': True, 'rgw': True}) == ['rgw', 'osd', 'mon']
    assert daemons_to_stop({'mon': True, 'rgw': True}) == ['rgw', 'mon']
    assert daemons_to_stop({}) == []


def test_stop_signals_radosgw_first_then_osd_then_mon(service, patch):
    pids = {'mon': 11, 'osd': 22, 'rgw': 33}
    patch(service, 'daemon_pid', side_effect=pids.get)
    stopped = []
    patch(mod, 'stop_pid', side_effect=lambda pid, expected, term_timeout: stopped.append(
        (pid, expected, term_timeout)) or True)
    patch(service, '_forget_pid_file')
    assert service.stop() is True
    assert stopped == [(33, service.conf_path, 30), (22, service.conf_path, 30), (11, service.conf_path, 30)]


def test_stop_without_state_is_a_no_op(tmp_path):
    assert CephService(str(tmp_path / 'nothing')).stop() is False


# --------------------------------------------------------------------------------- pid handling

@pytest.mark.parametrize('content', ['garbage\n', '', '-5\n', '999999999\n'])
def test_unusable_pid_files_are_ignored_and_removed(service, content):
    with open(service.pid_file('mon'), 'w') as handle:
        handle.write(content)
    assert service.daemon_pid('mon') is None
    service._forget_pid_file('mon')
    assert not os.path.exists(service.pid_file('mon'))


def test_pid_of_an_unrelated_live_process_is_not_trusted(service):
    # Our own (pytest) PID is alive but its argv has neither ceph-mon nor our ceph.conf.
    with open(service.pid_file('mon'), 'w') as handle:
        handle.write('%d\n' % os.getpid())
    assert service.daemon_pid('mon') is None
    service._forget_pid_file('mon')
    assert not os.path.exists(service.pid_file('mon'))


@pytest.fixture
def fake_mon(service):
    """A harmless process whose argv looks like our monitor: `... ceph-mon -f -c <our conf>`."""
    proc = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', 'ceph-mon', '-f', '-c',
                             service.conf_path])
    # Right after fork+exec /proc/<pid>/cmdline can still read empty for a moment.
    assert wait_until(lambda: process_cmdline(proc.pid), 10, interval=0.01)[0]
    yield proc
    proc.kill()
    proc.wait()


def test_pid_needs_both_our_conf_and_the_right_executable(service, fake_mon):
    for daemon in ('mon', 'osd'):
        with open(service.pid_file(daemon), 'w') as handle:
            handle.write('%d\n' % fake_mon.pid)
    assert service.daemon_pid('mon') == fake_mon.pid
    # Same PID recorded as the OSD: our conf, wrong executable -> not the OSD, pid file dropped.
    assert service.daemon_pid('osd') is None
    service._forget_pid_file('osd')
    assert not os.path.exists(service.pid_file('osd'))
    service._forget_pid_file('mon')
    assert os.path.exists(service.pid_file('mon'))
    assert fake_mon.poll() is None


def test_another_clusters_daemon_is_not_ours(tmp_path, fake_mon):
    other = CephService(str(tmp_path / 'other'))
    os.makedirs(other.run_dir)
    with open(other.pid_file('mon'), 'w') as handle:
        handle.write('%d\n' % fake_mon.pid)
    assert other.daemon_pid('mon') is None


# ---------------------------------------------------------------------------------- error mapping

def test_describe_daemon_failure_picks_the_hint_from_the_log():
    lines = ['2026 ... starting', '2026 ... bind unable to bind to 127.0.0.1:17480: (98) Address already in use']
    message = describe_daemon_failure('rgw', '/s/logs/ceph-rgw.log', lines, exit_code=1)
    assert message.startswith('ceph: radosgw exited with status 1 during startup: its port is already in use')
    assert message.endswith('(log: /s/logs/ceph-rgw.log).')
    assert '\n' not in message


def test_describe_daemon_failure_timeout_and_default_hint():
    message = describe_daemon_failure('osd', '/s/logs/ceph-osd.log', ['nothing useful'], timeout=180)
    assert 'ceph-osd did not become ready within 180s' in message
    assert 'free disk space' in message


def test_describe_daemon_failure_mon_config():
    message = describe_daemon_failure('rgw', 'log', ['failed to fetch mon config (--no-mon-config to skip)'],
                                      exit_code=1)
    assert 'cannot reach the monitor' in message


def test_busy_port_names_port_owner_and_option(service):
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    try:
        service.rgw_port = listener.getsockname()[1]
        with pytest.raises(StackError) as info:
            service._check_port('rgw')
    finally:
        listener.close()
    exc = info.value
    assert exc.service == 'ceph'
    assert 'radosgw cannot start: port %d' % service.rgw_port in exc.message
    assert 'PID %d' % os.getpid() in exc.message
    assert 'local_stack_rgw_port' in exc.message
    service._check_port('osd')  # the OSD picks its own ports: never checked


def test_mon_port_option_name(service, patch):
    ensure = patch(mod, 'ensure_port_free')
    service._check_port('mon')
    ensure.assert_called_once_with('ceph ceph-mon', '127.0.0.1', 13300, 'local_stack_ceph_mon_port', service='ceph')


def test_daemon_dying_during_start_raises_with_log_tail(service, patch):
    with open(service.log_file('mon'), 'w') as handle:
        handle.write('line 1\nerror opening mon data directory at /x: (2) No such file or directory\n')
    patch(service, '_check_port')
    spawn = patch(mod, 'spawn', return_value=FakeProc(returncode=1))
    patch(mod, 'port_open', return_value=False)
    with pytest.raises(StackError) as info:
        service._start_daemon('mon', {'fsid': FSID})
    exc = info.value
    assert exc.service == 'ceph'
    assert exc.message.startswith('ceph: ceph-mon exited with status 1 during startup: the monitor store')
    assert exc.log_tail[-1].startswith('error opening mon data directory')
    argv = spawn.call_args[0][0]
    assert argv == ['ceph-mon', '-f', '-c', service.conf_path, '-i', 'a']
    assert spawn.call_args[1]['pid_file'] == service.pid_file('mon')


def test_hung_daemon_is_stopped_and_reported(service, patch):
    service.start_timeout = 0
    patch(service, '_check_port')
    patch(mod, 'spawn', return_value=FakeProc(returncode=None, pid=4242))
    patch(service, '_http_answers', return_value=False)
    stop = patch(mod, 'stop_pid', return_value=True)
    with pytest.raises(StackError) as info:
        service._start_daemon('rgw', {'fsid': FSID})
    assert 'radosgw did not become ready within 0s' in info.value.message
    stop.assert_called_once_with(4242, service.conf_path, term_timeout=30)


def test_missing_binaries(service, patch):
    patch(mod.shutil, 'which', side_effect=lambda tool: None if tool == 'radosgw' else '/usr/bin/x')
    with pytest.raises(StackError) as info:
        service._check_tools()
    assert 'radosgw not found on PATH' in info.value.message
    assert 'apt-get install' in info.value.message


def test_setup_step_failure_names_daemon_and_fix(service, patch):
    failure = StackError('ceph-osd exited with status 1: mkfs failed', service='ceph', log_tail=['mkfs failed'])
    patch(mod, 'run', side_effect=failure)
    with pytest.raises(StackError) as info:
        service._setup_step('osd', ['ceph-osd', '--mkfs'])
    assert info.value.message.startswith('ceph: setting up ceph-osd failed, ceph-osd exited with status 1')
    assert service.ceph_dir in info.value.message
    assert info.value.log_tail == ['mkfs failed']


def test_ceph_cli_always_uses_private_conf_and_timeouts(service, patch):
    run = patch(mod, 'run', return_value='{}')
    service._ceph(['osd', 'dump', '-f', 'json'])
    argv = run.call_args[0][0]
    assert argv[:5] == ['ceph', '-c', service.conf_path, '--connect-timeout', '15']
    assert run.call_args[1]['timeout'] > 15


def test_ceph_cli_failure_is_mapped(service, patch):
    patch(mod, 'run', side_effect=StackError('ceph did not finish within 75s.', service='ceph'))
    with pytest.raises(StackError) as info:
        service._ceph(['osd', 'new', 'u'])
    assert 'failed against the monitor at [v2:127.0.0.1:13300]' in info.value.message
    assert 'ceph-mon.log' in info.value.message


# ------------------------------------------------------------------------------- start fast path

def test_start_is_a_no_op_when_everything_answers(service, patch):
    patch(service, '_conf_current', return_value=True)
    patch(service, 'daemon_pid', return_value=1234)
    patch(service, '_s3_check', return_value=(True, None))
    slow = patch(service, '_start_locked')
    patch(mod, 'run', side_effect=AssertionError('no subprocess on the fast path'))
    patch(mod, 'spawn', side_effect=AssertionError('no subprocess on the fast path'))
    assert service.start() is False
    slow.assert_not_called()


def test_start_checks_all_ports_before_starting_anything(service, patch):
    cluster = {'fsid': FSID, 'mon_addr': service.mon_addr, 'osd_id': 0, 'osd_uuid': 'u', 'osd_size_gib': 10}
    patch(service, '_load_cluster', return_value=cluster)
    with open(service.conf_path, 'w') as handle:
        handle.write(service._render_conf(cluster))
    patch(service, '_marker_exists', return_value=True)
    patch(service, '_running', return_value={'mon': False, 'osd': False, 'rgw': False})

    def busy(daemon):
        if daemon == 'rgw':
            raise StackError('ceph radosgw cannot start: port 17480 ...', service='ceph')
    patch(service, '_check_port', side_effect=busy)
    start = patch(service, '_start_daemon')
    with pytest.raises(StackError):
        service._start_locked()
    start.assert_not_called()


def test_start_restarts_only_dead_daemons_in_order(service, patch):
    cluster = {'fsid': FSID, 'mon_addr': service.mon_addr, 'osd_id': 0, 'osd_uuid': 'u', 'osd_size_gib': 10}
    patch(service, '_load_cluster', return_value=cluster)
    with open(service.conf_path, 'w') as handle:
        handle.write(service._render_conf(cluster))
    patch(service, '_marker_exists', return_value=True)
    patch(service, '_running', return_value={'mon': True, 'osd': False, 'rgw': False})
    patch(service, '_check_port')
    patch(service, '_ensure_credentials', return_value=False)
    started = []
    patch(service, '_start_daemon', side_effect=lambda daemon, dummy: started.append(daemon))
    stop = patch(service, '_stop_locked')
    assert service._start_locked() is True
    assert started == ['osd', 'rgw']
    stop.assert_not_called()


def test_changed_conf_restarts_running_daemons(service, patch):
    cluster = {'fsid': FSID, 'mon_addr': service.mon_addr, 'osd_id': 0, 'osd_uuid': 'u', 'osd_size_gib': 10}
    patch(service, '_load_cluster', return_value=cluster)
    with open(service.conf_path, 'w') as handle:
        handle.write('# stale\n')
    patch(service, '_marker_exists', return_value=True)
    stop = patch(service, '_stop_locked', return_value=True)
    patch(service, '_running', return_value={})
    patch(service, '_check_port')
    patch(service, '_start_daemon')
    patch(service, '_ensure_credentials', return_value=False)
    assert service._start_locked() is True
    stop.assert_called_once_with()
    with open(service.conf_path) as handle:
        assert handle.read() == service._render_conf(cluster)


# ---------------------------------------------------------------------------------- credentials

def test_new_credentials_shapes():
    creds = new_credentials('http://127.0.0.1:17480', 'us-east-1')
    assert sorted(creds) == ['access_key', 'endpoint_url', 'region', 'secret_key']
    assert len(creds['access_key']) == 20 and creds['access_key'].isalnum() and creds['access_key'].isupper()
    assert len(creds['secret_key']) == 40
    assert creds != new_credentials('http://127.0.0.1:17480', 'us-east-1')
    assert valid_credentials(creds)
    assert not valid_credentials({'access_key': 'a'})
    assert not valid_credentials(['a'])


def test_first_credentials_are_generated_and_written_private(service, patch):
    patch(service, '_s3_check', side_effect=[(False, 'InvalidAccessKeyId'), (True, None)])
    ensure_user = patch(service, '_ensure_user')
    assert service._ensure_credentials() is True
    with open(service.credentials_file) as handle:
        data = json.load(handle)
    assert list(data) == ['endpoint_url', 'access_key', 'secret_key', 'region']
    assert data['endpoint_url'] == 'http://127.0.0.1:17480'
    ensure_user.assert_called_once_with(data)
    assert stat.S_IMODE(os.stat(service.credentials_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(service.credentials_dir).st_mode) == 0o700


def test_existing_credentials_are_kept_and_endpoint_follows_port(service, patch):
    service._write_credentials({'endpoint_url': 'http://127.0.0.1:1', 'access_key': 'AK', 'secret_key': 'SK',
                                'region': 'us-east-1'})
    patch(service, '_s3_check', return_value=(True, None))
    ensure_user = patch(service, '_ensure_user')
    assert service._ensure_credentials() is True  # endpoint rewritten
    ensure_user.assert_not_called()
    assert service._read_credentials()['endpoint_url'] == 'http://127.0.0.1:17480'
    assert service._read_credentials()['access_key'] == 'AK'
    assert service._ensure_credentials() is False


def test_missing_boto3_fails_fast(service, patch):
    patch(service, '_s3_check', return_value=(False, S3ClientMissing('boto3 is not installed')))
    ensure_user = patch(service, '_ensure_user')
    with pytest.raises(StackError) as info:
        service._ensure_credentials()
    assert 'boto3 is not installed' in info.value.message
    ensure_user.assert_not_called()


def test_rejected_credentials_are_reported(service, patch):
    patch(mod, 'wait_until', return_value=(False, 30))
    patch(service, '_s3_check', return_value=(False, 'SignatureDoesNotMatch'))
    patch(service, '_ensure_user')
    with pytest.raises(StackError) as info:
        service._ensure_credentials()
    assert 'signed request' in info.value.message and service.credentials_file in info.value.message


USER = json.dumps({'user_id': 'lakehouse', 'keys': [{'access_key': 'OLD', 'secret_key': 'OLDS'}]})


@pytest.mark.parametrize('info, action', [
    ('could not fetch user info: no user info saved', ['user', 'create']),
    (USER, ['key', 'create']),
    (json.dumps({'keys': [{'access_key': 'AK', 'secret_key': 'SK'}]}), None),
])
def test_ensure_user(service, patch, info, action):
    calls = []

    def fake_run(argv, **kwargs):  # pylint: disable=unused-argument
        calls.append(argv)
        return info if 'info' in argv else '{}'
    patch(mod, 'run', side_effect=fake_run)
    service._ensure_user({'access_key': 'AK', 'secret_key': 'SK'})
    assert all(argv[:3] == ['radosgw-admin', '-c', service.conf_path] for argv in calls)
    if action is None:
        assert len(calls) == 1
    else:
        assert calls[-1][3:5] == action
        assert '--uid=lakehouse' in calls[-1]
        assert '--access-key=AK' in calls[-1] and '--secret-key=SK' in calls[-1]


# ------------------------------------------------------------------------- status, facts, versions

def test_facts_have_no_secrets(service):
    facts = service.facts()
    assert facts == {'endpoint_url': 'http://127.0.0.1:17480', 'region': 'us-east-1',
                     'credentials_file': os.path.join(service.state_dir, 'credentials', 's3.json'),
                     'host': '127.0.0.1', 'port': 17480, 'state_dir': service.state_dir}


def test_status_when_nothing_runs_does_not_touch_s3(service, patch):
    patch(service, '_s3_check', side_effect=AssertionError('no S3 call when stopped'))
    patch(mod, 'run', return_value='ceph version 16.2.15 (abc) pacific (stable)\n')
    status = service.status()
    assert status['name'] == 'ceph' and status['running'] is False and status['healthy'] is False
    assert status['version'] == '16.2.15'
    assert status['endpoint'] == 'http://127.0.0.1:17480'
    assert status['daemons'] == dict((d, {'pid': None, 'running': False, 'rss_mib': None})
                                     for d in ('mon', 'osd', 'rgw'))


def test_versions_is_cached_and_uses_private_conf(service, patch):
    with open(service.conf_path, 'w') as handle:
        handle.write('')
    run = patch(mod, 'run', return_value='ceph version 16.2.15 (abc) pacific (stable)\n')
    assert service.versions() == {'ceph': '16.2.15'}
    assert service.versions() == {'ceph': '16.2.15'}
    run.assert_called_once()
    assert run.call_args[0][0] == ['radosgw', '-c', service.conf_path, '--version']


def test_versions_unparsable(service, patch):
    patch(mod, 'run', return_value='radosgw: weird\n')
    with pytest.raises(StackError):
        service.versions()


def test_module_imports_without_boto3():
    code = ('import sys; sys.modules["boto3"] = None; sys.modules["botocore"] = None; '
            'from ansible_collections.dataplatform.lakehouse.plugins.module_utils import local_stack_ceph; '
            'assert "boto3" not in [m for m in sys.modules if sys.modules[m] is not None]')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    subprocess.run([sys.executable, '-c', code], check=True, env=env)


# ---------------------------------------------------------------------------------------------- STS (rgw_sts)
def test_sts_settings_only_with_a_key():
    args = dict(fsid='f', ceph_dir='/s/ceph', log_dir='/s/logs', host='127.0.0.1', mon_port=3300, rgw_port=7480,
                osd_size_gib=20)
    assert 'rgw_sts_key' not in render_ceph_conf(**args) and 'rgw_s3_auth_use_sts' not in render_ceph_conf(**args)
    key = mod.new_sts_key()
    assert len(key) == mod.STS_KEY_LENGTH == 16 and key.isalnum() and key != mod.new_sts_key()
    text = render_ceph_conf(sts_key=key, **args)
    rgw = text.split('[%s]' % mod.RGW_NAME)[1]
    assert 'rgw_sts_key = %s\n' % key in rgw and 'rgw_s3_auth_use_sts = true\n' in rgw


def test_sts_role_documents():
    trust = mod.sts_trust_policy('lakehouse')
    assert trust['Statement'][0]['Principal'] == {'AWS': ['arn:aws:iam:::user/lakehouse']}
    assert trust['Statement'][0]['Action'] == ['sts:AssumeRole']
    assert ' ' not in mod.compact_json(trust)
    # as radosgw-admin 16.2 prints them (role get / role-policy get), with log noise around the JSON
    role_text = json.dumps({'RoleName': 'r', 'AssumeRolePolicyDocument': mod.compact_json(trust)}, indent=4)
    policy_text = json.dumps({'Permission policy': mod.compact_json(mod.sts_permission_policy())}, indent=4)
    assert mod.role_documents(role_text, policy_text) == (trust, mod.sts_permission_policy())
    missing = '2026-12-03T13:07:18.353+0000 7fd9 0 ERROR: failed reading role name from pool: default.rgw.meta: nope'
    assert mod.role_documents(missing, 'ERROR: Policy name: nope not found') == (None, None)


def test_sts_file_follows_the_option(tmp_path):
    on = mod.CephService(str(tmp_path), rgw_port=47480, rgw_sts=True)
    assert on.facts()['sts_role_arn'] == 'arn:aws:iam:::role/lakehouse-catalog'
    assert not on._sts_current()  # no sts.json yet
    os.makedirs(on.credentials_dir)
    with open(on.sts_file, 'w') as handle:
        json.dump(on._sts_document(), handle)
    assert on._sts_current()
    off = mod.CephService(str(tmp_path), rgw_port=47480, rgw_sts=False)
    assert 'sts_role_arn' not in off.facts() and not off._sts_current()
    assert off._ensure_sts() is True and not os.path.exists(off.sts_file) and off._ensure_sts() is False
