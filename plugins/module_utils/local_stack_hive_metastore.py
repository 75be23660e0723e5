# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Apache Hive standalone metastore (HMS) of the local stack, on the stack's PostgreSQL.

The role collects the server's jars from Maven Central into <build>/lib and the schema scripts of its bin
distribution into <build>/dist/apache-hive-metastore-<v>-bin (cached by version). This service:

* keeps its own PostgreSQL role and database (password generated once, credentials/hive_metastore.json, 0600);
* writes conf/metastore-site.xml (0600: it holds the database password; never argv, which /proc shows anyone);
* initialises the schema once with MetastoreSchemaTool (a failed init empties the database again) and checks the
  schema version against the server's on every start (a mismatch is one line, nothing is started);
* runs HiveMetaStore with Thrift on 127.0.0.1:<port>; started means a Thrift call (get_all_databases) answers;
* S3A (hadoop-aws) points at the stack's Ceph RGW, with the S3 keys in the environment, so that HMS can resolve
  and create the s3:// locations of databases and tables; s3:// is mapped to S3A (PyIceberg writes s3:// URIs).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re
import secrets

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.client import (
    HIVE_REQUIREMENT, THRIFT_IMPORT_ERROR, list_databases,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.site import (  # noqa: F401 (site_xml re-exported)
    LOG4J2_PROPERTIES, metastore_properties, site_xml,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_process import (
    StackError, ensure_port_free, live_pid_in, read_json_file, remove_stale_pid_file, service_status, run, spawn, await_start,
    stop_by_pid_file, write_private_file,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_postgresql import (
    sql_identifier, sql_literal,
)

SERVER_CLASS = 'org.apache.hadoop.hive.metastore.HiveMetaStore'
SCHEMA_TOOL_CLASS = 'org.apache.hadoop.hive.metastore.tools.schematool.MetastoreSchemaTool'


def schema_version_problem(found, expected):
    """One line when the database's schema version is not the server's, else None."""
    if found == expected:
        return None
    return ('The Hive Metastore database has schema version %s but the server is %s; upgrade the schema '
            '(MetastoreSchemaTool -upgradeSchema -dbType postgres) or set local_stack_hive_metastore_version to %s.'
            % (found, expected, found))


class HiveMetastoreService(object):
    name = 'hive_metastore'

    def __init__(self, state_dir, app_dir, java_home, postgresql, ceph=None, host='127.0.0.1', port=9083,
                 database='hive_metastore', user='hive_metastore', version='4.0.0', heap_mb=1024, start_timeout=240,
                 log_lines=20):
        self.state_dir = state_dir
        self.app_dir = app_dir
        self.java_home = java_home
        self.postgresql = postgresql
        self.ceph = ceph
        self.host = host
        self.port = int(port)
        self.database = database
        self.user = user
        self.version = version
        self.heap_mb = int(heap_mb)
        self.start_timeout = start_timeout
        self.log_lines = log_lines
        self.work_dir = os.path.join(os.path.abspath(state_dir), 'hive_metastore')
        self.conf_dir = os.path.join(self.work_dir, 'conf')
        self.warehouse_dir = os.path.join(self.work_dir, 'warehouse')
        self.pid_file = os.path.join(self.work_dir, 'hive_metastore.pid')
        self.settings_file = os.path.join(self.work_dir, 'settings.json')
        self.log_file = os.path.join(state_dir, 'logs', 'hive_metastore.log')
        self.schema_log_file = os.path.join(state_dir, 'logs', 'hive_metastore_schema.log')
        self.credentials_file = os.path.join(state_dir, 'credentials', 'hive_metastore.json')
        self.uri = 'thrift://%s:%d' % (host, self.port)

    # -- helpers ---------------------------------------------------------------------------------------
    def _pid(self):
        # Ours only if it runs HiveMetaStore in our work dir: a reused PID or another metastore is never taken.
        return live_pid_in(self.pid_file, SERVER_CLASS, self.work_dir)

    def load_credentials(self):
        return read_json_file(self.credentials_file)

    def _java(self):
        java = os.path.join(self.java_home or '', 'bin', 'java')
        if not self.java_home or not os.access(java, os.X_OK):
            raise StackError('No Java 17 runtime for the Hive Metastore at %s; install one (openjdk-17-jre-headless) '
                             'and set local_stack_hive_metastore_java_home.'
                             % (self.java_home or 'hive_metastore_java_home (unset)'), service=self.name)
        return java

    def _metastore_home(self):
        return os.path.join(self.app_dir or '', 'dist', 'apache-hive-metastore-%s-bin' % self.version)

    def _classpath(self):
        return '%s:%s' % (self.conf_dir, os.path.join(self.app_dir, 'lib', '*'))

    def _check_build(self):
        lib = os.path.join(self.app_dir or '', 'lib')
        jar = os.path.join(lib, 'hive-standalone-metastore-server-%s.jar' % self.version)
        scripts = os.path.join(self._metastore_home(), 'scripts', 'metastore', 'upgrade', 'postgres')
        if not os.path.exists(jar) or not os.path.isdir(scripts):
            raise StackError('The Hive Metastore %s is not built (%s or %s is missing); run the local_stack role, '
                             'which collects it from Maven Central.' % (self.version, jar, scripts), service=self.name)

    def _s3(self):
        if self.ceph is None:
            return None
        return read_json_file(self.ceph.facts()['credentials_file'])

    def _environment(self):
        env = dict(os.environ)
        env.update({'JAVA_HOME': self.java_home, 'METASTORE_HOME': self._metastore_home(),
                    'HADOOP_HOME': self.work_dir})
        for name in ('HADOOP_CONF_DIR', 'HIVE_CONF_DIR', 'METASTORE_CONF_DIR', 'CLASSPATH'):
            env.pop(name, None)
        s3 = self._s3()
        if s3:
            env.update({'AWS_ACCESS_KEY_ID': s3['access_key'], 'AWS_SECRET_ACCESS_KEY': s3['secret_key'],
                        'AWS_REGION': s3.get('region') or 'us-east-1'})
        return env

    def _properties(self, creds):
        pg = self.postgresql
        s3 = self._s3() or {}
        return metastore_properties('jdbc:postgresql://%s:%d/%s' % (pg.host, pg.port, self.database), creds['user'],
                                    creds['password'], 'file://' + self.warehouse_dir, self.port, bind_host=self.host,
                                    s3_endpoint=s3.get('endpoint_url'), s3_region=s3.get('region'))

    def _ensure_database(self):
        """The metastore's own PostgreSQL role and database; the password is generated once (0600 file)."""
        creds = self.load_credentials()
        if creds is None:
            creds = dict(host=self.postgresql.host, port=self.postgresql.port, database=self.database, user=self.user,
                         password=secrets.token_urlsafe(24), uri=self.uri)
            cred_dir = os.path.dirname(self.credentials_file)
            if not os.path.isdir(cred_dir):
                os.makedirs(cred_dir, 0o700)
            write_private_file(self.credentials_file, json.dumps(creds, indent=2) + '\n')
        current = dict(creds, host=self.postgresql.host, port=self.postgresql.port, uri=self.uri)
        if current != creds:  # the endpoints follow the options; the password stays
            creds = current
            write_private_file(self.credentials_file, json.dumps(creds, indent=2) + '\n')
        role = sql_identifier(creds['user'])
        exists = self.postgresql.query("SELECT 1 FROM pg_roles WHERE rolname = %s" % sql_literal(creds['user']),
                                       database='postgres')
        verb = 'ALTER' if exists == '1' else 'CREATE'
        self.postgresql.query('%s ROLE %s LOGIN PASSWORD %s' % (verb, role, sql_literal(creds['password'])),
                              database='postgres')
        present = self.postgresql.query("SELECT 1 FROM pg_database WHERE datname = %s" % sql_literal(self.database),
                                        database='postgres')
        if present != '1':
            self.postgresql.query('CREATE DATABASE %s OWNER %s' % (sql_identifier(self.database), role),
                                  database='postgres')
        return creds

    def schema_version(self):
        """The VERSION table's SCHEMA_VERSION, or None when the schema was never initialised."""
        exists = self.postgresql.query("SELECT to_regclass('public.\"VERSION\"') IS NOT NULL", database=self.database)
        if exists != 't':
            return None
        return self.postgresql.query('SELECT "SCHEMA_VERSION" FROM "VERSION"', database=self.database) or None

    def _table_count(self):
        return int(self.postgresql.query(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database=self.database) or 0)

    def _init_schema(self, creds):
        """MetastoreSchemaTool -initSchema; on failure the database is emptied again (as it was before)."""
        if self._table_count():
            raise StackError('The Hive Metastore database %s has tables but no schema version (a schema made by '
                             'something else, or an interrupted init); drop and recreate the database, or point '
                             'local_stack_hive_metastore_database at an empty one.' % self.database,
                             service=self.name)
        argv = [self._java(), '-Xmx512m', '-cp', self._classpath(), SCHEMA_TOOL_CLASS, '-initSchema',
                '-dbType', 'postgres']
        try:
            output = run(argv, env=self._environment(), timeout=300, service=self.name, cwd=self.work_dir)
        except StackError as exc:
            with open(self.schema_log_file, 'a') as handle:
                handle.write('\n'.join(exc.log_tail or []) + '\n')
            owner = sql_identifier(creds['user'])
            self.postgresql.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION %s' % owner,
                                  database=self.database)
            errors = [line for line in (exc.log_tail or []) if 'rror' in line or 'xception' in line]
            raise StackError('The Hive Metastore schema init failed (the database is empty again; log %s): %s'
                             % (self.schema_log_file, (errors or [exc.message])[-1].strip()), service=self.name,
                             log_tail=exc.log_tail)
        with open(self.schema_log_file, 'a') as handle:
            handle.write(output)

    def _thrift_answers(self):
        try:
            return list_databases(self.uri, timeout=5.0) is not None
        except Exception:  # refused, or a server still starting closed the socket mid-call (TTransportException)
            return False

    def healthy(self):
        return self._thrift_answers()

    # -- API ---------------------------------------------------------------------------------------------
    def status(self):
        return service_status(self.name, self._pid(), self.uri, self.healthy)

    def settings(self):
        """What a running metastore must have been started with: a change (heap, version, port, or the generated
        configuration, e.g. new S3 keys or endpoint) restarts it. The configuration is kept as a hash only."""
        creds = self.load_credentials()
        config = None
        if creds:
            text = site_xml(self._properties(creds)) + LOG4J2_PROPERTIES
            config = hashlib.sha256(text.encode('utf-8')).hexdigest()
        return dict(heap_mb=self.heap_mb, version=self.version, port=self.port, config=config)

    def running_settings(self):
        return read_json_file(self.settings_file) or {}

    def start(self):
        if self._pid() and self.healthy() and self.running_settings() == self.settings():
            return False
        if self._pid():
            self.stop()  # a changed heap, version or port is applied by a restart
        for path in (self.work_dir, self.warehouse_dir, os.path.dirname(self.log_file)):
            if not os.path.isdir(path):
                os.makedirs(path, 0o755)
        if not os.path.isdir(self.conf_dir):
            os.makedirs(self.conf_dir, 0o700)
        self._check_build()
        java = self._java()
        if THRIFT_IMPORT_ERROR:
            raise StackError('Checking the Hive Metastore needs %s in the Python that runs Ansible; install it '
                             '(pip install -r requirements.txt).' % HIVE_REQUIREMENT, service=self.name)
        if not self.postgresql.load_credentials():
            raise StackError('The Hive Metastore needs the stack\'s PostgreSQL (%s is missing); start the postgresql '
                             'service first.' % self.postgresql.credentials_file, service=self.name)
        creds = self._ensure_database()
        write_private_file(os.path.join(self.conf_dir, 'metastore-site.xml'), site_xml(self._properties(creds)))
        write_private_file(os.path.join(self.conf_dir, 'metastore-log4j2.properties'), LOG4J2_PROPERTIES)
        found = self.schema_version()
        if found is None:
            self._init_schema(creds)
            found = self.schema_version()
        problem = schema_version_problem(found, self.version)
        if problem:
            raise StackError(problem, service=self.name)
        remove_stale_pid_file(self.pid_file, SERVER_CLASS)
        ensure_port_free('Hive Metastore', self.host, self.port, 'local_stack_hive_metastore_port', service=self.name)
        argv = [java, '-Xmx%dm' % self.heap_mb, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
                '-Dlog4j2.formatMsgNoLookups=true',
                '-Dlog4j2.configurationFile=' + os.path.join(self.conf_dir, 'metastore-log4j2.properties'), '-cp', self._classpath(), SERVER_CLASS]
        spawn(argv, self.log_file, pid_file=self.pid_file, env=self._environment(), cwd=self.work_dir)
        write_private_file(self.settings_file, json.dumps(self.settings()) + '\n')
        await_start('The Hive Metastore', self._thrift_answers, lambda: self._pid() is not None, self.start_timeout, 0.5,
                    'did not answer a Thrift call within %ds' % self.start_timeout, self.log_file, self.log_lines,
                    self.name)
        return True

    def stop(self):
        return stop_by_pid_file(self._pid(), self.pid_file, SERVER_CLASS)

    def facts(self):
        return dict(uri=self.uri, host=self.host, port=self.port, database=self.database, user=self.user,
                    credentials_file=self.credentials_file, log_file=self.log_file,
                    warehouse_dir=self.warehouse_dir, version=self.version)

    def versions(self):
        lib = os.path.join(self.app_dir or '', 'lib')
        out = {}
        if os.path.isdir(lib):
            for name in os.listdir(lib):
                match = re.match(r'hive-standalone-metastore-server-(.+)\.jar$', name)
                if match:
                    out['hive_metastore'] = match.group(1)
                match = re.match(r'hadoop-common-(.+)\.jar$', name)
                if match:
                    out['hadoop'] = match.group(1)
        return out
