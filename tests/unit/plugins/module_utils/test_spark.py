# -*- coding: utf-8 -*-
"""Unit tests of the pure parts of the Spark SQL feature: statement splitting and kinds, changed, error lines, options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark import errors, options, statements
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.errors import SparkSqlError

SEED = """-- Create database in Hive Metastore
CREATE DATABASE IF NOT EXISTS lakehouse;
/* a block; comment */
CREATE TABLE lakehouse.sample_data (id BIGINT, name STRING) USING ICEBERG
TBLPROPERTIES ('write.format.default' = 'parquet');
INSERT INTO lakehouse.sample_data VALUES (1, 'a;b'), (2, "it's");
SELECT `odd;name` FROM lakehouse.sample_data;
"""


def test_split_keeps_semicolons_in_quotes_and_drops_comments():
    found = statements.split_statements(SEED)
    assert len(found) == 4
    assert found[0] == 'CREATE DATABASE IF NOT EXISTS lakehouse'
    assert "'a;b'" in found[2] and '"it\'s"' in found[2]
    assert found[3] == 'SELECT `odd;name` FROM lakehouse.sample_data'
    assert not any('comment' in s or 'Hive' in s for s in found)


def test_split_escaped_quote_and_no_trailing_semicolon():
    assert statements.split_statements("SELECT 'it\\'s;' AS x") == ["SELECT 'it\\'s;' AS x"]


@pytest.mark.parametrize('text', ["SELECT 'open", '/* never closed'])
def test_split_refuses_unclosed(text):
    with pytest.raises(SparkSqlError, match='never closed'):
        statements.split_statements(text)


def test_normalize_refuses_empty():
    with pytest.raises(SparkSqlError, match='no SQL statement'):
        statements.normalize(['-- only a comment'])


@pytest.mark.parametrize('sql, kind, target_type, target', [
    ('SELECT 1', 'read', None, None),
    ('  (SELECT 1)', 'read', None, None),
    ('WITH a AS (SELECT 1) SELECT * FROM a', 'read', None, None),
    ('SHOW TABLES IN lakehouse', 'read', None, None),
    ('SET spark.sql.x = 1', 'session', None, None),
    ('USE lakehouse', 'session', None, None),
    ('CREATE DATABASE IF NOT EXISTS lakehouse', 'write', 'namespace', 'lakehouse'),
    ('DROP NAMESPACE IF EXISTS a.b', 'write', 'namespace', 'a.b'),
    ('CREATE TABLE IF NOT EXISTS lakehouse.t (id INT) USING ICEBERG', 'write', 'table', 'lakehouse.t'),
    ('CREATE OR REPLACE TABLE lakehouse.t AS SELECT 1', 'write', 'table', 'lakehouse.t'),
    ('ALTER TABLE lakehouse . t ADD COLUMN c STRING', 'write', 'table', 'lakehouse.t'),
    ('insert into `lakehouse`.t values (1)', 'write', 'table', '`lakehouse`.t'),
    ('DELETE FROM lakehouse.t WHERE id = 1', 'write', 'table', 'lakehouse.t'),
    ("CALL iceberg.system.rewrite_data_files(table => 'lakehouse.t')", 'call', 'table', 'iceberg.lakehouse.t'),
    ("CALL iceberg.system.expire_snapshots('lakehouse.t', TIMESTAMP '2026-01-01 00:00:00')", 'call', 'table', 'iceberg.lakehouse.t'),
])
def test_classify(sql, kind, target_type, target):
    info = statements.classify(sql)
    assert (info['kind'], info['target_type'], info['target']) == (kind, target_type, target)


def test_check_mode_actions():
    assert statements.check_mode_action(statements.classify('SELECT 1')) == 'run'
    assert statements.check_mode_action(statements.classify('USE x')) == 'run'
    assert statements.check_mode_action(statements.classify('CREATE DATABASE x')) == 'explain'
    assert statements.check_mode_action(statements.classify("CALL c.system.rewrite_manifests('a.t')")) == 'skip'


def test_changed_from_states():
    create = statements.classify('CREATE TABLE IF NOT EXISTS a.t (id INT)')
    assert statements.changed_from_states(create, 'm1.json', 'm1.json', []) is False
    assert statements.changed_from_states(create, '(absent)', 'm1.json', []) is True
    assert statements.changed_from_states(create, None, 'm1.json', []) is True  # unknown: say changed
    assert statements.changed_from_states(statements.classify('SELECT 1'), None, None, [{'a': 1}]) is False
    orphans = statements.classify("CALL c.system.remove_orphan_files(table => 'a.t', dry_run => true)")
    assert statements.changed_from_states(orphans, None, None, [{'orphan_file_location': 's3://x'}]) is False
    orphans = statements.classify("CALL c.system.remove_orphan_files(table => 'a.t')")
    assert statements.changed_from_states(orphans, None, None, [{'orphan_file_location': 's3://x'}]) is True
    assert statements.changed_from_states(orphans, None, None, []) is False


PARSE = """
[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'.(line 1, pos 0)

== SQL ==
SELEC id FROM lakehouse.sample_data
^^^

JVM stacktrace:
org.apache.spark.sql.catalyst.parser.ParseException:
\tat org.apache.spark.sql.catalyst.parser.ParseException.withCommand(ParseDriver.scala:257)
"""
MISSING = """[TABLE_OR_VIEW_NOT_FOUND] The table or view `lakehouse`.`x` cannot be found.; line 1 pos 14;
'Project [*]
+- 'UnresolvedRelation [lakehouse, x], [], false
"""
REFUSED = """An error occurred while calling o87.sql.
: org.apache.iceberg.exceptions.RESTException: Error occurred while processing POST request
\tat org.apache.iceberg.rest.HTTPClient.execute(HTTPClient.java:359)
Caused by: org.apache.hc.client5.http.HttpHostConnectException: Connect to http://127.0.0.1:9 failed: Connection refused
\tat org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator.connect(X.java:1)
"""


@pytest.mark.parametrize('text, expected', [
    (PARSE, "statement 2 failed: [PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'.(line 1, pos 0); fix the SQL syntax; full error in /l.log"),
    (MISSING, 'statement 2 failed: [TABLE_OR_VIEW_NOT_FOUND] The table or view `lakehouse`.`x` cannot be found.; line 1 pos 14; '
              'the table does not exist in the catalog (names without a catalog resolve in spark_catalog_name); full error in /l.log'),
    (REFUSED, 'statement 2 failed: Error occurred while processing POST request; Spark could not reach the catalog at '
              'http://127.0.0.1:9/api/catalog; check catalog_uri and that the service runs; full error in /l.log'),
    ('[NOT_SUPPORTED_CHANGE_COLUMN] ALTER TABLE ALTER/CHANGE COLUMN is not supported; line 1 pos 0; AlterColumn x',
     'statement 2 failed: [NOT_SUPPORTED_CHANGE_COLUMN] ALTER TABLE ALTER/CHANGE COLUMN is not supported; line 1 pos 0; '
     'Iceberg allows only widening type changes (int->bigint, float->double, decimal precision up); full error in /l.log'),
])
def test_describe_spark_error(text, expected):
    line = errors.describe_spark_error(text, 2, 'http://127.0.0.1:9/api/catalog', '/l.log')
    assert line == expected
    assert '\n' not in line and '\tat ' not in line


def test_redact():
    assert errors.redact('id:s3cr3t and s3cr3t', ['s3cr3t', '', None]) == 'id:******** and ********'


PARAMS = {
    'catalog_type': 'rest', 'catalog_uri': 'http://127.0.0.1:8181/api/catalog', 'warehouse': 'cat',
    'client_id': 'id', 'client_secret': 'sec', 'oauth_scope': 'PRINCIPAL_ROLE:ALL', 'realm': 'POLARIS',
    'realm_header': 'Polaris-Realm', 'endpoint_url': 'http://127.0.0.1:7480', 'access_key': 'ak', 'secret_key': 'sk',
    'region': 'us-east-1', 's3_path_style_access': True, 'catalog_properties': {}, 'spark_catalog_name': 'iceberg',
    'spark_master': 'local[2]', 'iceberg_version': '1.10.1', 'spark_packages': [], 'spark_conf': {},
    'spark_cache_dir': '/tmp/c', 'request_checksum_calculation': 'when_required',
}


def test_java_catalog_properties_rest():
    props = options.java_catalog_properties(PARAMS)
    assert props['credential'] == 'id:sec'
    assert props['oauth2-server-uri'] == 'http://127.0.0.1:8181/api/catalog/v1/oauth/tokens'
    assert props['header.Polaris-Realm'] == 'POLARIS'
    assert props['io-impl'] == 'org.apache.iceberg.aws.s3.S3FileIO'
    assert props['s3.path-style-access'] == 'true' and props['s3.endpoint'] == 'http://127.0.0.1:7480'
    assert not any(k.lower() == 'header.x-iceberg-access-delegation' for k in props)
    assert 'py-io-impl' not in props and 's3.force-virtual-addressing' not in props
    asked = dict(PARAMS, catalog_properties={'header.X-Iceberg-Access-Delegation': 'vended-credentials'})
    assert options.java_catalog_properties(asked)['header.X-Iceberg-Access-Delegation'] == 'vended-credentials'


def test_spark_conf_and_packages():
    conf = options.spark_conf(PARAMS, '/tmp/log4j2.properties')
    assert conf['spark.sql.defaultCatalog'] == 'iceberg'
    assert conf['spark.sql.catalog.iceberg'] == 'org.apache.iceberg.spark.SparkCatalog'
    assert conf['spark.jars.packages'] == ('org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.10.1,'
                                           'org.apache.iceberg:iceberg-aws-bundle:1.10.1')
    assert conf['spark.jars.ivy'] == '/tmp/c/ivy'
    assert conf['spark.driver.bindAddress'] == '127.0.0.1'
    assert options.java_environment(PARAMS)['AWS_REQUEST_CHECKSUM_CALCULATION'] == 'when_required'
    assert sorted(options.secrets(PARAMS)) == ['sec', 'sk']


def test_jdbc_url():
    assert options.jdbc_url('postgresql+psycopg://u@127.0.0.1:5544/cat', 'pw') == ('jdbc:postgresql://127.0.0.1:5544/cat', 'u', 'pw')
    with pytest.raises(SparkSqlError, match='not a postgresql URL'):
        options.jdbc_url('sqlite:////tmp/x.db')


@pytest.mark.parametrize('change, message', [
    ({'spark_catalog_name': 'spark_catalog'}, 'built-in session catalog'),
    ({'spark_catalog_name': 'a-b'}, 'SQL identifier'),
    ({'catalog_type': 'hive', 'catalog_uri': 'http://127.0.0.1:9083'}, 'is not a Hive metastore URI; for catalog_type hive use thrift://HOST:PORT'),
    ({'catalog_type': 'hive', 'catalog_uri': 'thrift://127.0.0.1:9083', 'warehouse': 'lakehouse'}, 'needs warehouse s3://BUCKET/PREFIX'),
    ({'iceberg_version': 'latest'}, 'not a version'),
    ({'spark_packages': ['nocolon']}, 'not a Maven coordinate'),
    ({'spark_master': 'spark://host:7077'}, 'only local mode'),
])
def test_validate_refuses(change, message):
    with pytest.raises(SparkSqlError, match=message):
        options.validate(dict(PARAMS, **change))


HIVE = dict(PARAMS, catalog_type='hive', catalog_uri='thrift://127.0.0.1:9083', warehouse='s3://wh/warehouse/',
            client_id=None, client_secret=None, realm=None)


def test_spark_conf_hive_session_catalog_on_the_metastore():
    options.validate(HIVE)
    conf = options.spark_conf(HIVE)
    # Spark's own session catalog is Iceberg's SparkSessionCatalog on the metastore: the seed's two-part names.
    assert 'spark.sql.defaultCatalog' not in conf
    assert conf['spark.sql.catalogImplementation'] == 'hive'
    assert conf['spark.hadoop.hive.metastore.uris'] == 'thrift://127.0.0.1:9083'
    assert conf['spark.sql.catalog.spark_catalog'] == 'org.apache.iceberg.spark.SparkSessionCatalog'
    assert conf['spark.sql.catalog.spark_catalog.type'] == 'hive'
    assert conf['spark.sql.catalog.spark_catalog.uri'] == 'thrift://127.0.0.1:9083'
    assert conf['spark.sql.catalog.spark_catalog.io-impl'] == 'org.apache.iceberg.aws.s3.S3FileIO'
    assert conf['spark.sql.catalog.spark_catalog.s3.secret-access-key'] == 'sk'
    # The named Iceberg catalog reaches the same metastore (CALL iceberg.system... as on Polaris).
    assert conf['spark.sql.catalog.iceberg'] == 'org.apache.iceberg.spark.SparkCatalog'
    assert conf['spark.sql.catalog.iceberg.type'] == 'hive'
    # Databases are created under the warehouse, through S3A on the same endpoint (signature V2 for RGW 16).
    assert conf['spark.sql.warehouse.dir'] == 's3://wh/warehouse'
    assert conf['spark.hadoop.fs.s3.impl'] == 'org.apache.hadoop.fs.s3a.S3AFileSystem'
    assert conf['spark.hadoop.fs.s3a.endpoint'] == 'http://127.0.0.1:7480'
    assert conf['spark.hadoop.fs.s3a.connection.ssl.enabled'] == 'false'
    assert conf['spark.hadoop.fs.s3a.signing-algorithm'] == 'S3SignerType'
    assert conf['spark.hadoop.fs.s3a.secret.key'] == 'sk'
    assert conf['spark.jars.packages'].split(',')[-2:] == ['org.apache.hadoop:hadoop-aws:3.3.4',
                                                           'com.amazonaws:aws-java-sdk-bundle:1.12.262']
    # Spark redacts every secret-looking key of that configuration in its logs.
    import re
    regex = re.compile(conf['spark.redaction.regex'])
    assert all(regex.search(key) for key, value in conf.items() if value in ('sk', 'ak'))


def test_rest_sessions_get_no_hadoop_aws():
    assert 'hadoop-aws' not in options.spark_conf(PARAMS)['spark.jars.packages']
    assert 'spark.sql.catalogImplementation' not in options.spark_conf(PARAMS)


def test_describe_spark_error_metastore_down():
    text = ('An error occurred while calling o67.sql.\n: org.apache.spark.sql.AnalysisException: '
            'java.lang.RuntimeException: Unable to instantiate org.apache.hadoop.hive.ql.metadata.SessionHiveMetaStoreClient'
            '\n\tat org.apache.spark.sql.hive.HiveExternalCatalog.withClient(HiveExternalCatalog.scala:111)\n'
            'Caused by: MetaException(message:Could not connect to meta store using any of the URIs provided.)')
    line = errors.describe_spark_error(text, 1, 'thrift://127.0.0.1:9', '/l.log')
    assert line.startswith('statement 1 failed: ')
    assert 'Spark could not reach the Hive metastore at thrift://127.0.0.1:9; check catalog_uri (thrift://HOST:PORT)' in line
    assert '\n' not in line and '\tat ' not in line
