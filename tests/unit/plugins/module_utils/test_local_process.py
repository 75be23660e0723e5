"""Units for the local stack's process plumbing (real short-lived processes, no mocks needed)."""
import os
import socket
import subprocess
import sys

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils import local_process as lp


def test_read_pid_handles_garbage(tmp_path):
    path = tmp_path / 'x.pid'
    assert lp.read_pid(str(path)) is None
    path.write_text('not a pid\n')
    assert lp.read_pid(str(path)) is None
    path.write_text('-5\n')
    assert lp.read_pid(str(path)) is None
    path.write_text('1234 extra\n')
    assert lp.read_pid(str(path)) == 1234


def test_live_pid_checks_the_command_line(tmp_path):
    proc = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)', 'marker-xyz'])
    # Right after fork /proc shows an empty command line for a moment.
    lp.wait_until(lambda: lp.process_cmdline(proc.pid), 5, interval=0.01)
    try:
        pid_file = tmp_path / 'p.pid'
        pid_file.write_text('%d\n' % proc.pid)
        assert lp.live_pid(str(pid_file), 'marker-xyz') == proc.pid
        # Same PID, but not the program we expect: treated as stale, never signalled.
        assert lp.live_pid(str(pid_file), 'radosgw') is None
        assert lp.stop_pid(proc.pid, 'radosgw') is False
        assert proc.poll() is None
        assert lp.stop_pid(proc.pid, 'marker-xyz', term_timeout=5) is True
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert lp.remove_stale_pid_file(str(pid_file), 'marker-xyz') is True
    assert not pid_file.exists()


def test_ensure_port_free_names_the_owner():
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        with pytest.raises(lp.StackError) as info:
            lp.ensure_port_free('Ceph radosgw', '127.0.0.1', port, 'local_stack_rgw_port', service='ceph')
        message = info.value.message
        assert 'port %d on 127.0.0.1 is already in use by PID %d' % (port, os.getpid()) in message
        assert 'local_stack_rgw_port' in message
        assert info.value.service == 'ceph'
    finally:
        server.close()
    lp.ensure_port_free('x', '127.0.0.1', port, 'opt')  # free again: no error


def test_run_reports_the_last_output_line():
    with pytest.raises(lp.StackError) as info:
        lp.run([sys.executable, '-c', 'import sys; print("first"); print("the reason"); sys.exit(3)'])
    assert info.value.message.endswith('exited with status 3: the reason')
    with pytest.raises(lp.StackError) as info:
        lp.run(['/nonexistent/binary'])
    assert 'cannot run /nonexistent/binary' in info.value.message


def test_write_private_file_is_0600(tmp_path):
    path = tmp_path / 'secret.json'
    lp.write_private_file(str(path), '{}')
    assert os.stat(str(path)).st_mode & 0o777 == 0o600


def test_tail_and_wait_until(tmp_path):
    path = tmp_path / 'log'
    path.write_text(''.join('line %d\n' % i for i in range(100)))
    assert lp.tail(str(path), 2) == ['line 98', 'line 99']
    assert lp.tail(str(tmp_path / 'missing')) == []
    value, elapsed = lp.wait_until(lambda: False, 0.2, interval=0.05)
    assert not value and elapsed >= 0.2
    value, elapsed = lp.wait_until(lambda: False, 10, interval=0.05, alive=lambda: False)
    assert elapsed < 1


def test_service_status_asks_health_only_of_a_running_process():
    def must_not_be_asked():
        raise AssertionError('healthy() asked without a process')

    stopped = lp.service_status('hive_metastore', None, 'thrift://127.0.0.1:9083', must_not_be_asked)
    assert stopped == dict(name='hive_metastore', running=False, healthy=False, pid=None, rss_mib=None,
                           endpoint='thrift://127.0.0.1:9083', version=None)
    running = lp.service_status('polaris', os.getpid(), 'http://127.0.0.1:8181/api/catalog', lambda: True)
    assert running['running'] and running['healthy'] and running['rss_mib'] > 0
