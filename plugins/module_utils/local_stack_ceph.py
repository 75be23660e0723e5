# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real single-node Ceph cluster (one mon, one BlueStore OSD, radosgw) for the local stack.

Everything lives under <state_dir>/ceph (configuration, monitor store, OSD data, run dir with admin
sockets and pid files) and <state_dir>/logs/ceph-*.log; every daemon binds 127.0.0.1 only. There is
no ceph-mgr: nothing here calls a mgr-backed command (they hang without a mgr), and every CLI call
carries the private configuration (-c) and a timeout.

Daemons run in the foreground (-f) as children of a new session, so spawn() records their real PID
in our own pid files under <state_dir>/ceph/run; a PID is only trusted when /proc shows both the
expected executable and our private ceph.conf in its command line.

The S3 credentials are written to <state_dir>/credentials/s3.json (0600) and reused on later starts.

With rgw_sts, radosgw also answers STS AssumeRole (rgw_sts_key, rgw_s3_auth_use_sts) and an RGW role
(STS_ROLE) that the S3 user may assume is kept as declared; <state_dir>/credentials/sts.json names it
(endpoint_url, role_arn, region: no secret) for catalogs that vend credentials (docs/credential-vending.md).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import fcntl
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import struct
import uuid

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_process import (
    StackError,
    ensure_port_free,
    live_pid,
    pid_matches,
    port_open,
    read_json_file,
    remove_stale_pid_file,
    rss_mib,
    run,
    spawn,
    stop_pid,
    tail,
    wait_until,
    write_private_file,
)

SERVICE = 'ceph'

