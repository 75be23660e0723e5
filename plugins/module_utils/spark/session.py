# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Spark connection layer: the guarded pyspark import (SPARK_REQUIREMENT), one local-mode session per module
run configured from options.py, the log file that gets everything the JVM prints, and rows made JSON-safe.

One session per call: start-up (JVM, Ivy resolution from the cache, catalog) is the larger part of a short
call's time (11-21 s), so give one call many statements rather than many calls one statement.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import decimal
import glob
import os
import re
import shutil
import time
import traceback

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.errors import SparkSqlError, redact
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.options import (
    LOG4J2_TEMPLATE,
    cache_paths,
    java_environment,
    secrets,
    spark_conf,
)

PYSPARK_IMPORT_ERROR = None
try:
    from pyspark.sql import SparkSession
    import pyspark
except ImportError:
    PYSPARK_IMPORT_ERROR = traceback.format_exc()

# For LakehouseModule(requirements=[SPARK_REQUIREMENT]).
SPARK_REQUIREMENT = ('pyspark >= 3.5.9, < 3.6 (requirements-spark.txt)', PYSPARK_IMPORT_ERROR)
KEEP_LOGS = 20


class SparkRun(object):
    """A local Spark session for one module run, its log file, and helpers to run SQL on it."""

    def __init__(self, params):
        self.params = params
        self.secrets = secrets(params)
        self.spark = None
        ivy_dir, log_dir, work_dir = cache_paths(params)
        for path in (ivy_dir, log_dir, work_dir):
            os.makedirs(path, exist_ok=True)
        _prune_logs(log_dir)
        stamp = time.strftime('%Y%m%dT%H%M%S', time.gmtime())
        self.log_file = os.path.join(log_dir, 'iceberg_spark_sql-%s-%d.log' % (stamp, os.getpid()))
        self.log4j_file = os.path.join(work_dir, 'log4j2-%d.properties' % os.getpid())
        self.start_seconds = None

    # ------------------------------------------------------------------ log
    def log(self, text):
        with open(self.log_file, 'a') as handle:
            handle.write(redact(text, self.secrets).rstrip('\n') + '\n')

    # ------------------------------------------------------------------ session
    def start(self):
        java = _find_java(self.params.get('java_home'))
        if not java:
            raise SparkSqlError('Java was not found (JAVA_HOME/bin/java or java on PATH): Spark needs Java 17; '
                                'install openjdk-17-jre-headless or set java_home.')
        with open(self.log4j_file, 'w') as handle:
            handle.write(LOG4J2_TEMPLATE % self.log_file)
        os.environ.update(java_environment(self.params))
        builder = SparkSession.builder
        for key, value in spark_conf(self.params, self.log4j_file).items():
            builder = builder.config(key, value)
        self.log('== iceberg_spark_sql: pyspark %s, packages %s' % (
            pyspark.__version__, spark_conf(self.params)['spark.jars.packages']))
        started = time.monotonic()
        # The JVM (spark-submit, Ivy) inherits stdout and stderr: point them at the log file while it starts, so
        # nothing but the module's JSON reaches Ansible and the JVM's own output stays in the log.
        saved = [os.dup(1), os.dup(2)]
        log_fd = os.open(self.log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.dup2(log_fd, 1)
            os.dup2(log_fd, 2)
            try:
                self.spark = builder.getOrCreate()
            except Exception as exc:
                failure = exc
            else:
                failure = None
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved + [log_fd]:
                os.close(fd)
        if failure is not None:
            self.log('== session start failed: %s' % failure)
            raise SparkSqlError('starting Spark failed: %s; full output in %s' % (
                _start_failure_reason(self.log_file, failure), self.log_file), log_file=self.log_file)
        self.start_seconds = round(time.monotonic() - started, 3)
        self.spark.sparkContext.setLogLevel('WARN')
        return self

    def stop(self):
        if self.spark is not None:
            try:
                self.spark.stop()
            except Exception:  # pragma: no cover - the JVM exits with this process anyway
                pass
            self.spark = None
        try:
            os.unlink(self.log4j_file)
        except OSError:
            pass

    @property
    def spark_version(self):
        return self.spark.version if self.spark is not None else None

    # ------------------------------------------------------------------ SQL
    def sql(self, statement, max_rows):
        """(columns, rows, limited) of one statement (writes run eagerly; reads are collected up to max_rows)."""
        frame = self.spark.sql(statement)
        columns = list(frame.columns)
        if not columns:
            return columns, [], False
        collected = frame.limit(max_rows + 1).collect() if max_rows >= 0 else frame.collect()
        limited = max_rows >= 0 and len(collected) > max_rows
        rows = [json_row(row) for row in (collected[:max_rows] if max_rows >= 0 else collected)]
        return columns, rows, limited

    def scalar(self, statement):
        rows = self.spark.sql(statement).collect()
        return rows[0][0] if rows else None


def error_text(exc):
    """The whole text of a pyspark/Py4J exception, Java stack trace included (for the log file)."""
    text = '%s' % (exc,)
    # pyspark 3.5's CapturedException (AnalysisException, ParseException) keeps the JVM trace in stackTrace; its
    # str() has it only with spark.sql.pyspark.jvmStacktrace.enabled.
    trace = getattr(exc, 'stackTrace', None) or getattr(exc, '_stackTrace', None) or ''
    if not isinstance(trace, str):
        trace = ''
    if trace and trace not in text:
        text = '%s\nJVM stacktrace:\n%s' % (text, trace)
    java = getattr(exc, 'java_exception', None)
    if java is not None and 'Caused by' not in text:
        try:
            text = '%s\n%s' % (text, java.toString())
        except Exception:  # pragma: no cover
            pass
    return text


def json_value(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode('ascii')
    if isinstance(value, dict):
        return dict((str(k), json_value(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if hasattr(value, 'asDict'):
        return json_value(value.asDict(recursive=True))
    return value


def json_row(row):
    return json_value(row.asDict(recursive=True))


def _find_java(java_home):
    if java_home:
        candidate = os.path.join(java_home, 'bin', 'java')
        return candidate if os.access(candidate, os.X_OK) else None
    return shutil.which('java')


def _prune_logs(log_dir):
    logs = sorted(glob.glob(os.path.join(log_dir, 'iceberg_spark_sql-*.log')))
    for old in logs[:-KEEP_LOGS]:
        try:
            os.unlink(old)
        except OSError:
            pass


def _start_failure_reason(log_file, exc):
    """The line of the JVM's output that says why the session did not start (Ivy, Java, memory)."""
    try:
        with open(log_file, errors='replace') as handle:
            lines = handle.read().splitlines()
    except OSError:
        lines = []
    for pattern in (r'unresolved dependency.*', r'not found: .*', r'Error: .*', r'Exception in thread .*',
                    r'java\.\S*Exception: .*'):
        for line in lines:
            match = re.search(pattern, line)
            if match:
                return one_line(match.group(0), 300)
    return one_line(exc, 300)
