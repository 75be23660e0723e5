"""The cluster's metastore-site.xml and log configuration come from the same properties as the local stack's service
(plugins/module_utils/hive/site.py): the filters render them, refuse incomplete input in one line."""
import xml.etree.ElementTree as ET

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dataplatform.lakehouse.plugins.filter.hive_metastore_site_xml import (
    FilterModule, hive_metastore_log4j2, hive_metastore_site_xml,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.site import LOG4J2_PROPERTIES
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_hive_metastore import (
    HiveMetastoreService,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_postgresql import PostgresqlService

CLUSTER = {'jdbc_url': 'jdbc:postgresql://pg.data-platform.svc:5432/hive_metastore',
           'user': '${env.HIVE_METASTORE_DB_USER}', 'password': '${env.HIVE_METASTORE_DB_PASSWORD}',
           'warehouse_dir': 's3a://lakehouse/warehouse/hive', 'port': 9083,
           's3_endpoint': 'http://rgw.rook-ceph.svc', 's3_region': 'eu-1'}


def pairs(text):
    return [(p.find('name').text, p.find('value').text) for p in ET.fromstring(text).findall('property')]


def test_cluster_site_names_the_login_and_binds_every_interface():
    props = dict(pairs(hive_metastore_site_xml(CLUSTER)))
    assert props['javax.jdo.option.ConnectionPassword'] == '${env.HIVE_METASTORE_DB_PASSWORD}'
    assert props['javax.jdo.option.ConnectionURL'] == CLUSTER['jdbc_url']
    assert 'metastore.thrift.bind.host' not in props
    assert props['fs.s3a.endpoint'] == 'http://rgw.rook-ceph.svc' and props['fs.s3a.endpoint.region'] == 'eu-1'
    assert props['metastore.async.log.enabled'] == 'false'


def test_cluster_and_local_stack_have_the_same_properties(tmp_path):
    """One source: the local service's properties and the cluster's differ only in the values that are the site's."""
    service = HiveMetastoreService(str(tmp_path), app_dir=str(tmp_path), java_home=None,
                                   postgresql=PostgresqlService(str(tmp_path), port=64544), port=9083)
    local = [name for name, _value in service._properties({'user': 'u', 'password': 'p'})]
    cluster = [name for name, _value in pairs(hive_metastore_site_xml(dict(CLUSTER, s3_endpoint='')))]
    assert [name for name in local if name != 'metastore.thrift.bind.host'] == cluster


def test_incomplete_or_unknown_input_is_one_line():
    with pytest.raises(AnsibleFilterError, match=r'^hive_metastore_site_xml: missing password; unknown pasword$'):
        hive_metastore_site_xml(dict([(k, v) for k, v in CLUSTER.items() if k != 'password'] + [('pasword', 'x')]))
    with pytest.raises(AnsibleFilterError, match='expected a mapping'):
        hive_metastore_site_xml('x')


def test_log4j2_is_the_local_stacks_at_the_level():
    assert hive_metastore_log4j2('info') == LOG4J2_PROPERTIES
    assert 'rootLogger.level = WARN' in hive_metastore_log4j2('WARN')
    with pytest.raises(AnsibleFilterError, match='not a Log4j level'):
        hive_metastore_log4j2('LOUD')
    assert sorted(FilterModule().filters()) == ['hive_metastore_log4j2', 'hive_metastore_site_xml']
