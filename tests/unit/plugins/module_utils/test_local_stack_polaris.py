"""Units for the Polaris service's process identity and facts (the server itself cannot run on CI machines)."""
import os
import subprocess
import sys

from ansible_collections.dataplatform.lakehouse.plugins.module_utils import local_process as lp
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_polaris import PolarisService
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_postgresql import PostgresqlService


def make(tmp_path):
    return PolarisService(str(tmp_path), app_dir=None, java_home=None, postgresql=PostgresqlService(str(tmp_path)))


def test_not_running_without_pid_file(tmp_path):
    status = make(tmp_path).status()
    assert status['running'] is False and status['pid'] is None


def test_a_quarkus_process_elsewhere_is_not_ours(tmp_path):
    service = make(tmp_path)
    os.makedirs(service.work_dir)
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    # argv mentions quarkus-run.jar, like any Quarkus application, but it runs in another directory.
    proc = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)', 'quarkus-run.jar'], cwd=str(elsewhere))
    try:
        lp.wait_until(lambda: lp.process_cmdline(proc.pid), 5, interval=0.01)
        with open(service.pid_file, 'w') as handle:
            handle.write('%d\n' % proc.pid)
        assert service.status()['running'] is False
        assert service.stop() is False
        assert proc.poll() is None  # never signalled
    finally:
        proc.kill()
        proc.wait()


def test_our_process_is_recognised(tmp_path):
    service = make(tmp_path)
    os.makedirs(service.work_dir)
    proc = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)', 'quarkus-run.jar'],
                            cwd=service.work_dir)
    try:
        lp.wait_until(lambda: lp.process_cmdline(proc.pid), 5, interval=0.01)
        with open(service.pid_file, 'w') as handle:
            handle.write('%d\n' % proc.pid)
        assert service._pid() == proc.pid
    finally:
        proc.kill()
        proc.wait()


def test_facts_name_files_not_secrets(tmp_path):
    facts = make(tmp_path).facts()
    assert facts['catalog_uri'] == 'http://127.0.0.1:8181/api/catalog'
    assert facts['health_uri'] == 'http://127.0.0.1:8182/q/health/ready'
    assert facts['credentials_file'].endswith('credentials/polaris.json')
    assert not any('secret' in key for key in facts)
