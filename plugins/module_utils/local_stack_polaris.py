# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Apache Polaris server of the local stack: the Quarkus fast-jar built from Maven Central, run on Java 21+.

Persistence is relational-jdbc on the stack's PostgreSQL. The root principal's credentials are generated on
the first start, stored 0600 in credentials/polaris.json and handed to Polaris's auto-bootstrap through the
environment (never argv, which any local user can read in /proc). Auto-bootstrap is switched on only while the
realm is not bootstrapped in the database: Polaris 1.4.1 refuses to start when it is on for a bootstrapped realm,
so restarts and restores run without the root secret anywhere but in the credentials file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import secrets

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_process import (
    StackError, ensure_port_free, live_pid_in, read_json_file, remove_stale_pid_file, service_status, spawn, await_start,
    stop_by_pid_file, tail, wait_until, write_private_file,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_postgresql import sql_literal
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import PolarisClient, PolarisError

PROCESS_MARKER = 'quarkus-run.jar'


class PolarisService(object):
    name = 'polaris'

    def __init__(self, state_dir, app_dir, java_home, postgresql, ceph=None, host='127.0.0.1', port=8181,
                 management_port=8182, realm='POLARIS', heap_mb=768, token_lifetime='PT1H', start_timeout=240,
                 log_lines=20):
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
        self.token_lifetime = token_lifetime
        self.start_timeout = start_timeout
        self.log_lines = log_lines
        self.work_dir = os.path.join(state_dir, 'polaris')
        self.pid_file = os.path.join(self.work_dir, 'polaris.pid')
        # The settings a running server has (only a restart applies a new heap or token lifetime).
        self.settings_file = os.path.join(self.work_dir, 'settings.json')
        self.log_file = os.path.join(state_dir, 'logs', 'polaris.log')
        self.credentials_file = os.path.join(state_dir, 'credentials', 'polaris.json')
        self.base_uri = 'http://%s:%d' % (host, self.port)
        self.management_uri = 'http://%s:%d' % (host, self.management_port)

    def _pid(self):
        # A java running quarkus-run.jar is ours only if it runs in our work dir (where we started it): a reused
        # PID, or another Quarkus application, is never taken for our Polaris.
        return live_pid_in(self.pid_file, PROCESS_MARKER, self.work_dir)

    def load_credentials(self):
        return read_json_file(self.credentials_file)

    def _client(self, creds=None):
        creds = creds or {}
        # No retries: the start-up loop polls, and a status call must answer at once.
        return PolarisClient(self.base_uri, client_id=creds.get('client_id'), client_secret=creds.get('client_secret'),
                             realm=self.realm, timeout=10, retries=0)

    def ready(self):
        return self._client().health(self.management_uri)

    def token(self):
        """An OAuth2 access token for the root principal, or None."""
        creds = self.load_credentials()
        if not creds:
            return None
        try:
            return self._client(creds).token()
        except PolarisError:
            return None

    def _first_token(self, creds, timeout=60):
        """The root principal's first token after start-up: refused credentials fail at once, anything else
        (a timeout or 5xx of a JVM still warming up on a loaded machine) is retried for `timeout` seconds."""
        last = []

        def attempt():
            try:
                return self._client(creds).token()
            except PolarisError as exc:
                if exc.status in (400, 401, 403):
                    raise StackError('Polaris is up but refuses the root credentials of %s for realm %s (%s); if '
                                     'the database was restored from another stack, restore its credentials file '
                                     'too, or remove the stack (local_stack_state=absent) to start over.'
                                     % (self.credentials_file, self.realm, exc), service=self.name)
                last[:] = [exc]
                return None
        token, dummy = wait_until(attempt, timeout, interval=2.0, alive=lambda: self._pid() is not None)
        if not token:
            raise StackError('Polaris is ready but gave no token to the root principal within %ds (%s); see %s.'
                             % (timeout, last[0] if last else 'the process exited', self.log_file),
                             service=self.name)
        return token

    def healthy(self):
        return self.ready() and self.token() is not None

    def status(self):
        return service_status(self.name, self._pid(), self.base_uri + '/api/catalog', self.healthy)

    def _java(self):
        java = os.path.join(self.java_home or '', 'bin', 'java')
        if not self.java_home or not os.access(java, os.X_OK):
            raise StackError('No Java 21+ runtime at %s; install one (e.g. Temurin 21+) and set local_stack_java_home.'
                             % (self.java_home or 'java_home (unset)'), service=self.name)
        return java

    def bootstrapped(self):
        """Whether the realm has its root principal in Polaris's database (False before the first start).

        Read from the relational-jdbc schema (polaris_schema.entities: type_code 2 is a principal); a missing
        schema means never bootstrapped. Any other database error is raised: guessing would either re-bootstrap
        (refused by 1.4.1) or start a server nobody can log in to.
        """
        pg = self.postgresql.load_credentials() or {}
        exists = self.postgresql.query(
            "SELECT to_regclass('polaris_schema.entities') IS NOT NULL", database=pg.get('database', 'polaris'))
        if exists != 't':
            return False
        found = self.postgresql.query(
            "SELECT count(*) FROM polaris_schema.entities WHERE realm_id = %s AND type_code = 2 AND name = 'root'"
            % sql_literal(self.realm), database=pg.get('database', 'polaris'))
        return found not in ('', '0')

    def _environment(self, creds, bootstrap):
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
            'QUARKUS_DATASOURCE_DB_KIND': 'postgresql',
            'QUARKUS_DATASOURCE_JDBC_URL': 'jdbc:postgresql://%s:%d/%s' % (pg['host'], int(pg['port']), pg['database']),
            'QUARKUS_DATASOURCE_USERNAME': pg['user'],
            'QUARKUS_DATASOURCE_PASSWORD': pg['password'],
            'POLARIS_REALM_CONTEXT_REALMS': self.realm,
            # Lifetime of the access tokens Polaris issues (ISO-8601 duration; Polaris's default is PT1H).
            'POLARIS_AUTHENTICATION_TOKEN_BROKER_MAX_TOKEN_GENERATION': self.token_lifetime,
            # Polaris writes table metadata itself; Ceph RGW 16.2 answers the AWS SDK 2.42's default checksummed
            # uploads with HTTP 400 (op status -2040), hence checksums only where an API requires them.
            'AWS_REQUEST_CHECKSUM_CALCULATION': 'when_required',
            'AWS_RESPONSE_CHECKSUM_VALIDATION': 'when_required',
        })
        # Inherited from whoever ran the playbook, these would bootstrap (and fail) a bootstrapped realm.
        for name in ('POLARIS_PERSISTENCE_AUTO_BOOTSTRAP_TYPES', 'POLARIS_BOOTSTRAP_CREDENTIALS'):
            env.pop(name, None)
        if bootstrap:
            env.update({
                'POLARIS_PERSISTENCE_AUTO_BOOTSTRAP_TYPES': 'relational-jdbc',
                'POLARIS_BOOTSTRAP_CREDENTIALS': '%s,%s,%s' % (self.realm, creds['client_id'], creds['client_secret']),
            })
        if self.ceph is not None:
            # None when Ceph has not started yet: Polaris still runs, catalogs on S3 need it later.
            s3 = read_json_file(self.ceph.facts()['credentials_file'])
            if s3:
                env.update({'AWS_ACCESS_KEY_ID': s3['access_key'], 'AWS_SECRET_ACCESS_KEY': s3['secret_key'],
                            'AWS_REGION': s3.get('region') or 'us-east-1'})
        return env

    def settings(self):
        return dict(heap_mb=int(self.heap_mb), token_lifetime=self.token_lifetime)

    def running_settings(self):
        """The settings the running server was started with (a server started before they were recorded: the
        defaults it was started with then)."""
        return read_json_file(self.settings_file) or dict(heap_mb=768, token_lifetime='PT1H')

    def start(self):
        if self._pid() and self.healthy():
            if self.running_settings() == self.settings():
                return False
            # A changed heap or token lifetime is applied by a restart (the database keeps everything).
            self.stop()
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
        bootstrap = not self.bootstrapped()
        creds = self.load_credentials()
        if creds is None and not bootstrap:
            raise StackError('Polaris realm %s is bootstrapped in its database, but its root credentials (%s) are '
                             'gone; put the file back (from a backup), or remove the stack (local_stack_state=absent) '
                             'to start over.' % (self.realm, self.credentials_file), service=self.name)
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
            spawn(argv, self.log_file, pid_file=self.pid_file, env=self._environment(creds, bootstrap),
                  cwd=self.work_dir)
            write_private_file(self.settings_file, json.dumps(self.settings()) + '\n')
        await_start('Polaris', self.ready, lambda: self._pid() is not None, self.start_timeout, 1.0,
                    'did not become ready within %ds' % self.start_timeout, self.log_file, self.log_lines, self.name)
        self._first_token(creds)
        return True

    def stop(self):
        return stop_by_pid_file(self._pid(), self.pid_file, PROCESS_MARKER)

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
