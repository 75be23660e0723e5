# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Apache Polaris server of the local stack: the Quarkus fast-jar built from Maven Central, run on Java 21+.

Persistence is relational-jdbc on the stack's PostgreSQL. The root principal's credentials are generated on
the first start, stored 0600 in credentials/polaris.json and handed to Polaris's auto-bootstrap through the
environment (never argv, which any local user can read in /proc).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import re
import secrets

from ansible.module_utils.six.moves.urllib.parse import urlencode
from ansible.module_utils.urls import open_url

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_process import (
    StackError, ensure_port_free, live_pid, read_json_file, remove_stale_pid_file, rss_mib, spawn, stop_pid, tail,
    wait_until, write_private_file,
)

PROCESS_MARKER = 'quarkus-run.jar'


def http_json(url, method='GET', data=None, headers=None, timeout=5):
    """(status, parsed JSON or text) of an HTTP call; (None, error text) when nothing answered."""
    try:
        response = open_url(url, method=method, data=data, headers=headers or {}, timeout=timeout,
                            validate_certs=False)
        status, body = response.getcode(), response.read()
    except Exception as exc:  # urllib raises HTTPError (with a body) or URLError/socket errors
        status = getattr(exc, 'code', None)
        body = exc.read() if hasattr(exc, 'read') else str(exc).encode('utf-8')
    text = body.decode('utf-8', 'replace') if isinstance(body, bytes) else body
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


