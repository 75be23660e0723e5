# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Spark Thrift Server of the local stack: a HiveServer2-compatible JDBC endpoint on the stack's Hive Metastore.

The seed's objective 1.2 checkpoint is `beeline -u jdbc:hive2://localhost:10000 -e "SHOW DATABASES; CREATE DATABASE
test_checkpoint;"`. The Hive standalone metastore has no HiveServer2; Spark's HiveThriftServer2 is one, and the
pyspark wheel (requirements-spark.txt) ships it (spark-hive-thriftserver) and bin/beeline, but no
sbin/start-thriftserver.sh. This service:

* resolves the jars iceberg_spark_sql uses for catalog_type hive (the Iceberg runtime and AWS bundle, hadoop-aws with
  its AWS SDK bundle) into the same Ivy cache, once, and passes them as --jars and --driver-class-path (with
  --packages the session of a JDBC client cannot load SparkSessionCatalog);
* writes the Spark configuration (spark_catalog = Iceberg's SparkSessionCatalog on the metastore, S3 on the stack's
  RGW; the S3 keys are in it, so 0600 and never argv) as a properties file;
* runs spark-submit --class HiveThriftServer2 spark-internal bound to 127.0.0.1:<port>; started means a HiveServer2
  session opens (OpenSession/CloseSession over SASL PLAIN, what beeline does); stop/absent by its PID.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import importlib.util
