"""Make the checkout importable as ansible_collections.dataplatform.lakehouse for unit tests."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, '.collections')
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)


import subprocess  # noqa: E402  (after the sys.path set-up above)

import pytest  # noqa: E402


@pytest.fixture
def pid_file_process():
    """start(marker, cwd, pid_file) -> a sleeping process whose argv holds `marker`, running in `cwd`, its PID written
    to `pid_file` (as a service of the local stack would leave it); killed at the end of the test if still alive."""
    started = []

    def start(marker, cwd, pid_file):
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils import local_process
        proc = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)', marker], cwd=str(cwd))
        started.append(proc)
        local_process.wait_until(lambda: local_process.process_cmdline(proc.pid), 5, interval=0.01)
        with open(pid_file, 'w') as handle:
            handle.write('%d\n' % proc.pid)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
