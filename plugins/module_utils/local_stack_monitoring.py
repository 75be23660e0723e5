# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The opt-in `monitoring` service of the local stack: Prometheus, Alertmanager, the blackbox exporter (probes the
S3 endpoint: radosgw has no metrics endpoint of its own), prometheus-postgres-exporter (the catalog database),
prometheus-node-exporter (disk, and the textfile collector the backups write to) and ceph-mgr with its prometheus
module (cluster, OSD and RGW counters). Debian packages; every process binds 127.0.0.1 only.

Logs: VictoriaLogs (the aggregator, built from Go modules by the local_stack role) and rsyslog (Debian; its imfile
input tails every component's log file and omfwd forwards each line, RFC 5424 over TCP, to VictoriaLogs' syslog
listener, with the component as APP-NAME). Both are part of this service unless logs=False.

The configuration (prometheus.yml, the rules file, alertmanager.yml, blackbox.yml) is rendered by the
dataplatform.lakehouse monitoring role into <state_dir>/monitoring/config; this service only runs it. A changed
configuration file restarts the component that reads it.

Every exporter, Prometheus/Alertmanager and VictoriaLogs runs with its working directory <state_dir>/monitoring: a PID
is ours only when it runs the expected program AND has that cwd. ceph-mgr is ours when its argv names the stack's
ceph.conf (as the other Ceph daemons), rsyslogd when its argv names our rsyslog.conf. Secrets: the exporter's
connection string is passed in its environment, never argv.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re
import shutil

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import quote
from ansible.module_utils.urls import ConnectionError as UrlConnectionError, open_url

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_process import (
    StackError, ensure_port_free, process_cmdline, read_json_file, read_pid, rss_mib, run, spawn, stop_pid, tail,
    wait_until, write_private_file,
)

SERVICE = 'monitoring'
DEFAULT_PORTS = dict(prometheus=19090, alertmanager=19093, blackbox_exporter=19115, postgres_exporter=19187,
                     node_exporter=19100, ceph_mgr=19283, victoria_logs=19428, victoria_logs_syslog=19514)
# Start order (stop walks it backwards): the log aggregator and its shipper first (they see the others start), what
# is scraped next, Prometheus last.
LOG_COMPONENTS = ('victoria-logs', 'rsyslog')
COMPONENTS = LOG_COMPONENTS + ('ceph-mgr', 'node-exporter', 'postgres-exporter', 'blackbox-exporter', 'alertmanager', 'prometheus')
EXECUTABLES = {'ceph-mgr': 'ceph-mgr', 'node-exporter': 'prometheus-node-exporter',
               'postgres-exporter': 'prometheus-postgres-exporter',
               'blackbox-exporter': 'prometheus-blackbox-exporter', 'alertmanager': 'prometheus-alertmanager',
               'prometheus': 'prometheus', 'victoria-logs': 'victoria-logs', 'rsyslog': 'rsyslogd'}
PORT_KEYS = {'ceph-mgr': 'ceph_mgr', 'node-exporter': 'node_exporter', 'postgres-exporter': 'postgres_exporter',
             'blackbox-exporter': 'blackbox_exporter', 'alertmanager': 'alertmanager', 'prometheus': 'prometheus',
             'victoria-logs': 'victoria_logs'}
# The configuration files each component reads (relative to the config dir): a change restarts it.
CONFIG_FILES = {'prometheus': ('prometheus.yml', 'rules/lakehouse.rules.yml'), 'alertmanager': ('alertmanager.yml',),
                'blackbox-exporter': ('blackbox.yml',), 'rsyslog': ('rsyslog.conf',)}
PACKAGES = {'prometheus': 'prometheus', 'prometheus-alertmanager': 'prometheus-alertmanager',
            'prometheus-blackbox-exporter': 'prometheus-blackbox-exporter',
            'prometheus-postgres-exporter': 'prometheus-postgres-exporter',
            'prometheus-node-exporter': 'prometheus-node-exporter', 'ceph-mgr': 'ceph-mgr', 'rsyslogd': 'rsyslog'}