# Start order; stop() walks it backwards (a radosgw whose OSD is gone ignores TERM and crashes later).
DAEMONS = ('mon', 'osd', 'rgw')
EXECUTABLES = {'mon': 'ceph-mon', 'osd': 'ceph-osd', 'rgw': 'radosgw'}
TOOLS = ('ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'monmaptool')
PORT_OPTIONS = {'mon': 'local_stack_ceph_mon_port', 'rgw': 'local_stack_rgw_port'}
MON_ID = 'a'
RGW_NAME = 'client.rgw.a'
PACKAGES_HINT = 'apt-get install ceph-mon ceph-osd radosgw ceph-common uuid-runtime'

# Timeouts (seconds) for short CLI calls; the ceph CLI also gets --connect-timeout so that it never
# waits forever for a monitor that is down.
CLI_TIMEOUT = 60
MKFS_TIMEOUT = 180
CONNECT_TIMEOUT = 15
STOP_TIMEOUT = 30

# osd_memory_target: 896 MiB keeps the BlueStore caches small on a developer box.
OSD_MEMORY_TARGET = 939524096

# STS (rgw_sts): the role the S3 user may assume, and its permission policy. The effective rights of a session are
# this policy intersected with the session policy of the AssumeRole call (Polaris scopes it to a table's location).
STS_ROLE = 'lakehouse-catalog'
STS_ROLE_POLICY = 'lakehouse-s3'
STS_KEY_LENGTH = 16  # radosgw: "Invalid rgw sts key, please ensure its length is 16" otherwise

# sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
MAX_UNIX_SOCKET_PATH = 107


def render_ceph_conf(fsid, ceph_dir, log_dir, host, mon_port, rgw_port, osd_size_gib, sts_key=None):
    """The private ceph.conf: one mon, one OSD, one radosgw, everything on `host` and under ceph_dir.

    sts_key: radosgw answers STS AssumeRole and accepts the temporary credentials it issues (the key encrypts
    the session tokens; exactly 16 characters)."""
    sts = [('rgw_sts_key', sts_key), ('rgw_s3_auth_use_sts', 'true')] if sts_key else []
    sections = [
        ('global', [
            ('fsid', fsid),
            ('mon_host', 'v2:%s:%d' % (host, mon_port)),
            ('public_addr', host),
            # Without cluster_addr the OSD binds its cluster/heartbeat sockets to 0.0.0.0.
            ('cluster_addr', host),
            ('ms_bind_ipv4', 'true'),
            ('ms_bind_ipv6', 'false'),
            # Only messenger v2: one listening socket less per daemon, every client here speaks v2.
            ('ms_bind_msgr1', 'false'),
            ('auth_cluster_required', 'none'),
            ('auth_service_required', 'none'),
            ('auth_client_required', 'none'),
            # With auth "none", radosgw otherwise dies with "failed to fetch mon config".
            ('ms_mon_client_mode', 'crc secure'),
            # Keep every runtime file away from /var/run/ceph, /var/lib/ceph and /etc/ceph.
            ('run_dir', os.path.join(ceph_dir, 'run')),
            ('crash_dir', os.path.join(ceph_dir, 'crash')),
            ('keyring', os.path.join(ceph_dir, 'keyring', '$cluster.$name.keyring')),
            ('mon_cluster_log_file', os.path.join(log_dir, 'ceph-cluster.log')),
            # Single replica, few placement groups, no pg autoscaler (that lives in the mgr).
            ('osd_pool_default_size', '1'),
            ('osd_pool_default_min_size', '1'),
            ('mon_allow_pool_size_one', 'true'),
            ('mon_warn_on_pool_no_redundancy', 'false'),
            ('osd_pool_default_pg_num', '8'),
            ('osd_pool_default_pgp_num', '8'),
            ('osd_pool_default_pg_autoscale_mode', 'off'),
            ('mon_max_pg_per_osd', '1000'),
            ('osd_crush_chooseleaf_type', '0'),
            # Do not let the monitor shut itself down on a nearly full developer disk.
            ('mon_data_avail_warn', '1'),
            ('mon_data_avail_crit', '1'),
            ('mon_warn_on_insecure_global_id_reclaim_allowed', 'false'),
            # RocksDB (mon store, BlueFS) otherwise dumps ~1000 lines of statistics per start.
            ('debug_rocksdb', '1/5'),
        ]),
        ('mon', [
            ('mon_data', os.path.join(ceph_dir, 'mon', '$cluster-$id')),
            ('admin_socket', '$run_dir/$cluster-$name.asok'),
            ('pid_file', '$run_dir/$cluster-$name.pid'),
            ('log_file', os.path.join(log_dir, 'ceph-mon.log')),
        ]),
        ('osd', [
            ('osd_data', os.path.join(ceph_dir, 'osd', '$cluster-$id')),
            ('osd_objectstore', 'bluestore'),
            # BlueStore creates $osd_data/block as a sparse file of this size: only what is written
            # uses disk, and unlike memstore the data survives a clean stop and a kill -9.
            ('bluestore_block_size', str(int(osd_size_gib) * 1024 ** 3)),
            ('osd_memory_target', str(OSD_MEMORY_TARGET)),
            # A clean stop unmounts BlueStore (RocksDB flushes its memtables), so the next start does not
            # replay the whole write-ahead log: OSD boot CPU measured 2.5-3.2 s -> 1.0-1.7 s, stop +0.5 s.
            ('osd_fast_shutdown', 'false'),
            ('admin_socket', '$run_dir/$cluster-$name.asok'),
            ('pid_file', '$run_dir/$cluster-$name.pid'),
            ('log_file', os.path.join(log_dir, 'ceph-osd.log')),
        ]),
        (RGW_NAME, [
            # endpoint= (not port=, which binds 0.0.0.0); tcp_nodelay=1 avoids ~40 ms Nagle/delayed-ACK
            # stalls on every small GET and LIST.
            ('rgw_frontends', 'beast endpoint=%s:%d tcp_nodelay=1' % (host, rgw_port)),
            ('rgw_data', os.path.join(ceph_dir, 'rgw', '$cluster-$id')),
            # Deleted object tails wait for RGW's garbage collector (2 h by default) and keep their space; on a
            # small OSD a few benchmark runs then reach backfillfull and writes stall. Collect after 5 minutes.
            ('rgw_gc_obj_min_wait', '300'),
            ('rgw_gc_processor_period', '300'),
        ] + sts + [
            ('admin_socket', '$run_dir/$cluster-$name.asok'),
            ('pid_file', '$run_dir/$cluster-$name.pid'),
            ('log_file', os.path.join(log_dir, 'ceph-rgw.log')),
        ]),
    ]
    lines = ['# Managed by dataplatform.lakehouse (local stack); rewritten on start.']
    for name, options in sections:
        lines.append('')
        lines.append('[%s]' % name)
        lines.extend('%s = %s' % (key, value) for key, value in options)
    return '\n'.join(lines) + '\n'


def parse_version(text):
    """'ceph version 16.2.15 (618f...) pacific (stable)' -> '16.2.15' (None if not recognised)."""
    match = re.search(r'ceph version (\S+)', text or '')
    return match.group(1) if match else None


def json_from_output(text):
    """The JSON object in a CLI's output, or None. run() merges stderr into stdout, so warning lines
    may surround the document: decode from the first line that starts with '{'."""
    decoder = json.JSONDecoder()
    offset = 0
    for line in (text or '').splitlines(True):
        if line.lstrip().startswith('{'):
            try:
                value = decoder.raw_decode(text, offset + len(line) - len(line.lstrip()))[0]
            except ValueError:
                value = None
            if isinstance(value, dict):
                return value
        offset += len(line)
    return None


def osd_up_since(dump_text, osd_id, min_epoch=0):
    """True when `ceph osd dump -f json` shows osd_id up, marked so at an epoch after min_epoch.

    After a kill -9 the osdmap still says "up" for the dead OSD until its replacement boots, so the
    caller passes the epoch seen before starting the new process and waits for a newer up_from.
    """
    dump = json_from_output(dump_text) or {}
    for osd in dump.get('osds', []):
        if osd.get('osd') == osd_id:
            return bool(osd.get('up')) and int(osd.get('up_from') or 0) > min_epoch
    return False


def osdmap_epoch(dump_text):
    """The epoch of a `ceph osd dump -f json` output (0 if unknown)."""
    try:
        return int((json_from_output(dump_text) or {}).get('epoch') or 0)
    except (ValueError, TypeError):
        return 0


def parse_osd_id(text):
    """The OSD id printed by `ceph osd new` (the last line that is a bare integer), or None."""
    ids = [line.strip() for line in (text or '').splitlines() if line.strip().isdigit()]
    return int(ids[-1]) if ids else None


def _recv_exact(sock, size):
    data = b''
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ValueError('admin socket closed the connection')
        data += chunk
    return data


def admin_socket_command(path, prefix, timeout=2.0):
    """One command on a Ceph daemon's admin socket, without the ceph CLI; the JSON reply or None.

    Protocol: the JSON command terminated by NUL, answered by a 4-byte big-endian length and the output.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
        sock.sendall(json.dumps({'prefix': prefix}).encode('utf-8') + b'\0')
        length = struct.unpack('>I', _recv_exact(sock, 4))[0]
        body = _recv_exact(sock, length)
    except (OSError, ValueError, struct.error):
        return None
    finally:
        sock.close()
    return json_from_output(body.decode('utf-8', 'replace'))


def daemons_to_start(running):
    """The daemons that are not running, in start order. `running` maps daemon -> bool."""
    return [daemon for daemon in DAEMONS if not running.get(daemon)]


def daemons_to_stop(running):
    """The running daemons, in stop order (radosgw first, the monitor last)."""
    return [daemon for daemon in reversed(DAEMONS) if running.get(daemon)]


def new_credentials(endpoint_url, region):
    """Fresh S3 keys in the AWS shapes (20-character access key id, 40-character secret)."""
    return {
        'endpoint_url': endpoint_url,
        'access_key': secrets.token_hex(10).upper(),
        'secret_key': secrets.token_urlsafe(30),
        'region': region,
    }


def valid_credentials(data):
    """True when data looks like the s3.json we write (non-empty string keys)."""
    return (isinstance(data, dict)
            and all(isinstance(data.get(key), str) and data.get(key) for key in ('access_key', 'secret_key')))


def new_sts_key():
    """A fresh rgw_sts_key: 16 characters from [A-Za-z0-9]."""
    alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
    return ''.join(secrets.choice(alphabet) for _dummy in range(STS_KEY_LENGTH))


def sts_trust_policy(s3_user):
    """The role's trust policy: the stack's S3 user (the one Polaris runs with) may assume it."""
    return {'Version': '2012-10-17', 'Statement': [{
        'Effect': 'Allow', 'Principal': {'AWS': ['arn:aws:iam:::user/%s' % s3_user]}, 'Action': ['sts:AssumeRole']}]}


def sts_permission_policy():
    """The role's permission policy: every S3 action on every bucket (sessions are narrowed by their own policy)."""
    return {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': ['s3:*'],
                                                    'Resource': ['arn:aws:s3:::*']}]}