class PolarisService(object):
    name = 'polaris'

    def __init__(self, state_dir, app_dir, java_home, postgresql, ceph=None, host='127.0.0.1', port=8181,
                 management_port=8182, realm='POLARIS', heap_mb=768, start_timeout=240, log_lines=20):
        self.state_dir = state_dir
        self.app_dir = app_dir
        self.java_home = java_home
        self.postgresql = postgresql
        self.ceph = ceph
        self.host = host
        self.port = int(port)
        self.management_port = int(management_port)
        self.realm = realm
        self.heap_mb = heap_mb
        self.start_timeout = start_timeout
        self.log_lines = log_lines
        self.work_dir = os.path.join(state_dir, 'polaris')
        self.pid_file = os.path.join(self.work_dir, 'polaris.pid')
        self.log_file = os.path.join(state_dir, 'logs', 'polaris.log')
        self.credentials_file = os.path.join(state_dir, 'credentials', 'polaris.json')
        self.base_uri = 'http://%s:%d' % (host, self.port)
        self.management_uri = 'http://%s:%d' % (host, self.management_port)

    def _pid(self):
        # A java running quarkus-run.jar is ours only if it runs in our work dir (where we started it): a reused
        # PID, or another Quarkus application, is never taken for our Polaris.
        pid = live_pid(self.pid_file, PROCESS_MARKER)
        if pid is None:
            return None
        try:
            cwd = os.readlink('/proc/%s/cwd' % pid)
        except OSError:
            return None
        return pid if os.path.abspath(cwd) == os.path.abspath(self.work_dir) else None

    def load_credentials(self):
        return read_json_file(self.credentials_file)

    def ready(self):
        status, body = http_json(self.management_uri + '/q/health/ready', timeout=3)
        return status == 200 and isinstance(body, dict) and body.get('status') == 'UP'

    def token(self):
        """An OAuth2 access token for the root principal, or None."""
        creds = self.load_credentials()
        if not creds:
            return None
        basic = base64.b64encode(('%s:%s' % (creds['client_id'], creds['client_secret'])).encode()).decode()
        status, body = http_json(
            self.base_uri + '/api/catalog/v1/oauth/tokens', method='POST',
            data=urlencode(dict(grant_type='client_credentials', scope='PRINCIPAL_ROLE:ALL')),
            headers={'Authorization': 'Basic ' + basic, 'Content-Type': 'application/x-www-form-urlencoded',
                     'Polaris-Realm': self.realm}, timeout=10)
        if status == 200 and isinstance(body, dict):
            return body.get('access_token')
        return None

    def healthy(self):
        return self.ready() and self.token() is not None

    def status(self):
        pid = self._pid()
        result = dict(name=self.name, running=pid is not None, healthy=False, pid=pid,
                      rss_mib=rss_mib(pid) if pid else None, endpoint=self.base_uri + '/api/catalog', version=None)
        if pid:
            result['healthy'] = self.healthy()
        return result

    def _java(self):
        java = os.path.join(self.java_home or '', 'bin', 'java')
        if not self.java_home or not os.access(java, os.X_OK):
            raise StackError('No Java 21+ runtime at %s; install one (e.g. Temurin 21+) and set local_stack_java_home.'
                             % (self.java_home or 'java_home (unset)'), service=self.name)
        return java

    def _environment(self, creds):
        pg = self.postgresql.load_credentials()
        if not pg:
            raise StackError('Polaris needs the PostgreSQL credentials in %s; start PostgreSQL first.'
                             % self.postgresql.credentials_file, service=self.name)
        env = dict(os.environ)
        env.update({
            'JAVA_HOME': self.java_home,
            'QUARKUS_HTTP_HOST': self.host,
            'QUARKUS_HTTP_PORT': str(self.port),
            'QUARKUS_MANAGEMENT_HOST': self.host,
            'QUARKUS_MANAGEMENT_PORT': str(self.management_port),
            'POLARIS_PERSISTENCE_TYPE': 'relational-jdbc',
            'POLARIS_PERSISTENCE_AUTO_BOOTSTRAP_TYPES': 'relational-jdbc',
            'QUARKUS_DATASOURCE_DB_KIND': 'postgresql',
            'QUARKUS_DATASOURCE_JDBC_URL': 'jdbc:postgresql://%s:%d/%s' % (pg['host'], int(pg['port']), pg['database']),
            'QUARKUS_DATASOURCE_USERNAME': pg['user'],
            'QUARKUS_DATASOURCE_PASSWORD': pg['password'],
            'POLARIS_REALM_CONTEXT_REALMS': self.realm,
            'POLARIS_BOOTSTRAP_CREDENTIALS': '%s,%s,%s' % (self.realm, creds['client_id'], creds['client_secret']),
            # Polaris writes table metadata itself; Ceph RGW 16.2 rejects the AWS SDK's default aws-chunked
            # uploads with trailing checksums (411 MissingContentLength), hence WHEN_REQUIRED.
            'AWS_REQUEST_CHECKSUM_CALCULATION': 'WHEN_REQUIRED',
            'AWS_RESPONSE_CHECKSUM_VALIDATION': 'WHEN_REQUIRED',
        })
        if self.ceph is not None:
            # None when Ceph has not started yet: Polaris still runs, catalogs on S3 need it later.
            s3 = read_json_file(self.ceph.facts()['credentials_file'])
            if s3:
                env.update({'AWS_ACCESS_KEY_ID': s3['access_key'], 'AWS_SECRET_ACCESS_KEY': s3['secret_key'],
                            'AWS_REGION': s3.get('region') or 'us-east-1'})
        return env

    def start(self):
        if self._pid() and self.healthy():
            return False
        for path in (self.work_dir, os.path.dirname(self.log_file)):
            if not os.path.isdir(path):
                os.makedirs(path, 0o755)
        cred_dir = os.path.dirname(self.credentials_file)
        if not os.path.isdir(cred_dir):
            os.makedirs(cred_dir, 0o700)
        jar = os.path.join(self.app_dir or '', 'quarkus-run.jar')
        if not os.path.exists(jar):
            raise StackError('The Polaris server is not built (%s is missing); run the local_stack role, which builds '
                             'it from Maven Central.' % jar, service=self.name)
        java = self._java()
        creds = self.load_credentials()
        if creds is None:
            creds = dict(realm=self.realm, client_id='root-' + secrets.token_hex(4),
                         client_secret=secrets.token_urlsafe(32), uri=self.base_uri,
                         management_uri=self.management_uri)
            write_private_file(self.credentials_file, json.dumps(creds, indent=2) + '\n')
        pid = self._pid()
        if pid is None:
            remove_stale_pid_file(self.pid_file, PROCESS_MARKER)
            ensure_port_free('Polaris', self.host, self.port, 'local_stack_polaris_port', service=self.name)
            ensure_port_free('Polaris management', self.host, self.management_port,
                             'local_stack_polaris_management_port', service=self.name)
            argv = [java, '-Xmx%dm' % self.heap_mb, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
                    '-Dquarkus.log.console.color=false', '-jar', jar]
            proc = spawn(argv, self.log_file, pid_file=self.pid_file, env=self._environment(creds), cwd=self.work_dir)
            pid = proc.pid
        ok, dummy = wait_until(self.healthy, self.start_timeout, interval=1.0, alive=lambda: self._pid() is not None)
        if not ok:
            running = self._pid() is not None
            reason = ('did not become ready within %ds' % self.start_timeout) if running else 'exited during start-up'
            lines = tail(self.log_file, self.log_lines)
            errors = [line for line in lines if 'ERROR' in line or 'Exception' in line]
            raise StackError('Polaris %s (log %s): %s' % (reason, self.log_file, (errors or lines or ['no output'])[-1]),
                             service=self.name, log_tail=lines)
        return True

    def stop(self):
        pid = self._pid()
        if not pid:
            remove_stale_pid_file(self.pid_file, PROCESS_MARKER)
            return False
        stop_pid(pid, PROCESS_MARKER, term_timeout=30)
        remove_stale_pid_file(self.pid_file, PROCESS_MARKER)
        return True

    def facts(self):
        return dict(uri=self.base_uri, catalog_uri=self.base_uri + '/api/catalog',
                    management_api_uri=self.base_uri + '/api/management/v1', management_uri=self.management_uri,
                    health_uri=self.management_uri + '/q/health/ready', metrics_uri=self.management_uri + '/q/metrics',
                    realm=self.realm, credentials_file=self.credentials_file, log_file=self.log_file)

    def versions(self):
        version = None
        for line in tail(self.log_file, 400):
            match = re.search(r'polaris-runtime-service\S* (\S+)|Polaris (?:Server )?v?(\d+\.\d+\.\d+)', line)
            if match:
                version = match.group(1) or match.group(2)
        if version is None and self.app_dir:
            lib = os.path.join(self.app_dir, 'lib', 'main')
            if os.path.isdir(lib):
                for name in os.listdir(lib):
                    match = re.match(r'org\.apache\.polaris\.polaris-runtime-service-(.+)\.jar$', name)
                    if match:
                        version = match.group(1)
        quarkus = None
        for line in tail(self.log_file, 400):
            match = re.search(r'on JVM \(powered by Quarkus ([\d.]+)\)', line)
            if match:
                quarkus = match.group(1)
        out = {}
        if version:
            out['polaris'] = version
        if quarkus:
            out['quarkus'] = quarkus
        return out
