"""Units of the Hive Metastore service and connection layer: configuration, schema version check, process identity,
facts, ports, and the Thrift client against a closed port (the metastore itself runs in the integration stages)."""
import os
import socket
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils import local_process as lp
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive import client as hive_client
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_hive_metastore import (
    SERVER_CLASS, HiveMetastoreService, schema_version_problem, site_xml,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_postgresql import PostgresqlService
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_services import build_services

CREDS = {'user': 'hive_metastore', 'password': 'p<&>"w'}


def make(tmp_path, **kwargs):
    return HiveMetastoreService(str(tmp_path), app_dir=str(tmp_path / 'build'), java_home=None,
                                postgresql=PostgresqlService(str(tmp_path), port=64544), port=64083, **kwargs)


def test_site_xml_escapes_values_and_keeps_order():
    text = site_xml([('a.b', 'x<y&z'), ('javax.jdo.option.ConnectionPassword', CREDS['password'])])
    root = ET.fromstring(text)
    pairs = [(p.find('name').text, p.find('value').text) for p in root.findall('property')]
    assert pairs == [('a.b', 'x<y&z'), ('javax.jdo.option.ConnectionPassword', 'p<&>"w')]


def test_properties_bind_loopback_and_disable_async_log(tmp_path):
    props = dict(make(tmp_path)._properties(CREDS))
    assert props['metastore.thrift.bind.host'] == '127.0.0.1'
    assert props['metastore.thrift.port'] == '64083'
    assert props['metastore.async.log.enabled'] == 'false'
    assert props['javax.jdo.option.ConnectionURL'] == 'jdbc:postgresql://127.0.0.1:64544/hive_metastore'
    assert 'fs.s3a.endpoint' not in props  # no Ceph: no S3A


class FakeCeph(object):
    def __init__(self, path):
        self.path = path

    def facts(self):
        return {'credentials_file': self.path}


def test_s3a_points_at_the_stack_and_keys_stay_out_of_the_file(tmp_path):
    s3 = tmp_path / 's3.json'
    s3.write_text('{"endpoint_url": "http://127.0.0.1:64480", "access_key": "AK", "secret_key": "SK", '
                  '"region": "us-east-1"}')
    service = make(tmp_path)
    service.ceph = FakeCeph(str(s3))
    props = dict(service._properties(CREDS))
    assert props['fs.s3a.endpoint'] == 'http://127.0.0.1:64480'
    assert props['fs.s3.impl'] == 'org.apache.hadoop.fs.s3a.S3AFileSystem'
    assert props['fs.s3a.signing-algorithm'] == 'S3SignerType'
    assert props['fs.s3a.connection.ssl.enabled'] == 'false'
    assert 'SK' not in site_xml(service._properties(CREDS))
    env = service._environment()
    assert env['AWS_ACCESS_KEY_ID'] == 'AK' and env['AWS_SECRET_ACCESS_KEY'] == 'SK'


def test_schema_version_mismatch_is_one_line_naming_both_versions():
    assert schema_version_problem('4.0.0', '4.0.0') is None
    message = schema_version_problem('3.1.0', '4.0.0')
    assert '\n' not in message and '3.1.0' in message and '4.0.0' in message and '-upgradeSchema' in message


def test_a_missing_build_names_the_role(tmp_path):
    with pytest.raises(lp.StackError) as err:
        make(tmp_path)._check_build()
    assert 'not built' in err.value.message and 'local_stack role' in err.value.message


def test_no_java_names_the_option(tmp_path):
    with pytest.raises(lp.StackError) as err:
        make(tmp_path)._java()
    assert 'local_stack_hive_metastore_java_home' in err.value.message


def test_settings_change_with_the_configuration(tmp_path):
    service = make(tmp_path)
    assert service.settings()['config'] is None
    os.makedirs(os.path.dirname(service.credentials_file))
    lp.write_private_file(service.credentials_file, '{"user": "u", "password": "one"}')
    first = service.settings()
    lp.write_private_file(service.credentials_file, '{"user": "u", "password": "two"}')
    assert service.settings() != first
    assert 'one' not in str(first)  # a hash, not the password


def test_a_metastore_elsewhere_is_not_ours(tmp_path, pid_file_process):
    service = make(tmp_path)
    os.makedirs(service.work_dir)
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    proc = pid_file_process(SERVER_CLASS, elsewhere, service.pid_file)
    assert service.status()['running'] is False
    assert service.stop() is False
    assert proc.poll() is None  # never signalled


def test_our_metastore_is_recognised_and_stopped(tmp_path, pid_file_process):
    service = make(tmp_path)
    os.makedirs(service.work_dir)
    proc = pid_file_process(SERVER_CLASS, service.work_dir, service.pid_file)
    assert service._pid() == proc.pid
    assert service.stop() is True
    assert proc.wait(10) is not None
    assert not os.path.exists(service.pid_file)


def test_facts_name_files_not_secrets(tmp_path):
    facts = make(tmp_path).facts()
    assert facts['uri'] == 'thrift://127.0.0.1:64083'
    assert facts['credentials_file'].endswith('credentials/hive_metastore.json')
    assert not any('password' in key or 'secret' in key for key in facts)


def params(tmp_path, **extra):
    base = dict(state_dir=str(tmp_path), bind_address='127.0.0.1', postgresql_port=64544, postgresql_database='polaris',
                postgresql_user='polaris', start_timeout=5, log_lines=5, rgw_port=64480, ceph_mon_port=64300,
                s3_region='us-east-1', s3_user='lakehouse', osd_size_gib=1, polaris_port=64181,
                polaris_management_port=64182, polaris_realm='POLARIS', polaris_heap_mb=256,
                services=['postgresql', 'ceph', 'hive_metastore'], hive_metastore_port=64083)
    base.update(extra)
    return base


def test_hive_metastore_starts_after_postgresql_and_ceph(tmp_path):
    names = [service.name for service in build_services(params(tmp_path))]
    assert names == ['postgresql', 'ceph', 'hive_metastore']


def test_a_port_of_another_service_is_refused(tmp_path):
    with pytest.raises(lp.StackError) as err:
        build_services(params(tmp_path, hive_metastore_port=64544))
    assert 'postgresql_port' in err.value.message


def test_thrift_uri_is_parsed_or_refused():
    assert hive_client.parse_thrift_uri('thrift://127.0.0.1:64083') == ('127.0.0.1', 64083)
    assert hive_client.parse_thrift_uri('thrift://hms') == ('hms', 9083)
    with pytest.raises(hive_client.MetastoreError) as err:
        hive_client.parse_thrift_uri('http://127.0.0.1:64083')
    assert 'thrift://HOST:PORT' in err.value.message


@pytest.mark.skipif(hive_client.THRIFT_IMPORT_ERROR is not None, reason='thrift (pyiceberg[hive]) not installed')
def test_a_closed_port_is_one_line_naming_the_uri():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    uri = 'thrift://127.0.0.1:%d' % port
    with pytest.raises(hive_client.MetastoreError) as err:
        hive_client.list_databases(uri, timeout=2)
    assert uri in err.value.message and '\n' not in err.value.message


class FakePostgresql(object):
    """Records the SQL the service sends; answers the table count."""

    host, port, credentials_file = '127.0.0.1', 64544, '/nonexistent/postgresql.json'

    def __init__(self, tables=0):
        self.tables = tables
        self.statements = []

    def query(self, sql, database=None):
        self.statements.append((database, sql))
        return str(self.tables) if 'count(*)' in sql else ''


def test_a_failed_schema_init_empties_the_database_again(tmp_path, monkeypatch):
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils import local_stack_hive_metastore as lshm
    service = make(tmp_path)
    service.postgresql = FakePostgresql()
    service.java_home = str(tmp_path / 'jdk')
    os.makedirs(os.path.join(service.java_home, 'bin'))
    java = os.path.join(service.java_home, 'bin', 'java')
    with open(java, 'w') as handle:
        handle.write('#!/bin/sh\n')
    os.chmod(java, 0o755)
    os.makedirs(os.path.dirname(service.schema_log_file))

    def failing_run(argv, **kwargs):
        raise lp.StackError('java exited with status 1', service='hive_metastore',
                            log_tail=['Error: ERROR: permission denied for schema public (state=42501,code=0)'])
    monkeypatch.setattr(lshm, 'run', failing_run)
    with pytest.raises(lp.StackError) as err:
        service._init_schema({'user': 'hive_metastore', 'password': 'x'})
    assert 'the database is empty again' in err.value.message and 'permission denied' in err.value.message
    assert (service.database, 'DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION "hive_metastore"') \
        in service.postgresql.statements


def test_schema_init_refuses_a_database_with_tables_but_no_version(tmp_path):
    service = make(tmp_path)
    service.postgresql = FakePostgresql(tables=12)
    with pytest.raises(lp.StackError) as err:
        service._init_schema({'user': 'hive_metastore', 'password': 'x'})
    assert 'has tables but no schema version' in err.value.message
    assert not any('DROP' in sql for dummy, sql in service.postgresql.statements)  # nothing of it is touched