def compact_json(document):
    """JSON without spaces: radosgw 16.2 does not decode '+' in form bodies, so a policy with spaces sent by a
    client that form-encodes spaces as '+' (botocore) is refused as malformed; compact JSON has nothing to encode."""
    return json.dumps(document, separators=(',', ':'), sort_keys=True)


def role_documents(role_text, policy_text):
    """(trust policy, permission policy) as dicts from `radosgw-admin role get` / `role-policy get` (None: absent)."""
    def parsed(text, key):
        data = json_from_output(text) or {}
        try:
            return json.loads(data[key]) if isinstance(data.get(key), str) else None
        except ValueError:
            return None
    return parsed(role_text, 'AssumeRolePolicyDocument'), parsed(policy_text, 'Permission policy')


def user_has_key(user_info_text, access_key, secret_key):
    """True when `radosgw-admin user info` output lists exactly this key pair."""
    info = json_from_output(user_info_text) or {}
    return any(key.get('access_key') == access_key and key.get('secret_key') == secret_key
               for key in info.get('keys', []))


# Known lines in a daemon log and the one-line fix to report for them (first match wins).
_LOG_HINTS = (
    ('Address already in use', 'its port is already in use; stop the other process or choose another port'),
    ('No space left on device', 'the disk holding the state directory is full; free space and start again'),
    ('failed to fetch mon config', 'it cannot reach the monitor; check that ceph-mon runs (ceph-mon.log)'),
    ('error opening mon data directory', 'the monitor store is missing or damaged; remove the ceph state '
                                         'directory to recreate the cluster (this deletes the S3 data)'),
    ('unable to mount object store', 'the OSD store cannot be opened; check ceph-osd.log (disk space, '
                                     'damaged block file)'),
)

_DEFAULT_HINTS = {
    'mon': 'check the monitor log',
    'osd': 'check the OSD log (free disk space for its sparse block file)',
    'rgw': 'check the radosgw log; the OSD must be up',
}


def describe_daemon_failure(daemon, log_file, log_lines, exit_code=None, timeout=None):
    """One-line message for a daemon that died or did not become ready, with the likeliest fix."""
    hint = _DEFAULT_HINTS[daemon]
    for line in reversed(log_lines or []):
        found = [fix for needle, fix in _LOG_HINTS if needle in line]
        if found:
            hint = found[0]
            break
    if exit_code is not None:
        what = 'exited with status %s during startup' % exit_code
    else:
        what = 'did not become ready within %ss' % timeout
    return 'ceph: %s %s: %s (log: %s).' % (EXECUTABLES[daemon], what, hint, log_file)