import json
import os
import sys

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.hiveserver2 import open_and_close_session
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_process import (
    StackError, await_start, ensure_port_free, live_pid_in, read_json_file, remove_stale_pid_file, service_status, run,
    spawn, stop_by_pid_file, write_private_file,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.options import (
    DEFAULT_CACHE_DIR, hive_session_conf, java_catalog_properties, packages, REDACTION_REGEX,
)

SERVER_CLASS = 'org.apache.spark.sql.hive.thriftserver.HiveThriftServer2'
EXTENSIONS = 'org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions'

# Run by the Python that has pyspark: one Spark session that only resolves spark.jars.packages into the Ivy cache
# (what iceberg_spark_sql does on its first call), so that the server gets them as plain jar files.
RESOLVE_SCRIPT = '''
import sys
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master('local[1]').config('spark.jars.packages', sys.argv[1])
         .config('spark.jars.ivy', sys.argv[2]).config('spark.ui.enabled', 'false')
         .config('spark.driver.bindAddress', '127.0.0.1').config('spark.driver.host', '127.0.0.1').getOrCreate())
spark.stop()
'''


def ivy_jar_name(coordinate):
    """The file name Spark's Ivy retrieves a group:artifact:version to (<ivy>/jars/<group>_<artifact>-<version>.jar)."""
    group, artifact, version = coordinate.split(':')
    return '%s_%s-%s.jar' % (group, artifact, version)


def properties_text(conf):
    """A Spark properties file (spark-submit --properties-file), keys sorted."""
    lines = ['# Written by the dataplatform.lakehouse local stack on every start; edits are overwritten.']
    for key in sorted(conf):
        value = str(conf[key]).replace('\\', '\\\\').replace('\n', '\\n')
        lines.append('%s %s' % (key, value))
    return '\n'.join(lines) + '\n'


def find_spark_home(spark_home=None):
    """The pyspark installation of the Python that runs the module (bin/spark-submit, bin/beeline, jars/)."""
    if spark_home:
        return spark_home
    spec = importlib.util.find_spec('pyspark')
    if spec is None or not spec.origin:
        return None
    return os.path.dirname(spec.origin)


class SparkThriftServerService(object):
    name = 'spark_thriftserver'

    def __init__(self, state_dir, hive_metastore, ceph, java_home, host='127.0.0.1', port=10000, heap_mb=1024,
                 warehouse=None, spark_home=None, spark_cache_dir=None, iceberg_version='1.10.1', start_timeout=240,
                 log_lines=20):
        self.state_dir = state_dir
        self.hive_metastore = hive_metastore
        self.ceph = ceph
        self.java_home = java_home
        self.host = host
        self.port = int(port)
        self.heap_mb = int(heap_mb)
        self.spark_home = find_spark_home(spark_home)
        self.spark_cache_dir = os.path.expanduser(spark_cache_dir or DEFAULT_CACHE_DIR)
        self.iceberg_version = iceberg_version
        self.start_timeout = start_timeout
        self.log_lines = log_lines
        self.work_dir = os.path.join(os.path.abspath(state_dir), 'spark_thriftserver')
        self.conf_file = os.path.join(self.work_dir, 'spark-thriftserver.properties')
        self.pid_file = os.path.join(self.work_dir, 'spark_thriftserver.pid')
        self.settings_file = os.path.join(self.work_dir, 'settings.json')
        self.log_file = os.path.join(state_dir, 'logs', 'spark_thriftserver.log')
        self.facts_file = os.path.join(state_dir, 'credentials', 'spark_thriftserver.json')
        # Databases created without a LOCATION go here: the metastore's own warehouse unless an s3:// one is given.
        self.warehouse = warehouse or 'file://' + hive_metastore.warehouse_dir
        self.jdbc_url = 'jdbc:hive2://%s:%d/default' % (host, self.port)

    # -- helpers ---------------------------------------------------------------------------------------
    def _pid(self):
        return live_pid_in(self.pid_file, SERVER_CLASS, self.work_dir)

    def _java(self):
        java = os.path.join(self.java_home or '', 'bin', 'java')
        if not self.java_home or not os.access(java, os.X_OK):
            raise StackError('No Java 17 runtime for the Spark Thrift Server at %s; install one '
                             '(openjdk-17-jre-headless) and set local_stack_hive_metastore_java_home.'
                             % (self.java_home or 'hive_metastore_java_home (unset)'), service=self.name)
        return java

    def _catalog_params(self):
        s3 = read_json_file(self.ceph.facts()['credentials_file']) if self.ceph is not None else None
        params = dict(catalog_type='hive', catalog_uri=self.hive_metastore.uri, warehouse=self.warehouse,
                      iceberg_version=self.iceberg_version, s3_path_style_access=True)
        if s3:
            params.update(endpoint_url=s3['endpoint_url'], access_key=s3['access_key'], secret_key=s3['secret_key'],
                          region=s3.get('region') or 'us-east-1')
        return params

    def jars(self):
        ivy_jars = os.path.join(self.spark_cache_dir, 'ivy', 'jars')
        return [os.path.join(ivy_jars, ivy_jar_name(c)) for c in packages(self._catalog_params())]

    def spark_conf(self):
        """Every Spark configuration entry of the server (the S3 keys included: the file is 0600)."""
        params = self._catalog_params()
        catalog = java_catalog_properties(params)
        # Tables of a database on the metastore's local warehouse and of one on s3:// in the same catalog.
        catalog['io-impl'] = 'org.apache.iceberg.io.ResolvingFileIO'
        conf = hive_session_conf(params, catalog)
        conf.update({
            'spark.master': 'local[2]',
            'spark.app.name': 'dataplatform.lakehouse spark_thriftserver',
            'spark.driver.memory': '%dm' % self.heap_mb,
            'spark.driver.bindAddress': self.host,
            'spark.driver.host': self.host,
            'spark.ui.enabled': 'false',
            'spark.sql.extensions': EXTENSIONS,
            'spark.sql.shuffle.partitions': '4',
            'spark.sql.session.timeZone': 'UTC',
            'spark.local.dir': os.path.join(self.work_dir, 'tmp'),
            'spark.redaction.regex': REDACTION_REGEX,
        })
        return conf

    def _environment(self):
        env = dict(os.environ)
        for name in ('SPARK_CONF_DIR', 'HADOOP_CONF_DIR', 'HIVE_CONF_DIR', 'CLASSPATH', 'PYSPARK_SUBMIT_ARGS'):
            env.pop(name, None)
        env.update({'JAVA_HOME': self.java_home or '', 'SPARK_HOME': self.spark_home or '',
                    'SPARK_LOCAL_IP': self.host, 'AWS_REQUEST_CHECKSUM_CALCULATION': 'when_required',
                    'AWS_RESPONSE_CHECKSUM_VALIDATION': 'when_required', 'AWS_EC2_METADATA_DISABLED': 'true',
                    'PYSPARK_PYTHON': sys.executable})
        return env

    def _resolve_jars(self):
        """Resolve the packages into the Ivy cache when a jar is missing (Maven Central the first time)."""
        if all(os.path.exists(jar) for jar in self.jars()):
            return
        ivy = os.path.join(self.spark_cache_dir, 'ivy')
        if not os.path.isdir(ivy):
            os.makedirs(ivy, 0o755)
        run([sys.executable, '-c', RESOLVE_SCRIPT, ','.join(packages(self._catalog_params())), ivy],
            env=self._environment(), timeout=900, service=self.name, cwd=self.work_dir)
        missing = [jar for jar in self.jars() if not os.path.exists(jar)]
        if missing:
            raise StackError('The Spark Thrift Server\'s jars were not resolved into %s (missing %s); check that '
                             'Maven Central is reachable.' % (ivy, ', '.join(missing)), service=self.name)

    def _session_answers(self):
        try:
            return open_and_close_session(self.host, self.port, timeout=10.0) is not None
        except Exception:  # refused while starting, or a session that failed: not ready
            return False

    def healthy(self):
        return self._session_answers()

    # -- API ---------------------------------------------------------------------------------------------
    def status(self):
        return service_status(self.name, self._pid(), self.jdbc_url, self.healthy)

    def settings(self):
        text = properties_text(self.spark_conf()) + '\n'.join(self.jars())
        return dict(heap_mb=self.heap_mb, port=self.port,
                    config=hashlib.sha256(text.encode('utf-8')).hexdigest())

    def running_settings(self):
        return read_json_file(self.settings_file) or {}

    def start(self):
        if self._pid() and self.healthy() and self.running_settings() == self.settings():
            return False
        if self._pid():
            self.stop()
        for path in (self.work_dir, os.path.join(self.work_dir, 'tmp'), os.path.dirname(self.log_file)):
            if not os.path.isdir(path):
                os.makedirs(path, 0o755)
        if not self.spark_home or not os.access(os.path.join(self.spark_home, 'bin', 'spark-submit'), os.X_OK):
            raise StackError('The Spark Thrift Server needs pyspark (pip install -r requirements-spark.txt) in the '
                             'Python that runs Ansible (%s), or spark_thriftserver_spark_home.' % sys.executable,
                             service=self.name)
        self._java()
        if not self.hive_metastore.healthy():
            raise StackError('The Spark Thrift Server needs the Hive Metastore at %s, which does not answer; start '
                             'the hive_metastore service first.' % self.hive_metastore.uri, service=self.name)
        self._resolve_jars()
        jars = self.jars()
        write_private_file(self.conf_file, properties_text(self.spark_conf()))
        cred_dir = os.path.dirname(self.facts_file)
        if not os.path.isdir(cred_dir):
            os.makedirs(cred_dir, 0o700)
        write_private_file(self.facts_file, json.dumps(self.facts(), indent=2) + '\n')
        remove_stale_pid_file(self.pid_file, SERVER_CLASS)
        ensure_port_free('Spark Thrift Server', self.host, self.port, 'local_stack_spark_thriftserver_port',
                         service=self.name)
        argv = [os.path.join(self.spark_home, 'bin', 'spark-submit'), '--properties-file', self.conf_file,
                '--class', SERVER_CLASS, '--name', 'dataplatform.lakehouse spark_thriftserver',
                '--jars', ','.join(jars), '--driver-class-path', ':'.join(jars),
                '--hiveconf', 'hive.server2.thrift.bind.host=%s' % self.host,
                '--hiveconf', 'hive.server2.thrift.port=%d' % self.port,
                'spark-internal']
        spawn(argv, self.log_file, pid_file=self.pid_file, env=self._environment(), cwd=self.work_dir)
        write_private_file(self.settings_file, json.dumps(self.settings()) + '\n')
        await_start('The Spark Thrift Server', self._session_answers, lambda: self._pid() is not None,
                    self.start_timeout, 0.5, 'did not open a HiveServer2 session within %ds' % self.start_timeout,
                    self.log_file, self.log_lines, self.name)
        return True

    def stop(self):
        return stop_by_pid_file(self._pid(), self.pid_file, SERVER_CLASS)

    def facts(self):
        return dict(jdbc_url=self.jdbc_url, host=self.host, port=self.port, warehouse=self.warehouse,
                    beeline=os.path.join(self.spark_home, 'bin', 'beeline') if self.spark_home else None,
                    java_home=self.java_home, log_file=self.log_file, hive_metastore_uri=self.hive_metastore.uri)

    def versions(self):
        out = {}
        if self.spark_home and os.path.isdir(os.path.join(self.spark_home, 'jars')):
            for name in os.listdir(os.path.join(self.spark_home, 'jars')):
                if name.startswith('spark-hive-thriftserver_') and name.endswith('.jar'):
                    out['spark_thriftserver'] = name.rsplit('-', 1)[-1][:-len('.jar')]
        return out
