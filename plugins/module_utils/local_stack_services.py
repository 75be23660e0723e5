# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the local stack's service objects, in dependency order, from the local_stack module's options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_process import StackError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_ceph import CephService
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_hive_metastore import (
    HiveMetastoreService,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_kubernetes import KubernetesService
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_monitoring import MonitoringService
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_polaris import PolarisService
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_postgresql import PostgresqlService
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_spark_thriftserver import (
    SparkThriftServerService,
)

# Written into the state directory on first start; `absent` refuses to delete a directory without it.
STATE_MARKER = '.dataplatform-lakehouse-stack'

# hive_metastore after PostgreSQL and Ceph (its database, its S3A storage); spark_thriftserver after hive_metastore
# (its session catalog); monitoring last, after everything it
# scrapes (the kubernetes service's client certificate, which Prometheus authenticates to the control plane with,
# exists only once that service has started); stopped first.
SERVICE_ORDER = ('postgresql', 'ceph', 'polaris', 'hive_metastore', 'spark_thriftserver', 'kubernetes', 'monitoring')


def build_services(params):
    """The selected services in start order. Polaris always knows PostgreSQL and Ceph (for credentials)."""
    state_dir = params['state_dir']
    host = params['bind_address']
    postgresql = PostgresqlService(
        state_dir, host=host, port=params['postgresql_port'], database=params['postgresql_database'],
        user=params['postgresql_user'], bin_dir=params.get('postgresql_bin_dir'),
        os_user=params.get('postgresql_os_user'), start_timeout=params['start_timeout'], log_lines=params['log_lines'],
        extra_databases=params.get('postgresql_extra_databases'))
    ceph = CephService(
        state_dir, host=host, rgw_port=params['rgw_port'], mon_port=params['ceph_mon_port'],
        region=params['s3_region'], s3_user=params['s3_user'], osd_size_gib=params['osd_size_gib'],
        start_timeout=params['start_timeout'], log_lines=params['log_lines'],
        rgw_sts=params.get('rgw_sts', False))
    polaris = PolarisService(
        state_dir, app_dir=params.get('polaris_app_dir'), java_home=params.get('java_home'), postgresql=postgresql,
        ceph=ceph, host=host, port=params['polaris_port'], management_port=params['polaris_management_port'],
        realm=params['polaris_realm'], heap_mb=params['polaris_heap_mb'],
        token_lifetime=params.get('polaris_token_lifetime') or 'PT1H', start_timeout=params['start_timeout'],
        log_lines=params['log_lines'])
    by_name = dict(postgresql=postgresql, ceph=ceph, polaris=polaris)
    reserved = {params['rgw_port']: 'rgw_port', params['ceph_mon_port']: 'ceph_mon_port',
                params['postgresql_port']: 'postgresql_port', params['polaris_port']: 'polaris_port',
                params['polaris_management_port']: 'polaris_management_port'}
    hive_metastore = None
    # The Thrift server knows the metastore (its URI, its warehouse) even when only it is stopped or reported; it
    # starts only once the metastore answers.
    if 'hive_metastore' in params['services'] or 'spark_thriftserver' in params['services']:
        port = params.get('hive_metastore_port') or 9083
        if port in reserved:
            raise StackError('hive_metastore_port %d is also %s; choose another port.' % (port, reserved[port]),
                             service='hive_metastore')
        hive_metastore = HiveMetastoreService(
            state_dir, app_dir=params.get('hive_metastore_app_dir'), java_home=params.get('hive_metastore_java_home'),
            postgresql=postgresql, ceph=ceph, host=host, port=port,
            database=params.get('hive_metastore_database') or 'hive_metastore',
            user=params.get('hive_metastore_user') or 'hive_metastore',
            version=params.get('hive_metastore_version') or '4.0.0',
            heap_mb=params.get('hive_metastore_heap_mb') or 1024, start_timeout=params['start_timeout'],
            log_lines=params['log_lines'])
        by_name['hive_metastore'] = hive_metastore
        reserved[port] = 'hive_metastore_port'
    if 'spark_thriftserver' in params['services']:
        port = params.get('spark_thriftserver_port') or 10000
        if port in reserved:
            raise StackError('spark_thriftserver_port %d is also %s; choose another port.' % (port, reserved[port]),
                             service='spark_thriftserver')
        by_name['spark_thriftserver'] = SparkThriftServerService(
            state_dir, hive_metastore=hive_metastore, ceph=ceph,
            java_home=params.get('spark_thriftserver_java_home') or params.get('hive_metastore_java_home'),
            host=host, port=port, heap_mb=params.get('spark_thriftserver_heap_mb') or 1024,
            warehouse=params.get('spark_thriftserver_warehouse'), spark_home=params.get('spark_thriftserver_spark_home'),
            spark_cache_dir=params.get('spark_thriftserver_spark_cache_dir'), start_timeout=params['start_timeout'],
            log_lines=params['log_lines'])
        reserved[port] = 'spark_thriftserver_port'
    if 'monitoring' in params['services']:
        by_name['monitoring'] = MonitoringService(
            state_dir, ceph=ceph, postgresql=postgresql, host=host, ports=params.get('monitoring_ports'),
            config_dir=params.get('monitoring_config_dir'), ceph_mgr=params.get('monitoring_ceph_mgr', True),
            logs=params.get('monitoring_logs', True), victoria_logs_path=params.get('monitoring_victoria_logs_path'),
            start_timeout=params['start_timeout'], log_lines=params['log_lines'], reserved_ports=reserved)
    if 'kubernetes' in params['services']:
        by_name['kubernetes'] = KubernetesService(
            state_dir, bin_dir=params.get('kubernetes_bin_dir'), host=host, ports=params.get('kubernetes_ports'),
            flux=params.get('kubernetes_flux', True), chart_repository_dir=params.get('kubernetes_chart_repository_dir'),
            crd_files=params.get('kubernetes_crd_files'), kwok_stage_files=params.get('kubernetes_kwok_stage_files'),
            start_timeout=params['start_timeout'], log_lines=params['log_lines'],
            reserved_ports={params['rgw_port']: 'rgw_port', params['ceph_mon_port']: 'ceph_mon_port',
                            params['postgresql_port']: 'postgresql_port', params['polaris_port']: 'polaris_port',
                            params['polaris_management_port']: 'polaris_management_port'})
    return [by_name[name] for name in SERVICE_ORDER if name in params['services']]
