# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Process plumbing for the embedded local stack.

Everything here works on PIDs that the local stack itself recorded in pid files under its state
directory: a PID is only signalled after /proc confirms it still runs the expected executable, so a
stale pid file (the PID reused by an unrelated process) never leads to killing someone else's process.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os
import signal
import socket
import subprocess
import time

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError


class StackError(LakehouseError):
    """A service of the local stack failed (what went wrong and what to do), with the service and its log tail."""

    limit = None   # the messages name ports, PIDs and paths; never cut them

    def __init__(self, message, service=None, log_tail=None):
        super(StackError, self).__init__(message)
        self.service = service
        self.log_tail = log_tail or []


def read_pid(pid_file):
    """Return the PID recorded in pid_file, or None when the file is missing or unreadable."""
    try:
        with open(pid_file) as handle:
            text = handle.read().strip()
    except (IOError, OSError):
        return None
    try:
        pid = int(text.split()[0])
    except (ValueError, IndexError):
        return None
    return pid if pid > 0 else None


def process_cmdline(pid):
    """The argv of a running process as a list, or None when it does not exist (or is a zombie)."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            raw = handle.read()
        with open('/proc/%d/stat' % pid) as handle:
            stat = handle.read()
    except (IOError, OSError):
        return None
    # A zombie (state Z) has exited already: treat it as gone.
    if stat.rsplit(')', 1)[-1].split()[0] == 'Z':
        return None
    return [part.decode('utf-8', 'replace') for part in raw.split(b'\0') if part]


def pid_matches(pid, expected):
    """True when pid is alive and its argv mentions `expected` (an executable or jar name)."""
    if not pid:
        return False
    argv = process_cmdline(pid)
    if not argv:
        return False
    return any(expected in part for part in argv)


def live_pid(pid_file, expected):
    """The PID from pid_file if that process is alive and is what we expect, else None."""
    pid = read_pid(pid_file)
    return pid if pid_matches(pid, expected) else None


def live_pid_in(pid_file, expected, work_dir):
    """live_pid, and only if the process runs in work_dir (its cwd): a reused PID, or the same program started by
    someone else elsewhere, is never taken for ours."""
    pid = live_pid(pid_file, expected)
    if pid is None:
        return None
    try:
        cwd = os.readlink('/proc/%s/cwd' % pid)
    except OSError:
        return None
    return pid if os.path.abspath(cwd) == os.path.abspath(work_dir) else None


def remove_stale_pid_file(pid_file, expected):
    """Delete a pid file whose process is gone or is not ours. Returns True if one was removed."""
    if os.path.exists(pid_file) and live_pid(pid_file, expected) is None:
        try:
            os.unlink(pid_file)
        except OSError:
            return False
        return True
    return False


def rss_mib(pid):
    """Resident memory of a process in MiB (None if unknown)."""
    try:
        with open('/proc/%d/status' % pid) as handle:
            for line in handle:
                if line.startswith('VmRSS:'):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except (IOError, OSError, ValueError):
        return None
    return None


def service_status(name, pid, endpoint, healthy):
    """The status record of a service the stack started (Polaris, the Hive Metastore, the Spark Thrift Server):
    healthy() is asked only while its process runs."""
    return dict(name=name, running=pid is not None, healthy=bool(pid is not None and healthy()), pid=pid,
                rss_mib=rss_mib(pid) if pid else None, endpoint=endpoint, version=None)


def _listening_inodes(port):
    inodes = set()
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table) as handle:
                next(handle)
                for line in handle:
                    fields = line.split()
                    local, state, inode = fields[1], fields[3], fields[9]
                    if state == '0A' and int(local.rsplit(':', 1)[1], 16) == port:
                        inodes.add(inode)
        except (IOError, OSError, StopIteration):
            continue
    return inodes


def port_owner(port):
    """Describe who listens on a TCP port: 'PID 123 (nginx)', 'an unknown process', or None if free."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    targets = set('socket:[%s]' % inode for inode in inodes)
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        fd_dir = '/proc/%s/fd' % entry
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(os.path.join(fd_dir, fd)) in targets:
                    argv = process_cmdline(int(entry)) or ['?']
                    return 'PID %s (%s)' % (entry, os.path.basename(argv[0]))
            except OSError:
                continue
    return 'an unknown process'


