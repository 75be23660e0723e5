"""Units of the Spark Thrift Server service and the HiveServer2 session check: the server's configuration (no secret
in argv, loopback, the session catalog on the metastore), jar names, service order and ports, the refusal to start
without a metastore, and the TCLIService encoding against a real socket server speaking SASL PLAIN (the Thrift
server itself runs in the integration target iceberg_spark_sql_hive)."""
import socket
import struct
import threading

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils import local_process as lp
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive import hiveserver2 as hs2
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_services import build_services
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_spark_thriftserver import (
    SparkThriftServerService, ivy_jar_name, properties_text,
)

from thrift.Thrift import TMessageType, TType
from thrift.protocol import TBinaryProtocol
from thrift.transport import TTransport


class FakeHms(object):
    uri = 'thrift://127.0.0.1:64083'
    warehouse_dir = '/state/hive_metastore/warehouse'

    def __init__(self, answers=True):
        self.answers = answers

    def healthy(self):
        return self.answers


class FakeCeph(object):
    def __init__(self, path):
        self.path = path

    def facts(self):
        return {'credentials_file': self.path}


def make(tmp_path, hms=None, **kwargs):
    s3 = tmp_path / 's3.json'
    s3.write_text('{"endpoint_url": "http://127.0.0.1:64480", "access_key": "AK1234", "secret_key": "SK1234", '
                  '"region": "us-east-1"}')
    return SparkThriftServerService(str(tmp_path), hive_metastore=hms or FakeHms(), ceph=FakeCeph(str(s3)),
                                    java_home='/nonexistent-java', port=64000, spark_home=str(tmp_path / 'pyspark'),
                                    spark_cache_dir=str(tmp_path / 'spark'), **kwargs)


def test_conf_session_catalog_on_the_metastore_local_warehouse_by_default(tmp_path):
    conf = make(tmp_path).spark_conf()
    assert conf['spark.sql.catalog.spark_catalog'] == 'org.apache.iceberg.spark.SparkSessionCatalog'
    assert conf['spark.sql.catalog.spark_catalog.uri'] == 'thrift://127.0.0.1:64083'
    assert conf['spark.hadoop.hive.metastore.uris'] == 'thrift://127.0.0.1:64083'
    assert conf['spark.sql.warehouse.dir'] == 'file:///state/hive_metastore/warehouse'
    # A local database's tables and an s3:// one's in the same catalog.
    assert conf['spark.sql.catalog.spark_catalog.io-impl'] == 'org.apache.iceberg.io.ResolvingFileIO'
    assert conf['spark.driver.bindAddress'] == '127.0.0.1'
    assert conf['spark.hadoop.fs.s3a.endpoint'] == 'http://127.0.0.1:64480'
    assert make(tmp_path, warehouse='s3://lake/wh').spark_conf()['spark.sql.warehouse.dir'] == 's3://lake/wh'


def test_properties_file_format():
    assert properties_text({'b': 'x\\y', 'a': '1'}).splitlines()[1:] == ['a 1', 'b x\\\\y']


def test_jars_are_the_ivy_retrieved_files(tmp_path):
    names = [jar.rsplit('/', 1)[-1] for jar in make(tmp_path).jars()]
    assert names == ['org.apache.iceberg_iceberg-spark-runtime-3.5_2.12-1.10.1.jar',
                     'org.apache.iceberg_iceberg-aws-bundle-1.10.1.jar',
                     'org.apache.hadoop_hadoop-aws-3.3.4.jar',
                     'com.amazonaws_aws-java-sdk-bundle-1.12.262.jar']
    assert ivy_jar_name('g.h:a:1.0') == 'g.h_a-1.0.jar'


def test_settings_change_with_the_port_or_keys(tmp_path):
    one = make(tmp_path).settings()
    assert make(tmp_path).settings() == one
    other = make(tmp_path)
    other.port = 64001
    assert other.settings() != one


def test_start_refuses_without_pyspark_or_a_metastore(tmp_path):
    with pytest.raises(lp.StackError, match='needs pyspark'):
        make(tmp_path).start()
    bin_dir = tmp_path / 'pyspark' / 'bin'
    bin_dir.mkdir(parents=True)
    (bin_dir / 'spark-submit').write_text('#!/bin/sh\n')
    (bin_dir / 'spark-submit').chmod(0o755)
    java = tmp_path / 'java' / 'bin'
    java.mkdir(parents=True)
    (java / 'java').write_text('#!/bin/sh\n')
    (java / 'java').chmod(0o755)
    service = make(tmp_path, hms=FakeHms(answers=False))
    service.java_home = str(tmp_path / 'java')
    with pytest.raises(lp.StackError) as err:
        service.start()
    assert err.value.message == ('The Spark Thrift Server needs the Hive Metastore at thrift://127.0.0.1:64083, which '
                                 'does not answer; start the hive_metastore service first.')