# Every port a component listens on (default: its one PORT_KEYS entry; rsyslog listens on none).
PORT_KEYS_OF = {'victoria-logs': ('victoria_logs', 'victoria_logs_syslog'), 'rsyslog': ()}
MGR_ID = 'a'
READY_PATHS = {'prometheus': '/-/ready', 'alertmanager': '/-/ready', 'blackbox-exporter': '/metrics',
               'postgres-exporter': '/metrics', 'node-exporter': '/metrics', 'ceph-mgr': '/metrics',
               'victoria-logs': '/health'}
# Built, not packaged: the local_stack role builds it (go install, cached by version) and passes its path.
VICTORIA_LOGS_BUILD = 'go install github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@<version>'


def ports_with_defaults(ports, reserved=None):
    """The port map with defaults for keys not given; refuses duplicates and the other services' ports."""
    merged = dict(DEFAULT_PORTS)
    merged.update(dict((key, int(value)) for key, value in (ports or {}).items() if value is not None))
    seen = {}
    for key in sorted(merged):
        if merged[key] in (reserved or {}):
            raise StackError('monitoring_ports.%s is %d, the port of %s; choose another port.'
                             % (key, merged[key], reserved[merged[key]]), service=SERVICE)
        if merged[key] in seen:
            raise StackError('monitoring_ports.%s and monitoring_ports.%s are both %d; give each its own port.'
                             % (seen[merged[key]], key, merged[key]), service=SERVICE)
        seen[merged[key]] = key
    return merged


def component_argv(name, work_dir, config_dir, ports, host='127.0.0.1', ceph_conf=None, ceph_dir=None,
                   log_dir=None, retention='2d', victoria_logs_path='victoria-logs'):
    """The command line of one component (pure; unit-tested)."""
    if name == 'rsyslog':
        # -n: stay in the foreground (our PID); -iNONE: no pid file of its own; only the inputs of our config.
        return ['rsyslogd', '-n', '-iNONE', '-f', os.path.join(config_dir, 'rsyslog.conf')]
    listen = '%s:%d' % (host, ports[PORT_KEYS[name]])
    if name == 'victoria-logs':
        return [victoria_logs_path, '-httpListenAddr=' + listen,
                '-syslog.listenAddr.tcp=%s:%d' % (host, ports['victoria_logs_syslog']),
                '-storageDataPath=' + os.path.join(work_dir, 'victoria-logs'), '-retentionPeriod=' + retention,
                '-loggerOutput=stdout']
    if name == 'prometheus':
        return ['prometheus', '--config.file=' + os.path.join(config_dir, 'prometheus.yml'),
                '--storage.tsdb.path=' + os.path.join(work_dir, 'prometheus'),
                '--storage.tsdb.retention.time=' + retention, '--web.listen-address=' + listen]
    if name == 'alertmanager':
        # An empty cluster address turns the HA gossip (port 9094 on every interface) off.
        return ['prometheus-alertmanager', '--config.file=' + os.path.join(config_dir, 'alertmanager.yml'),
                '--storage.path=' + os.path.join(work_dir, 'alertmanager'), '--web.listen-address=' + listen,
                '--cluster.listen-address=']
    if name == 'blackbox-exporter':
        return ['prometheus-blackbox-exporter', '--config.file=' + os.path.join(config_dir, 'blackbox.yml'),
                '--web.listen-address=' + listen]
    if name == 'postgres-exporter':
        return ['prometheus-postgres-exporter', '--web.listen-address=' + listen]
    if name == 'node-exporter':
        return ['prometheus-node-exporter', '--web.listen-address=' + listen, '--collector.disable-defaults',
                '--collector.filesystem', '--collector.cpu', '--collector.meminfo', '--collector.loadavg',
                '--collector.textfile', '--collector.textfile.directory=' + os.path.join(work_dir, 'textfile')]
    if name == 'ceph-mgr':
        return ['ceph-mgr', '-f', '-c', ceph_conf, '-i', MGR_ID,
                '--mgr_data', os.path.join(ceph_dir, 'mgr', 'ceph-%s' % MGR_ID),
                '--log_file', os.path.join(log_dir, 'ceph-mgr.log')]
    raise ValueError('unknown component %s' % name)


def postgres_dsn(creds, host):
    """The exporter's connection string (admin role: pg_settings and every session of pg_stat_activity)."""
    return 'postgresql://%s:%s@%s:%s/%s?sslmode=disable' % (
        quote(creds['admin_user'], safe=''), quote(creds['admin_password'], safe=''), host, creds['port'],
        quote(creds.get('database') or 'postgres', safe=''))