class S3ClientMissing(str):
    """The reason of a failed S3 check when the check itself cannot run (no boto3): not worth waiting for."""


class CephService(object):
    """Lifecycle of the local Ceph cluster: status(), start(), stop(), facts(), versions()."""

    name = SERVICE

    def __init__(self, state_dir, host='127.0.0.1', rgw_port=7480, mon_port=3300, region='us-east-1',
                 s3_user='lakehouse', osd_size_gib=20, start_timeout=180, log_lines=20, rgw_sts=False):
        self.state_dir = os.path.abspath(state_dir)
        self.host = host
        self.rgw_port = int(rgw_port)
        self.mon_port = int(mon_port)
        self.region = region
        self.s3_user = s3_user
        self.osd_size_gib = int(osd_size_gib)
        self.start_timeout = start_timeout
        self.log_lines = log_lines
        self.rgw_sts = bool(rgw_sts)

        self.ceph_dir = os.path.join(self.state_dir, 'ceph')
        self.log_dir = os.path.join(self.state_dir, 'logs')
        self.run_dir = os.path.join(self.ceph_dir, 'run')
        self.conf_path = os.path.join(self.ceph_dir, 'ceph.conf')
        self.cluster_file = os.path.join(self.ceph_dir, 'cluster.json')
        self.lock_file = os.path.join(self.ceph_dir, '.lock')
        self.mon_data = os.path.join(self.ceph_dir, 'mon', 'ceph-%s' % MON_ID)
        self.credentials_dir = os.path.join(self.state_dir, 'credentials')
        self.credentials_file = os.path.join(self.credentials_dir, 's3.json')
        self.sts_file = os.path.join(self.credentials_dir, 'sts.json')
        self.endpoint = 'http://%s:%d' % (host, self.rgw_port)
        self._procs = {}
        self._version = None

    # ----------------------------------------------------------------------------------- paths

    def pid_file(self, daemon):
        """Our pid file for a daemon (Ceph's own $cluster-$name.pid files next to it are not used)."""
        return os.path.join(self.run_dir, '%s.pid' % EXECUTABLES[daemon])

    def log_file(self, daemon):
        """The daemon's log: Ceph's log_file and the process's stdout/stderr share it."""
        return os.path.join(self.log_dir, 'ceph-%s.log' % daemon)

    def osd_data(self, osd_id):
        """The OSD's data directory (BlueStore metadata files and the sparse `block` file)."""
        return os.path.join(self.ceph_dir, 'osd', 'ceph-%s' % osd_id)

    @property
    def mon_addr(self):
        """The monitor address as monmaptool and the monmap spell it (messenger v2 only)."""
        return '[v2:%s:%d]' % (self.host, self.mon_port)

    # ------------------------------------------------------------------------------ public API

    def status(self):
        """Daemons, PIDs and RSS; running = all three daemons alive, healthy = a signed S3 request works."""
        daemons = {}
        for daemon in DAEMONS:
            pid = self.daemon_pid(daemon)
            daemons[daemon] = {'pid': pid, 'running': pid is not None, 'rss_mib': rss_mib(pid) if pid else None}
        running = all(info['running'] for info in daemons.values())
        try:
            version = self.versions()['ceph']
        except StackError:
            version = None
        return {
            'name': self.name,
            'running': running,
            'healthy': running and self._s3_check()[0],
            'daemons': daemons,
            'endpoint': self.endpoint,
            'version': version,
        }

    def start(self):
        """Create the cluster on first use, start what is not running (mon, osd, rgw). Returns changed."""
        # Fast path (no subprocess): every daemon alive, configuration unchanged, S3 answers.
        if self._conf_current() and self._sts_current() and all(self.daemon_pid(d) for d in DAEMONS) \
                and self._s3_check()[0]:
            return False
        self._check_tools()
        self._make_dirs()
        with self._locked():
            return self._start_locked()

    def stop(self):
        """Stop radosgw, then the OSD, then the monitor (TERM, KILL after 30 s). Returns changed."""
        if not os.path.isdir(self.ceph_dir):
            return False
        with self._locked():
            return self._stop_locked()

    def facts(self):
        """Where clients find S3 (no secrets: those are in credentials_file), and the STS role when rgw_sts."""
        sts = {'sts_role_arn': self.sts_role_arn, 'sts_file': self.sts_file} if self.rgw_sts else {}
        return dict(sts, **{
            'endpoint_url': self.endpoint,
            'region': self.region,
            'credentials_file': self.credentials_file,
            'host': self.host,
            'port': self.rgw_port,
            'state_dir': self.state_dir,
        })

    @property
    def sts_role_arn(self):
        return 'arn:aws:iam:::role/%s' % STS_ROLE

    def versions(self):
        """{'ceph': '16.2.15'}, from `radosgw --version` (a C++ binary: ~60 ms, the ceph CLI is slower)."""
        if self._version is None:
            argv = ['radosgw']
            if os.path.exists(self.conf_path):
                argv += ['-c', self.conf_path]
            output = run(argv + ['--version'], timeout=CLI_TIMEOUT, service=SERVICE)
            self._version = parse_version(output)
            if self._version is None:
                raise StackError('ceph: cannot parse the output of radosgw --version: %s' % output.strip(),
                                 service=SERVICE)
        return {'ceph': self._version}

    # -------------------------------------------------------------------------- pid handling

    def daemon_pid(self, daemon):
        """PID of our daemon if it runs: from our pid file, argv showing the executable and our conf."""
        pid = live_pid(self.pid_file(daemon), self.conf_path)
        return pid if pid is not None and pid_matches(pid, EXECUTABLES[daemon]) else None

    def _forget_pid_file(self, daemon):
        """Remove a pid file that does not point at our live daemon (garbage, dead or reused PID)."""
        pid_file = self.pid_file(daemon)
        if remove_stale_pid_file(pid_file, self.conf_path):
            return
        # The PID runs with our conf but is another program (a ceph CLI call that reused the PID).
        if os.path.exists(pid_file) and self.daemon_pid(daemon) is None:
            try:
                os.unlink(pid_file)
            except OSError:
                pass

    def _running(self):
        return dict((daemon, self.daemon_pid(daemon) is not None) for daemon in DAEMONS)

    # ------------------------------------------------------------------------------- start

    def _start_locked(self):
        changed = False
        cluster = self._load_cluster()
        if cluster is None:
            if os.path.exists(self.mon_data):
                raise StackError('ceph: %s is missing but a monitor store exists in %s; remove %s to recreate '
                                 'the cluster (this deletes the S3 data).'
                                 % (self.cluster_file, self.mon_data, self.ceph_dir), service=SERVICE)
            cluster = {'fsid': str(uuid.uuid4()), 'mon_addr': self.mon_addr, 'osd_size_gib': self.osd_size_gib,
                       'osd_id': None, 'osd_uuid': None}
            self._save_cluster(cluster)
            changed = True
        if self.rgw_sts and not cluster.get('sts_key'):
            cluster['sts_key'] = new_sts_key()  # kept: a new key would invalidate the session tokens issued
            self._save_cluster(cluster)

        conf = self._render_conf(cluster)
        if self._read(self.conf_path) != conf:
            # A changed port needs every daemon to re-read the file: restart what runs.
            if self._stop_locked():
                changed = True
            write_private_file(self.conf_path, conf)
            changed = True

        if not self._marker_exists(self.mon_data):
            self._mkfs_mon(cluster)
            changed = True
        elif cluster.get('mon_addr') != self.mon_addr and self.daemon_pid('mon') is None:
            self._move_mon(cluster)
            changed = True

        pending = daemons_to_start(self._running())
        # Fail before starting anything when a port we need is taken (not after the slow OSD boot).
        for daemon in pending:
            self._check_port(daemon)
        for daemon in pending:
            if daemon == 'osd' and not self._osd_created(cluster):
                self._create_osd(cluster)
            self._start_daemon(daemon, cluster)
            changed = True

        if self._ensure_credentials():
            changed = True
        if self._ensure_sts():
            changed = True
        return changed

    def _check_port(self, daemon):
        """Raise a one-line StackError naming the port and its owner when a daemon's port is taken."""
        if daemon not in PORT_OPTIONS:
            return  # the OSD picks free ports in 6800-7300 by itself
        port = self.mon_port if daemon == 'mon' else self.rgw_port
        ensure_port_free('ceph %s' % EXECUTABLES[daemon], self.host, port, PORT_OPTIONS[daemon], service=SERVICE)

    def _start_daemon(self, daemon, cluster):
        self._forget_pid_file(daemon)
        self._check_port(daemon)
        argv = [EXECUTABLES[daemon], '-f', '-c', self.conf_path]
        if daemon == 'mon':
            argv += ['-i', MON_ID]

            def ready():
                return port_open(self.host, self.mon_port, timeout=0.5)
        elif daemon == 'osd':
            argv += ['-i', str(cluster['osd_id'])]
            ready = self._osd_ready_check(cluster['osd_id'])
        else:
            argv += ['-n', RGW_NAME]
            ready = self._http_answers

        log_file = self.log_file(daemon)
        proc = spawn(argv, log_file, pid_file=self.pid_file(daemon))
        self._procs[daemon] = proc
        ok, dummy = wait_until(ready, self.start_timeout, interval=0.25 if daemon != 'osd' else 0.5,
                               alive=lambda: proc.poll() is None)
        if ok:
            return
        exit_code = proc.poll()
        if exit_code is None:
            # Hung rather than dead: do not leave a half-started daemon behind.
            stop_pid(proc.pid, self.conf_path, term_timeout=STOP_TIMEOUT)
            proc.poll()
        self._forget_pid_file(daemon)
        lines = tail(log_file, self.log_lines)
        raise StackError(describe_daemon_failure(daemon, log_file, lines, exit_code=exit_code,
                                                 timeout=self.start_timeout),
                         service=SERVICE, log_tail=lines)

    def _osd_ready_check(self, osd_id):
        """A predicate that turns true once the (re)started OSD is up in the osdmap.

        Polling the ceph CLI (a Python program) every half second costs ~0.2 s of CPU per call, which on
        a 2-core box slows the OSD boot it waits for; the admin socket answers without a subprocess. The
        OSD reports state "active" only after the monitor marked this very instance up, then one
        `osd dump` confirms it from the monitor's side.
        """
        asok = os.path.join(self.run_dir, 'ceph-osd.%s.asok' % osd_id)
        if len(asok) <= MAX_UNIX_SOCKET_PATH:
            def ready():
                status = admin_socket_command(asok, 'status')
                if not status or status.get('state') != 'active':
                    return False
                return osd_up_since(self._ceph(['osd', 'dump', '-f', 'json'], check=False), osd_id)
            return ready

        # No admin socket with such a long state dir: ask the monitor. After a kill -9 the osdmap still
        # shows the dead instance up, so wait for an up_from newer than the epoch seen before the start.
        before = osdmap_epoch(self._ceph(['osd', 'dump', '-f', 'json']))

        def ready_from_monitor():
            return osd_up_since(self._ceph(['osd', 'dump', '-f', 'json'], check=False), osd_id, before)
        return ready_from_monitor

    def _http_answers(self):
        """True when radosgw answers HTTP at all (any status: anonymous requests get 200 or 403)."""
        conn = http.client.HTTPConnection(self.host, self.rgw_port, timeout=2)
        try:
            conn.request('GET', '/')
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()
        return True

    # -------------------------------------------------------------------------- bootstrap

    def _mkfs_mon(self, cluster):
        monmap = os.path.join(self.run_dir, 'monmap')
        self._setup_step('mon', ['monmaptool', '--create', '--clobber', '--fsid', cluster['fsid'],
                                 '--addv', MON_ID, self.mon_addr, monmap])
        # A previous attempt may have left a half-written store behind.
        shutil.rmtree(self.mon_data, ignore_errors=True)
        os.makedirs(self.mon_data, 0o700)
        self._setup_step('mon', ['ceph-mon', '-c', self.conf_path, '--mkfs', '-i', MON_ID, '--monmap', monmap])
        self._set_marker(self.mon_data)
        os.unlink(monmap)

    def _move_mon(self, cluster):
        """Rewrite the monitor address in the stopped monitor's map after mon_port (or host) changed."""
        monmap = os.path.join(self.run_dir, 'monmap')
        base = ['ceph-mon', '-c', self.conf_path, '-i', MON_ID]
        self._setup_step('mon', base + ['--extract-monmap', monmap])
        self._setup_step('mon', ['monmaptool', '--rm', MON_ID, monmap])
        self._setup_step('mon', ['monmaptool', '--addv', MON_ID, self.mon_addr, monmap])
        self._setup_step('mon', base + ['--inject-monmap', monmap])
        os.unlink(monmap)
        cluster['mon_addr'] = self.mon_addr
        self._save_cluster(cluster)

    def _osd_created(self, cluster):
        return cluster.get('osd_id') is not None and self._marker_exists(self.osd_data(cluster['osd_id']))

    def _create_osd(self, cluster):
        """Register the OSD with the (running) monitor and build its BlueStore. Safe to repeat."""
        if not cluster.get('osd_uuid'):
            cluster['osd_uuid'] = str(uuid.uuid4())
            self._save_cluster(cluster)
        # `osd new` with the same uuid returns the same id, so a retry after a failure is harmless.
        output = self._ceph(['osd', 'new', cluster['osd_uuid']])
        cluster['osd_id'] = parse_osd_id(output)
        if cluster['osd_id'] is None:
            raise StackError('ceph: unexpected output from "ceph osd new": %s; check %s.'
                             % (' '.join(output.split())[:200], self.log_file('mon')), service=SERVICE)
        self._save_cluster(cluster)
        data = self.osd_data(cluster['osd_id'])
        shutil.rmtree(data, ignore_errors=True)
        os.makedirs(data, 0o700)
        self._setup_step('osd', ['ceph-osd', '-c', self.conf_path, '-i', str(cluster['osd_id']), '--mkfs',
                                 '--osd-uuid', cluster['osd_uuid']], timeout=MKFS_TIMEOUT)
        self._set_marker(data)

    def _setup_step(self, daemon, argv, timeout=MKFS_TIMEOUT):
        try:
            return run(argv, timeout=timeout, service=SERVICE)
        except StackError as exc:
            raise StackError('ceph: setting up %s failed, %s (state: %s; remove it to start from scratch).'
                             % (EXECUTABLES[daemon], exc.message.rstrip('.'), self.ceph_dir),
                             service=SERVICE, log_tail=exc.log_tail) from exc

    # ------------------------------------------------------------------------ credentials

    def _ensure_credentials(self):
        """Make s3.json and the radosgw user agree; returns True when anything had to change."""
        creds = self._read_credentials()
        if creds is None:
            current = new_credentials(self.endpoint, self.region)
        else:
            # Keys are kept; the endpoint and region follow the current options.
            current = dict(creds, endpoint_url=self.endpoint, region=self.region)
        ok, why = self._s3_check(current)
        if isinstance(why, S3ClientMissing):
            raise StackError('ceph: cannot verify the S3 endpoint: %s; install the collection requirements '
                             '(pip install -r requirements.txt).' % why, service=SERVICE)
        changed = False
        if not ok:
            self._ensure_user(current)
            changed = True
        if creds != current:
            self._write_credentials(current)
            changed = True
        if not ok:
            result = {'why': why}

            def answered():
                result['ok'], result['why'] = self._s3_check(current)
                return result['ok']

            if not wait_until(answered, 30, interval=0.5)[0]:
                raise StackError('ceph: radosgw runs but a signed request with the credentials in %s fails '
                                 '(%s); check %s.' % (self.credentials_file, result['why'], self.log_file('rgw')),
                                 service=SERVICE, log_tail=tail(self.log_file('rgw'), self.log_lines))
        return changed

    def _ensure_user(self, creds):
        base = ['radosgw-admin', '-c', self.conf_path]
        uid = '--uid=%s' % self.s3_user
        # The output holds secrets: it is parsed, never logged or put in an error message.
        info = run(base + ['user', 'info', uid], timeout=CLI_TIMEOUT, check=False, service=SERVICE)
        if user_has_key(info, creds['access_key'], creds['secret_key']):
            return
        exists = json_from_output(info) is not None
        keys = ['--access-key=%s' % creds['access_key'], '--secret-key=%s' % creds['secret_key']]
        if exists:
            argv = base + ['key', 'create', uid, '--key-type=s3'] + keys
        else:
            argv = base + ['user', 'create', uid, '--display-name=Lakehouse local stack'] + keys
        try:
            run(argv, timeout=CLI_TIMEOUT, service=SERVICE)
        except StackError as exc:
            raise StackError('ceph: creating the S3 user %s failed, %s; check %s.'
                             % (self.s3_user, exc.message.rstrip('.'), self.log_file('rgw')),
                             service=SERVICE) from exc

    def _ensure_sts(self):
        """With rgw_sts: the role exists with its trust and permission policies, sts.json names it. Without: no
        sts.json (the role, if any, stays: it is harmless while radosgw does not answer STS). Returns changed."""
        if not self.rgw_sts:
            if os.path.exists(self.sts_file):
                os.unlink(self.sts_file)
                return True
            return False
        base = ['radosgw-admin', '-c', self.conf_path]
        role = ['--role-name=%s' % STS_ROLE]
        trust, permissions = sts_trust_policy(self.s3_user), sts_permission_policy()
        current_trust, current_permissions = role_documents(
            run(base + ['role', 'get'] + role, timeout=CLI_TIMEOUT, check=False, service=SERVICE),
            run(base + ['role-policy', 'get', '--policy-name=%s' % STS_ROLE_POLICY] + role, timeout=CLI_TIMEOUT,
                check=False, service=SERVICE))
        steps = []
        if current_trust is None:
            steps.append(['role', 'create', '--assume-role-policy-doc=%s' % compact_json(trust)])
        elif current_trust != trust:
            steps.append(['role', 'modify', '--assume-role-policy-doc=%s' % compact_json(trust)])
        if current_permissions != permissions:
            steps.append(['role-policy', 'put', '--policy-name=%s' % STS_ROLE_POLICY,
                          '--policy-doc=%s' % compact_json(permissions)])
        for step in steps:
            try:
                run(base + step + role, timeout=CLI_TIMEOUT, service=SERVICE)
            except StackError as exc:
                raise StackError('ceph: "radosgw-admin %s %s" for the STS role failed, %s; check %s.'
                                 % (step[0], step[1], exc.message.rstrip('.'), self.log_file('rgw')),
                                 service=SERVICE) from exc
        wanted = self._sts_document()
        if read_json_file(self.sts_file) != wanted:
            os.makedirs(self.credentials_dir, 0o700, exist_ok=True)
            write_private_file(self.sts_file, json.dumps(wanted, indent=2) + '\n')
            steps.append('sts.json')
        return bool(steps)

    def _sts_document(self):
        return {'endpoint_url': self.endpoint, 'role_arn': self.sts_role_arn, 'region': self.region}

    def _sts_current(self):
        """sts.json says what rgw_sts says (present and current with it, absent without)."""
        if not self.rgw_sts:
            return not os.path.exists(self.sts_file)
        return read_json_file(self.sts_file) == self._sts_document()

    def _read_credentials(self):
        data = read_json_file(self.credentials_file)
        return data if valid_credentials(data) else None

    def _write_credentials(self, creds):
        os.makedirs(self.credentials_dir, 0o700, exist_ok=True)
        os.chmod(self.credentials_dir, 0o700)
        ordered = dict((key, creds[key]) for key in ('endpoint_url', 'access_key', 'secret_key', 'region'))
        write_private_file(self.credentials_file, json.dumps(ordered, indent=2) + '\n')

    def _s3_check(self, creds=None):
        """(True, None) when a SigV4, path-style ListBuckets with our keys succeeds, else (False, why).

        The S3 client layer (s3.py, boto3) is imported here, not at module level, so that this module
        imports and status()/stop() work without boto3; start() reports its absence (S3ClientMissing).
        """
        creds = creds or self._read_credentials()
        if not creds:
            return False, 'no credentials in %s' % self.credentials_file
        try:
            # pylint: disable-next=import-outside-toplevel
            from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
                BOTO3_IMPORT_ERROR,
                s3_client,
            )
            from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import describe_s3_error
        except ImportError as exc:
            return False, S3ClientMissing('cannot load the S3 client layer (%s)' % exc)
        if BOTO3_IMPORT_ERROR:
            return False, S3ClientMissing('boto3 is not installed')
        conn = {'endpoint_url': self.endpoint, 'access_key': creds['access_key'],
                'secret_key': creds['secret_key'], 'region': self.region, 'validate_certs': True,
                'connect_timeout': 2, 'read_timeout': 10}
        try:
            s3_client(conn, max_attempts=1).list_buckets()
        except Exception as exc:  # pylint: disable=broad-except
            return False, describe_s3_error(exc, self.endpoint, 'ListBuckets')
        return True, None

    # -------------------------------------------------------------------------------- stop

    def _stop_locked(self):
        changed = False
        for daemon in daemons_to_stop(self._running()):
            pid = self.daemon_pid(daemon)
            if pid is not None and stop_pid(pid, self.conf_path, term_timeout=STOP_TIMEOUT):
                changed = True
            proc = self._procs.pop(daemon, None)
            if proc is not None:
                proc.poll()  # reap our own child so it does not linger as a zombie
        for daemon in DAEMONS:
            self._forget_pid_file(daemon)
        return changed

    # ----------------------------------------------------------------------------- helpers

    def _ceph(self, args, check=True):
        """Run a monitor command (never a mgr-backed one: those hang without a mgr)."""
        argv = ['ceph', '-c', self.conf_path, '--connect-timeout', str(CONNECT_TIMEOUT)] + args
        try:
            return run(argv, timeout=CONNECT_TIMEOUT + CLI_TIMEOUT, check=check, service=SERVICE)
        except StackError as exc:
            raise StackError('ceph: "ceph %s" failed against the monitor at %s (%s); check %s.'
                             % (' '.join(args), self.mon_addr, exc.message.rstrip('.'), self.log_file('mon')),
                             service=SERVICE, log_tail=tail(self.log_file('mon'), self.log_lines)) from exc

    def _check_tools(self):
        missing = [tool for tool in TOOLS if shutil.which(tool) is None]
        if missing:
            raise StackError('ceph: %s not found on PATH; install the Ceph packages (%s).'
                             % (', '.join(missing), PACKAGES_HINT), service=SERVICE)

    def _make_dirs(self):
        os.makedirs(self.state_dir, 0o755, exist_ok=True)
        for path in (self.ceph_dir, self.run_dir, os.path.join(self.ceph_dir, 'crash'),
                     os.path.join(self.ceph_dir, 'rgw'), os.path.dirname(self.mon_data),
                     os.path.join(self.ceph_dir, 'osd')):
            os.makedirs(path, 0o700, exist_ok=True)
        os.makedirs(self.log_dir, 0o755, exist_ok=True)

    @contextlib.contextmanager
    def _locked(self):
        """Serialise start/stop between concurrent playbook runs on the same state dir."""
        handle = open(self.lock_file, 'a', encoding='utf-8')
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            handle.close()

    def _render_conf(self, cluster):
        # The OSD size only matters when its store is created: keep the size it was created with.
        return render_ceph_conf(cluster['fsid'], self.ceph_dir, self.log_dir, self.host, self.mon_port,
                                self.rgw_port, cluster.get('osd_size_gib') or self.osd_size_gib,
                                sts_key=cluster.get('sts_key') if self.rgw_sts else None)

    def _conf_current(self):
        cluster = self._load_cluster()
        if cluster is None or (self.rgw_sts and not cluster.get('sts_key')):
            return False
        return self._read(self.conf_path) == self._render_conf(cluster)

    def _load_cluster(self):
        data = read_json_file(self.cluster_file)
        return data if isinstance(data, dict) and data.get('fsid') else None

    def _save_cluster(self, cluster):
        write_private_file(self.cluster_file, json.dumps(cluster, indent=2, sort_keys=True) + '\n')

    @staticmethod
    def _read(path):
        try:
            with open(path, encoding='utf-8') as handle:
                return handle.read()
        except (IOError, OSError) as exc:
            if exc.errno == errno.ENOENT:
                return None
            raise

    @staticmethod
    def _marker_exists(data_dir):
        return os.path.exists(os.path.join(data_dir, '.lakehouse-mkfs-done'))

    @staticmethod
    def _set_marker(data_dir):
        with open(os.path.join(data_dir, '.lakehouse-mkfs-done'), 'w', encoding='utf-8') as handle:
            handle.write('ok\n')