def params(tmp_path, **extra):
    base = dict(state_dir=str(tmp_path), bind_address='127.0.0.1', postgresql_port=64544, postgresql_database='polaris',
                postgresql_user='polaris', start_timeout=5, log_lines=5, rgw_port=64480, ceph_mon_port=64300,
                s3_region='us-east-1', s3_user='lakehouse', osd_size_gib=1, polaris_port=64181,
                polaris_management_port=64182, polaris_realm='POLARIS', polaris_heap_mb=256,
                services=['postgresql', 'ceph', 'hive_metastore', 'spark_thriftserver'], hive_metastore_port=64083,
                spark_thriftserver_port=64000)
    base.update(extra)
    return base


def test_order_and_ports(tmp_path):
    names = [service.name for service in build_services(params(tmp_path))]
    assert names == ['postgresql', 'ceph', 'hive_metastore', 'spark_thriftserver']
    with pytest.raises(lp.StackError, match='spark_thriftserver_port 64083 is also hive_metastore_port'):
        build_services(params(tmp_path, spark_thriftserver_port=64083))
    # Stopping only the Thrift server still knows the metastore it was started on.
    alone = build_services(params(tmp_path, services=['spark_thriftserver']))
    assert [s.name for s in alone] == ['spark_thriftserver']
    assert alone[0].hive_metastore.uri == 'thrift://127.0.0.1:64083'


def _reply(name, seqid, fields):
    buf = TTransport.TMemoryBuffer()
    proto = TBinaryProtocol.TBinaryProtocol(buf)
    proto.writeMessageBegin(name, TMessageType.REPLY, seqid)
    hs2._write_struct(proto, [(0, TType.STRUCT, fields)])
    proto.writeMessageEnd()
    return buf.getvalue()


def _recv(conn, size):
    data = b''
    while len(data) < size:
        data += conn.recv(size - len(data))
    return data


def _server(sock, seen, open_status=0):
    """A HiveServer2 stand-in speaking the wire format: SASL PLAIN, then OpenSession and CloseSession."""
    conn, dummy = sock.accept()
    for dummy in range(2):
        status, length = struct.unpack('>BI', _recv(conn, 5))
        seen.append((status, _recv(conn, length)))
    conn.sendall(struct.pack('>BI', hs2.SASL_COMPLETE, 0))
    for name in ('OpenSession', 'CloseSession'):
        length, = struct.unpack('>I', _recv(conn, 4))
        proto = TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(_recv(conn, length)))
        got, dummy, seqid = proto.readMessageBegin()
        seen.append((got, hs2._read_struct(proto)))
        if name == 'OpenSession':
            fields = [(1, TType.STRUCT, [(1, TType.I32, open_status), (5, TType.STRING, b'no such user')]),
                      (2, TType.I32, 9),
                      (3, TType.STRUCT, [(1, TType.STRUCT, [(1, TType.STRING, b'G' * 16), (2, TType.STRING, b'S' * 16)])])]
        else:
            fields = [(1, TType.STRUCT, [(1, TType.I32, 0)])]
        conn.sendall(struct.pack('>I', len(_reply(got, seqid, fields))) + _reply(got, seqid, fields))
        if open_status not in hs2.SUCCESS_CODES:
            break
    conn.close()


@pytest.mark.parametrize('open_status', [0, 3])
def test_open_and_close_session_wire_format(open_status):
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    sock.listen(1)
    seen = []
    thread = threading.Thread(target=_server, args=(sock, seen, open_status))
    thread.start()
    try:
        if open_status == 0:
            assert hs2.open_and_close_session('127.0.0.1', sock.getsockname()[1], timeout=5) == 9
        else:
            with pytest.raises(hs2.HiveServer2Error, match='OpenSession failed: no such user'):
                hs2.open_and_close_session('127.0.0.1', sock.getsockname()[1], timeout=5)
    finally:
        thread.join(5)
        sock.close()
    assert seen[0] == (hs2.SASL_START, b'PLAIN')
    assert seen[1] == (hs2.SASL_OK, b'\0anonymous\0anonymous')
    assert seen[2] == ('OpenSession', {1: {1: 9, 2: b'anonymous', 3: b'anonymous'}})
    if open_status == 0:
        # CloseSession names the session OpenSession returned.
        assert seen[3] == ('CloseSession', {1: {1: {1: {1: b'G' * 16, 2: b'S' * 16}}}})


def test_session_check_on_a_closed_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(OSError):
        hs2.open_and_close_session('127.0.0.1', port, timeout=2)