class MonitoringService(object):
    """Lifecycle of the monitoring components: status(), start(), stop(), facts(), versions()."""

    name = SERVICE

    def __init__(self, state_dir, ceph=None, postgresql=None, host='127.0.0.1', ports=None, config_dir=None,
                 ceph_mgr=True, start_timeout=120, log_lines=20, reserved_ports=None, logs=True,
                 victoria_logs_path=None):
        self.state_dir = os.path.abspath(state_dir)
        self.host = host
        self.ports = ports_with_defaults(ports, reserved_ports)
        self.work_dir = os.path.join(self.state_dir, 'monitoring')
        self.config_dir = os.path.abspath(config_dir or os.path.join(self.work_dir, 'config'))
        self.log_dir = os.path.join(self.state_dir, 'logs')
        self.state_file = os.path.join(self.work_dir, 'running.json')
        self.ceph = ceph
        self.postgresql = postgresql
        self.ceph_mgr = bool(ceph_mgr and ceph is not None)
        self.start_timeout = start_timeout
        self.log_lines = log_lines
        self.logs = bool(logs)
        self.victoria_logs_path = victoria_logs_path or shutil.which('victoria-logs') or 'victoria-logs'
        self.rsyslog_conf = os.path.join(self.config_dir, 'rsyslog.conf')

    # --- identity ---------------------------------------------------------------------------------------------
    def components(self):
        return tuple(c for c in COMPONENTS
                     if (c != 'ceph-mgr' or self.ceph_mgr) and (c not in LOG_COMPONENTS or self.logs))

    def pid_file(self, component):
        return os.path.join(self.work_dir, component + '.pid')

    def log_file(self, component):
        return os.path.join(self.log_dir, ('%s.log' if component == 'ceph-mgr' else 'monitoring-%s.log') % component)

    def pid(self, component):
        pid = read_pid(self.pid_file(component))
        argv = process_cmdline(pid) if pid else None
        if not argv or os.path.basename(argv[0]) != EXECUTABLES[component]:
            return None
        if component == 'ceph-mgr':
            return pid if self.ceph.conf_path in argv else None
        if component == 'rsyslog':
            return pid if self.rsyslog_conf in argv else None
        try:
            cwd = os.readlink('/proc/%d/cwd' % pid)
        except OSError:
            return None
        return pid if os.path.abspath(cwd) == self.work_dir else None

    def url(self, component, path=''):
        return 'http://%s:%d%s' % (self.host, self.ports[PORT_KEYS[component]], path)

    # --- checks -----------------------------------------------------------------------------------------------
    def _http_ok(self, component):
        if component == 'rsyslog':  # no listener: it only forwards (its config was checked with rsyslogd -N1)
            return self.pid(component) is not None
        try:
            response = open_url(self.url(component, READY_PATHS[component]), timeout=3, use_proxy=False)
            return response.getcode() == 200
        except (HTTPError, URLError, UrlConnectionError, OSError, ValueError):
            return False

    def targets(self):
        """Prometheus's active targets as {job: (health, last error)} ({} when Prometheus does not answer)."""
        try:
            answer = json.loads(open_url(self.url('prometheus', '/api/v1/targets?state=active'), timeout=5,
                                         use_proxy=False).read().decode('utf-8'))
        except (HTTPError, URLError, UrlConnectionError, OSError, ValueError):
            return {}
        return dict((t['labels'].get('job'), (t.get('health'), t.get('lastError') or ''))
                    for t in answer.get('data', {}).get('activeTargets', []))

    def status(self):
        daemons = {}
        for component in self.components():
            pid = self.pid(component)
            daemons[component] = {'pid': pid, 'running': pid is not None, 'rss_mib': rss_mib(pid) if pid else None}
        running = all(info['running'] for info in daemons.values())
        healthy = running and all(self._http_ok(component) for component in self.components())
        result = {'name': self.name, 'running': running, 'healthy': healthy, 'daemons': daemons,
                  'pid': daemons['prometheus']['pid'],
                  'rss_mib': round(sum(info['rss_mib'] or 0 for info in daemons.values()), 1),
                  'endpoint': self.url('prometheus')}
        if daemons['prometheus']['running']:
            targets = self.targets()
            result['targets'] = dict((job, {'health': health, 'last_error': error})
                                     for job, (health, error) in sorted(targets.items()))
            down = ['%s (%s)' % (job, error or health) for job, (health, error) in sorted(targets.items())
                    if health != 'up']
            if down:
                result['targets_down'] = down
        return result

    # --- start/stop -------------------------------------------------------------------------------------------
    def _config_digest(self, component):
        digest = hashlib.sha256()
        for name in CONFIG_FILES.get(component, ()):
            try:
                with open(os.path.join(self.config_dir, name), 'rb') as handle:
                    digest.update(handle.read())
            except (IOError, OSError):
                digest.update(b'missing')
        digest.update(json.dumps(self._argv(component)).encode('utf-8'))
        return digest.hexdigest()

    def _argv(self, component):
        return component_argv(component, self.work_dir, self.config_dir, self.ports, host=self.host,
                              ceph_conf=self.ceph.conf_path if self.ceph else None,
                              ceph_dir=self.ceph.ceph_dir if self.ceph else None, log_dir=self.log_dir,
                              victoria_logs_path=self.victoria_logs_path)

    def _check_inputs(self):
        if self.logs and not (os.path.isfile(self.victoria_logs_path) and os.access(self.victoria_logs_path, os.X_OK)) \
                and shutil.which(self.victoria_logs_path) is None:
            raise StackError('monitoring: the log aggregator %s is not there; the local_stack role builds it with '
                             'local_stack_monitoring=true (%s), or set monitoring_logs=false.'
                             % (self.victoria_logs_path, VICTORIA_LOGS_BUILD), service=SERVICE)
        missing = [EXECUTABLES[c] for c in self.components()
                   if c != 'victoria-logs' and shutil.which(EXECUTABLES[c]) is None]
        if missing:
            raise StackError('monitoring: %s not found on PATH; apt-get install %s (the local_stack role installs '
                             'them with local_stack_monitoring=true).'
                             % (', '.join(missing), ' '.join(PACKAGES[m] for m in missing)), service=SERVICE)
        absent = [name for component in self.components() for name in CONFIG_FILES.get(component, ())
                  if not os.path.isfile(os.path.join(self.config_dir, name))]
        if absent:
            raise StackError('monitoring: %s missing in %s; run the dataplatform.lakehouse.monitoring role (the '
                             'local_stack role does with local_stack_monitoring=true), which renders them.'
                             % (', '.join(absent), self.config_dir), service=SERVICE)
        if self.ceph_mgr and not os.path.exists(self.ceph.conf_path):
            raise StackError('monitoring: no Ceph cluster in %s to run ceph-mgr against; start the ceph service first '
                             'or set monitoring_ceph_mgr=false.' % self.ceph.ceph_dir, service=SERVICE)

    def _environment(self, component):
        env = dict(os.environ)
        for name in ('HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'):
            env.pop(name, None)
        env['NO_PROXY'] = env['no_proxy'] = '127.0.0.1,localhost'
        if component == 'postgres-exporter':
            creds = read_json_file(self.postgresql.credentials_file) if self.postgresql else None
            if not creds or not creds.get('admin_user'):
                raise StackError('monitoring: no PostgreSQL credentials in %s; start the postgresql service first.'
                                 % (self.postgresql.credentials_file if self.postgresql else 'the state directory'),
                                 service=SERVICE)
            env['DATA_SOURCE_NAME'] = postgres_dsn(creds, creds.get('host') or self.host)
        return env

    def _fail(self, component, reason):
        lines = tail(self.log_file(component), self.log_lines)
        raise StackError('monitoring: %s %s (log %s): %s' % (EXECUTABLES[component], reason, self.log_file(component),
                                                             (lines or ['no output'])[-1].strip()),
                         service=SERVICE, log_tail=lines)

    def _enable_mgr_prometheus(self):
        """Point the mgr's prometheus module at our loopback port and enable it (monitor commands, idempotent)."""
        base = ['ceph', '-c', self.ceph.conf_path, '--connect-timeout', '15']
        for key, value in (('server_addr', self.host), ('server_port', str(self.ports['ceph_mgr']))):
            # --force: the monitor knows a module's options only once a mgr has reported them.
            run(base + ['config', 'set', 'mgr', 'mgr/prometheus/%s' % key, value, '--force'], timeout=60, service=SERVICE)
        run(base + ['mgr', 'module', 'enable', 'prometheus', '--force'], timeout=60, service=SERVICE)

    def _start_component(self, component, digests):
        pid = self.pid(component)
        if pid and digests.get(component) == self._config_digest(component):
            return False
        if pid:  # its configuration changed: restart it
            stop_pid(pid, EXECUTABLES[component], term_timeout=30)
        for key in PORT_KEYS_OF.get(component, (PORT_KEYS.get(component),)):
            if key:
                ensure_port_free('monitoring %s' % EXECUTABLES[component], self.host, self.ports[key],
                                 'monitoring_ports.%s' % key, service=SERVICE)
        if component == 'ceph-mgr':
            os.makedirs(os.path.join(self.ceph.ceph_dir, 'mgr', 'ceph-%s' % MGR_ID), 0o700, exist_ok=True)
            self._enable_mgr_prometheus()
        spawn(self._argv(component), self.log_file(component), pid_file=self.pid_file(component),
              env=self._environment(component), cwd=self.work_dir)
        timeout = self.start_timeout
        ok, dummy = wait_until(lambda: self._http_ok(component), timeout, interval=0.5,
                               alive=lambda: self.pid(component) is not None)
        if not ok:
            pid = self.pid(component)
            if pid:
                stop_pid(pid, EXECUTABLES[component], term_timeout=10)
            self._fail(component, 'exited during start-up' if pid is None
                       else 'did not answer %s within %ds' % (READY_PATHS[component], timeout))
        digests[component] = self._config_digest(component)
        write_private_file(self.state_file, json.dumps(digests, indent=2, sort_keys=True) + '\n')
        return True

    def start(self):
        digests = read_json_file(self.state_file) or {}
        if all(self.pid(c) and digests.get(c) == self._config_digest(c) for c in self.components()) \
                and all(self._http_ok(c) for c in self.components()):
            return False
        self._check_inputs()
        for path in (self.work_dir, self.log_dir, os.path.join(self.work_dir, 'textfile'),
                     os.path.join(self.work_dir, 'rsyslog')):
            os.makedirs(path, 0o755, exist_ok=True)
        changed = False
        for component in self.components():
            if self._start_component(component, digests):
                changed = True
        return changed

    def stop(self):
        stopped = False
        for component in reversed(self.components()):
            pid = self.pid(component)
            if pid:
                stop_pid(pid, EXECUTABLES[component], term_timeout=30)
                stopped = True
            if self.pid(component) is None and os.path.exists(self.pid_file(component)):
                os.unlink(self.pid_file(component))
        return stopped

    # --- facts ------------------------------------------------------------------------------------------------
    def facts(self):
        return dict(prometheus_url=self.url('prometheus'), alertmanager_url=self.url('alertmanager'),
                    ports=dict(self.ports), config_dir=self.config_dir, work_dir=self.work_dir,
                    textfile_dir=os.path.join(self.work_dir, 'textfile'), log_dir=self.log_dir,
                    ceph_mgr=self.ceph_mgr, components=list(self.components()),
                    logs_url=self.url('victoria-logs') if self.logs else None,
                    log_components=self.log_components())

    def log_components(self):
        """The components the shipper sends (the imfile tags of the rendered rsyslog.conf); [] without logs."""
        if not self.logs:
            return []
        try:
            with open(self.rsyslog_conf) as handle:
                return re.findall(r'type="imfile"[^)]*?\btag="([^"]+)"', handle.read())
        except (IOError, OSError):
            return []

    def versions(self):
        out = {}
        for component, key in (('prometheus', 'prometheus'), ('alertmanager', 'alertmanager')):
            if not self.pid(component):
                continue
            try:
                answer = json.loads(open_url(self.url(component, '/api/v1/status/buildinfo' if component == 'prometheus'
                                                      else '/api/v2/status'), timeout=3,
                                             use_proxy=False).read().decode('utf-8'))
            except (HTTPError, URLError, UrlConnectionError, OSError, ValueError):
                continue
            version = (answer.get('data') or {}).get('version') if component == 'prometheus' \
                else (answer.get('versionInfo') or {}).get('version')
            if version:
                out[key] = version
        return out
