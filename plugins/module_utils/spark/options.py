# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Spark connection options and the Spark configuration built from them, pure (imports no pyspark).

The catalog options ARE the Iceberg layer's (iceberg/options.py iceberg_catalog_argument_spec(), with its S3
options): the same facts (lakehouse_catalog, lakehouse_s3) reach PyIceberg and Spark. What is Spark's own is the
session (master, memory, the jars from Maven Central, their Ivy cache, the log file) and the name of the catalog
inside Spark. Documented by plugins/doc_fragments/spark.py (after the iceberg and s3 fragments).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import (
    catalog_properties,
    iceberg_catalog_argument_spec,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.errors import SparkSqlError

# The Spark line the pinned pyspark is (requirements-spark.txt), and its Scala: the runtime jar's name has both.
SPARK_LINE = '3.5'
SCALA_VERSION = '2.12'
# The Iceberg version of the Java jars: the one Polaris 1.4.1 is built with and Maven Central serves for Spark 3.5.
DEFAULT_ICEBERG_VERSION = '1.10.1'
DEFAULT_CACHE_DIR = '~/.cache/dataplatform-lakehouse/spark'
# The Hadoop the pyspark wheel bundles (hadoop-client-api/-runtime 3.3.4): hadoop-aws must be the same version
# (3.3.6 fails with NoClassDefFoundError .../fs/impl/prefetch/PrefetchingStatistics), with the AWS SDK bundle it
# declares. Only catalog_type hive needs them: Spark's session catalog qualifies every database location through
# Hadoop's FileSystem, so CREATE DATABASE under an s3:// warehouse needs S3A on Spark's side.
SPARK_HADOOP_VERSION = '3.3.4'
HADOOP_AWS_PACKAGES = ('org.apache.hadoop:hadoop-aws:%s' % SPARK_HADOOP_VERSION,
                       'com.amazonaws:aws-java-sdk-bundle:1.12.262')
SESSION_CATALOG = 'org.apache.iceberg.spark.SparkSessionCatalog'
EXTENSIONS = 'org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions'
# Spark redacts configuration values whose KEY matches this in its logs and UI; Iceberg's `credential` and
# `s3.secret-access-key` must be covered too (Spark's default misses `credential`).
REDACTION_REGEX = r'(?i)secret|password|token|credential|access[.-]?key'


def spark_argument_spec():
    """The Iceberg catalog + S3 options, plus the Spark session's own (doc fragment dataplatform.lakehouse.spark)."""
    spec = iceberg_catalog_argument_spec()
    spec.update(
        spark_catalog_name=dict(type='str', default='iceberg'),
        spark_master=dict(type='str', default='local[2]'),
        spark_driver_memory=dict(type='str', default='1g'),
        iceberg_version=dict(type='str', default=DEFAULT_ICEBERG_VERSION),
        spark_packages=dict(type='list', elements='str', default=[]),
        spark_conf=dict(type='dict', default={}),
        spark_cache_dir=dict(type='path', default=DEFAULT_CACHE_DIR,
                             fallback=(env_fallback, ['LAKEHOUSE_SPARK_CACHE_DIR'])),
        java_home=dict(type='path', fallback=(env_fallback, ['JAVA_HOME'])),
    )
    return spec


_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
_VERSION = re.compile(r'^\d+\.\d+\.\d+(?:[-.][0-9A-Za-z.]+)?$')
_COORDINATE = re.compile(r'^[\w.-]+:[\w.-]+:[\w.-]+$')


def validate(params):
    """Refuse bad Spark options before a JVM is started (one line each)."""
    name = params.get('spark_catalog_name') or ''
    if not _NAME.match(name):
        raise SparkSqlError('spark_catalog_name %r is refused: use letters, digits and "_" (it is an SQL identifier).' % name)
    if name.lower() == 'spark_catalog':
        raise SparkSqlError('spark_catalog_name spark_catalog is refused: it is Spark\'s built-in session catalog; '
                            'choose another name (default iceberg).')
    if params.get('catalog_type') == 'hive':
        # The same thrift://HOST:PORT rule (and message) as iceberg_table's.
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import hive_uri_problem
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError
        try:
            hive_uri_problem(params.get('catalog_uri'))
        except IcebergModuleError as exc:
            raise SparkSqlError(exc.message)
        if not re.match(r'^s3a?://[^/]+', params.get('warehouse') or ''):
            raise SparkSqlError('catalog_type hive needs warehouse s3://BUCKET/PREFIX (%r given): Spark creates the '
                                'databases of the metastore under it (<warehouse>/<database>.db).'
                                % (params.get('warehouse'),))
    if not _VERSION.match(params.get('iceberg_version') or ''):
        raise SparkSqlError('iceberg_version %r is not a version such as %s.'
                            % (params.get('iceberg_version'), DEFAULT_ICEBERG_VERSION))
    for coordinate in params.get('spark_packages') or []:
        if not _COORDINATE.match(coordinate):
            raise SparkSqlError('spark_packages entry %r is not a Maven coordinate group:artifact:version.' % coordinate)
    if not re.match(r'^local(\[(\d+|\*)\])?$', params.get('spark_master') or ''):
        raise SparkSqlError('spark_master %r is refused: only local mode (local, local[N], local[*]) is supported.'
                            % params.get('spark_master'))


def packages(params):
    """The Maven coordinates Spark resolves (Ivy): the Iceberg runtime, the AWS bundle (S3FileIO), extras."""
    version = params.get('iceberg_version') or DEFAULT_ICEBERG_VERSION
    coords = ['org.apache.iceberg:iceberg-spark-runtime-%s_%s:%s' % (SPARK_LINE, SCALA_VERSION, version),
              'org.apache.iceberg:iceberg-aws-bundle:%s' % version]
    if params.get('catalog_type') == 'sql':
        coords.append('org.postgresql:postgresql:42.7.4')
    if params.get('catalog_type') == 'hive':
        coords.extend(HADOOP_AWS_PACKAGES)
    coords.extend(params.get('spark_packages') or [])
    return coords


def cache_paths(params):
    """(ivy dir, log dir, work dir) under spark_cache_dir (expanded)."""
    root = os.path.expanduser(params.get('spark_cache_dir') or DEFAULT_CACHE_DIR)
    return os.path.join(root, 'ivy'), os.path.join(root, 'logs'), os.path.join(root, 'work')


def java_catalog_properties(params):
    """The Iceberg Java catalog properties (SparkCatalog) for the connection options; secrets included.

    Built from the Iceberg layer's catalog_properties() (the same credential, scope, token endpoint and realm
    header rules as PyIceberg), translated to the Java names: S3FileIO instead of pyarrow, path-style access as
    s3.path-style-access, the region as client.region, and NO access-delegation header unless the user asks for
    one in catalog_properties (Iceberg Java sends none by default; Polaris on RGW has no credentials to vend).
    """
    props = catalog_properties(params)
    java = {}
    for key, value in props.items():
        if key in ('py-io-impl', 's3.force-virtual-addressing', 's3.region', 's3.connect-timeout',
                   's3.request-timeout', 'init_catalog_tables'):
            continue
        if key.lower() == 'header.x-iceberg-access-delegation' and not value:
            continue
        java[key] = value
    ctype = params.get('catalog_type') or 'rest'
    if ctype == 'sql':
        # Iceberg's JDBC catalog: the SQLAlchemy URL of PyIceberg's SQL catalog as a JDBC URL, same tables
        # (iceberg_tables / iceberg_namespace_properties), so both engines see the same catalog.
        java['type'] = 'jdbc'
        java['uri'], user, password = jdbc_url(params.get('catalog_uri'), params.get('catalog_password'))
        if user:
            java['jdbc.user'] = user
        if password:
            java['jdbc.password'] = password
        java['jdbc.schema-version'] = 'V1'
        java['catalog-name'] = params.get('catalog_name') or 'lakehouse'
    java['io-impl'] = 'org.apache.iceberg.aws.s3.S3FileIO'
    java['s3.path-style-access'] = 'true' if params.get('s3_path_style_access', True) else 'false'
    java['client.region'] = params.get('region') or 'us-east-1'
    # Reads must see commits of other engines made between statements (PyIceberg, another Spark).
    java['cache-enabled'] = 'false'
    return java


def jdbc_url(uri, password=None):
    """(jdbc url, user, password) of a postgresql SQLAlchemy URL (the SQL catalog on PostgreSQL)."""
    match = re.match(r'^postgresql(?:\+\w+)?://(?:([^:@/]+)(?::([^@/]*))?@)?([^/:]+)(?::(\d+))?/([^?]+)', uri or '')
    if not match:
        raise SparkSqlError('catalog_type sql: catalog_uri %r is not a postgresql URL (Spark reaches the SQL catalog '
                            'through Iceberg\'s JDBC catalog; SQLite is PyIceberg-only).' % _hide_password(uri))
    user, url_password, host, port, database = match.groups()
    return ('jdbc:postgresql://%s:%s/%s' % (host, port or '5432', database), user, password or url_password)


def _hide_password(uri):
    return re.sub(r'(://[^:@/]+:)[^@/]*@', r'\1********@', uri or '')


def spark_conf(params, log4j_file=None):
    """Every Spark configuration entry of the session (secrets included: never log the result)."""
    name = params.get('spark_catalog_name') or 'iceberg'
    ivy_dir, _log_dir, work_dir = cache_paths(params)
    prefix = 'spark.sql.catalog.%s' % name
    conf = {
        'spark.master': params.get('spark_master') or 'local[2]',
        'spark.app.name': 'dataplatform.lakehouse.iceberg_spark_sql',
        'spark.driver.memory': params.get('spark_driver_memory') or '1g',
        'spark.jars.packages': ','.join(packages(params)),
        'spark.jars.ivy': ivy_dir,
        'spark.sql.extensions': EXTENSIONS,
        prefix: 'org.apache.iceberg.spark.SparkCatalog',
        # Two-part names (lakehouse.sample_data) are namespace.table in this catalog, as the seed writes them.
        'spark.sql.defaultCatalog': name,
        'spark.ui.enabled': 'false',
        'spark.ui.showConsoleProgress': 'false',
        'spark.sql.shuffle.partitions': '4',
        'spark.driver.bindAddress': '127.0.0.1',
        'spark.driver.host': '127.0.0.1',
        'spark.local.dir': work_dir,
        'spark.sql.warehouse.dir': os.path.join(work_dir, 'spark-warehouse'),
        'spark.redaction.regex': REDACTION_REGEX,
        'spark.sql.session.timeZone': 'UTC',
    }
    catalog = java_catalog_properties(params)
    for key, value in catalog.items():
        conf['%s.%s' % (prefix, key)] = value
    if params.get('catalog_type') == 'hive':
        conf.update(hive_session_conf(params, catalog))
        # Spark's own session catalog is the seed's: two-part names resolve in spark_catalog (HMS); the Iceberg
        # catalog <spark_catalog_name> reaches the same metastore (CALL <name>.system... works as on Polaris).
        del conf['spark.sql.defaultCatalog']
    if log4j_file:
        conf['spark.driver.extraJavaOptions'] = '-Dlog4j2.configurationFile=file:%s' % log4j_file
    for key, value in (params.get('spark_conf') or {}).items():
        conf[str(key)] = str(value).lower() if isinstance(value, bool) else str(value)
    return conf


def hive_session_conf(params, catalog):
    """Spark on a Hive metastore: the session catalog is Hive's (spark.sql.catalogImplementation hive, the
    metastore URI) wrapped by Iceberg's SparkSessionCatalog with the same catalog properties (Iceberg tables through
    Iceberg, other tables through Spark's Hive client); S3A (hadoop-aws) on the same S3 endpoint and keys for the
    database locations Spark qualifies, s3:// mapped to S3A as the metastore maps it."""
    uri = params['catalog_uri']
    endpoint = params.get('endpoint_url')
    conf = {
        'spark.sql.catalogImplementation': 'hive',
        'spark.hadoop.hive.metastore.uris': uri,
        # A metastore that is down fails the statement after one retry (the Hive 2.3 client's default is 3 x 1 s).
        'spark.hadoop.hive.metastore.connect.retries': '1',
        'spark.sql.warehouse.dir': params['warehouse'].rstrip('/'),
        'spark.sql.catalog.spark_catalog': SESSION_CATALOG,
        'spark.hadoop.fs.s3.impl': 'org.apache.hadoop.fs.s3a.S3AFileSystem',
        'spark.hadoop.fs.s3a.path.style.access': 'true' if params.get('s3_path_style_access', True) else 'false',
        'spark.hadoop.fs.s3a.endpoint.region': params.get('region') or 'us-east-1',
        # Ceph RGW 16.2 refuses the AWS SDK 1.12's aws-chunked uploads over plain HTTP (docs/hive-metastore.md).
        'spark.hadoop.fs.s3a.signing-algorithm': 'S3SignerType',
    }
    for key, value in catalog.items():
        conf['spark.sql.catalog.spark_catalog.%s' % key] = value
    if endpoint:
        conf['spark.hadoop.fs.s3a.endpoint'] = endpoint
        conf['spark.hadoop.fs.s3a.connection.ssl.enabled'] = 'true' if endpoint.startswith('https:') else 'false'
    if params.get('access_key') and params.get('secret_key'):
        conf['spark.hadoop.fs.s3a.aws.credentials.provider'] = 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider'
        conf['spark.hadoop.fs.s3a.access.key'] = params['access_key']
        conf['spark.hadoop.fs.s3a.secret.key'] = params['secret_key']
    return conf


def secrets(params):
    """The secret values of the options (for redacting error texts before they reach the log file)."""
    return [params.get(key) for key in ('client_secret', 'secret_key', 'token', 'catalog_password') if params.get(key)]


def java_environment(params):
    """Environment of the JVM: the AWS SDK v2 checksum settings (Ceph RGW 16 needs when_required), JAVA_HOME."""
    env = {}
    for option, var in (('request_checksum_calculation', 'AWS_REQUEST_CHECKSUM_CALCULATION'),
                        ('response_checksum_validation', 'AWS_RESPONSE_CHECKSUM_VALIDATION')):
        if params.get(option):
            env[var] = params[option]
    env['AWS_EC2_METADATA_DISABLED'] = 'true'
    env['AWS_REGION'] = params.get('region') or 'us-east-1'
    if params.get('java_home'):
        env['JAVA_HOME'] = params['java_home']
    return env


LOG4J2_TEMPLATE = '''# Written by dataplatform.lakehouse iceberg_spark_sql: Spark's own log goes to a file, never to the task output.
rootLogger.level = warn
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = %s
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %%d{yyyy-MM-dd'T'HH:mm:ss.SSS} %%p %%c{1}: %%m%%n%%ex
logger.netty.name = org.apache.spark.network
logger.netty.level = error
'''