def port_open(host, port, timeout=1.0):
    """True when something accepts TCP connections on host:port."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except (socket.error, OSError):
        return False
    sock.close()
    return True


def ensure_port_free(label, host, port, option, service=None):
    """Fail with an actionable message when another process already listens on the port.

    label names what cannot start in the message ('Ceph radosgw'); service is the StackError's service.
    """
    owner = port_owner(port)
    if owner is None and not port_open(host, port, timeout=0.3):
        return
    raise StackError(
        '%s cannot start: port %s on %s is already in use by %s; stop that process or set %s to a free port.'
        % (label, port, host, owner or 'another process', option), service=service or label)


def tail(path, lines=20):
    """The last `lines` lines of a text file (empty list if it does not exist)."""
    try:
        with open(path, 'rb') as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read().decode('utf-8', 'replace')
    except (IOError, OSError):
        return []
    return data.splitlines()[-lines:]


def wait_until(predicate, timeout, interval=0.25, alive=None):
    """Poll predicate() until it returns a truthy value or timeout seconds pass.

    alive, when given, is polled too: as soon as it returns False (the process died) we stop waiting.
    Returns (value, elapsed_seconds); value is the last predicate result (falsy on timeout/death).
    """
    start = time.monotonic()
    value = None
    while True:
        value = predicate()
        if value:
            break
        if alive is not None and not alive():
            break
        if time.monotonic() - start >= timeout:
            break
        time.sleep(interval)
    return value, time.monotonic() - start


def spawn(argv, log_file, pid_file=None, env=None, cwd=None, user=None):
    """Start a long-running process detached from Ansible (own session), output appended to log_file.

    Returns the Popen object. When pid_file is given the PID is written there. Returns only once
    /proc shows the child's command line (right after fork it reads empty, which would make an
    immediate live_pid() call report the process as gone).
    """
    log = open(log_file, 'ab')
    try:
        kwargs = dict(stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                      start_new_session=True, close_fds=True)
        if user is not None:
            kwargs['user'] = user
        proc = subprocess.Popen(argv, **kwargs)
    finally:
        log.close()
    if pid_file:
        with open(pid_file, 'w') as handle:
            handle.write('%d\n' % proc.pid)
    wait_until(lambda: proc.poll() is not None or process_cmdline(proc.pid), 2.0, interval=0.01)
    return proc


def run(argv, env=None, timeout=120, user=None, input_text=None, check=True, service=None, cwd=None):
    """Run a short command and return its stdout; raise StackError with its output if it fails."""
    kwargs = dict(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=timeout, cwd=cwd)
    if user is not None:
        kwargs['user'] = user
    if input_text is not None:
        kwargs['input'] = input_text.encode('utf-8')
    else:
        kwargs['stdin'] = subprocess.DEVNULL
    try:
        proc = subprocess.run(argv, check=False, **kwargs)
    except subprocess.TimeoutExpired:
        raise StackError('%s did not finish within %ss.' % (os.path.basename(argv[0]), timeout), service=service)
    except OSError as exc:
        raise StackError('cannot run %s: %s.' % (argv[0], exc.strerror), service=service)
    output = proc.stdout.decode('utf-8', 'replace')
    if check and proc.returncode != 0:
        lines = [line for line in output.splitlines() if line.strip()]
        last = lines[-1] if lines else 'no output'
        raise StackError('%s exited with status %d: %s' % (os.path.basename(argv[0]), proc.returncode, last),
                         service=service, log_tail=lines[-20:])
    return output


def stop_pid(pid, expected, term_timeout=30.0):
    """Stop one process we own: SIGTERM, wait up to term_timeout, then SIGKILL. True if it was running."""
    if not pid_matches(pid, expected):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError as exc:
        if exc.errno == errno.ESRCH:
            return False
        raise
    gone, dummy = wait_until(lambda: not pid_matches(pid, expected), term_timeout, interval=0.1)
    if not gone:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        wait_until(lambda: not pid_matches(pid, expected), 10, interval=0.1)
    return True


def stop_by_pid_file(pid, pid_file, expected, term_timeout=30.0):
    """Stop the service whose PID (or None) came from pid_file, then drop the file; True if it was running."""
    if not pid:
        remove_stale_pid_file(pid_file, expected)
        return False
    stop_pid(pid, expected, term_timeout=term_timeout)
    remove_stale_pid_file(pid_file, expected)
    return True


def await_start(label, ready, alive, timeout, interval, not_ready, log_file, log_lines, service):
    """Wait until ready() while alive(); else raise startup_failure (why, and the log's last error line)."""
    ok, dummy = wait_until(ready, timeout, interval=interval, alive=alive)
    if not ok:
        raise startup_failure(label, alive(), not_ready, log_file, log_lines, service)


def startup_failure(label, running, timeout_reason, log_file, log_lines, service):
    """The StackError of a service that did not come up: why, and its log's last error line (or last line)."""
    reason = timeout_reason if running else 'exited during start-up'
    lines = tail(log_file, log_lines)
    errors = [line for line in lines if 'ERROR' in line or 'Exception' in line]
    last = (errors or lines or ['no output'])[-1].strip()
    return StackError('%s %s (log %s): %s' % (label, reason, log_file, last), service=service, log_tail=lines)


def read_json_file(path):
    """The JSON document in path, or None when the file is missing, unreadable or not JSON (state files we wrote)."""
    try:
        with open(path, encoding='utf-8') as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return None


def write_private_file(path, text):
    """Write text to path readable only by its owner (0600), without a window where it is wider."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode('utf-8'))
    finally:
        os.close(fd)
