#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: local_stack
short_description: Run the embedded lakehouse stack (Ceph RGW, PostgreSQL, Apache Polaris) on 127.0.0.1
version_added: 0.1.0
description:
  - Starts, stops, removes or reports the processes of the embedded local stack that the collection uses
    as its default environment and in its tests. Every process binds to 127.0.0.1 only and keeps its data,
    logs, pid files and generated credentials under one state directory.
  - C(started) means healthy, not merely running. Ceph RGW answers a SigV4-signed S3 request, PostgreSQL accepts
    the Polaris login over TCP, and Polaris reports C(/q/health/ready) UP and issues an OAuth2 token.
  - Only processes whose PIDs this module recorded are ever signalled, after checking that the PID still runs
    the expected program, so a stale pid file never causes another process to be killed.
  - Installing packages and building the Polaris server are done by the C(dataplatform.lakehouse.local_stack)
    role; this module only runs what is installed.
author:
  - dataplatform.lakehouse contributors (@dataplatform)
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: In check mode nothing is started, stopped or removed; C(changed) tells whether it would be.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  state:
    description:
      - V(started) brings every selected service up (first start initializes it) and waits until it is healthy.
      - V(stopped) stops them in reverse order (Kubernetes, monitoring, the Spark Thrift Server, the Hive Metastore,
        Polaris, then radosgw, OSD and monitor, then PostgreSQL).
      - V(absent) stops them and deletes the state directory with all data and credentials.
      - V(status) only reports.
    type: str
    choices: [started, stopped, absent, status]
    default: started
  state_dir:
    description:
      - Directory holding all data, logs, pid files and credentials of the stack.
      - Must be traversable by O(postgresql_os_user) when the stack runs as root.
    type: path
    required: true
  services:
    description:
      - Which services to act on. Polaris needs PostgreSQL (and uses Ceph RGW as its storage).
      - V(kubernetes) (opt-in) is a local control plane (etcd, kube-apiserver, kube-controller-manager,
        kube-scheduler, kwok with one fake node, and with O(kubernetes_flux) Flux's source-controller and
        helm-controller); it starts after the others and stops before them. Its pods are simulated by kwok, no
        container runs. See C(docs/local-kubernetes.md).
      - V(hive_metastore) (opt-in) is the Apache Hive standalone metastore (HMS) on the stack's PostgreSQL (its own
        role and database, schema initialised once with MetastoreSchemaTool and its version checked on every
        start), Thrift on O(bind_address):O(hive_metastore_port); started means a Thrift call answers. It needs
        PostgreSQL, and Ceph for S3 table locations. See C(docs/hive-metastore.md).
      - V(spark_thriftserver) (opt-in) is Spark's Thrift Server (HiveThriftServer2 of the pyspark wheel, a
        HiveServer2-compatible JDBC endpoint for C(beeline)) on the Hive Metastore, where C(spark_catalog) is Iceberg's
        C(SparkSessionCatalog) and S3 is the stack's RGW; bound to O(bind_address):O(spark_thriftserver_port);
        started means a HiveServer2 session opens. It needs the V(hive_metastore) service and pyspark in the Python
        that runs the module. See C(docs/spark.md).
      - V(monitoring) (opt-in) is Prometheus, Alertmanager, the blackbox exporter (probes the S3 endpoint),
        prometheus-postgres-exporter, prometheus-node-exporter and, with O(monitoring_ceph_mgr), ceph-mgr with its
        prometheus module, and (O(monitoring_logs)) VictoriaLogs with rsyslog shipping every component's log to it;
        it runs the configuration the C(dataplatform.lakehouse.monitoring) role renders into
        O(monitoring_config_dir). See C(docs/operations/README.md).
    type: list
    elements: str
    choices: [postgresql, ceph, polaris, hive_metastore, spark_thriftserver, monitoring, kubernetes]
    default: [postgresql, ceph, polaris]
  bind_address:
    description: Loopback address every service binds to.
    type: str
    default: 127.0.0.1
  rgw_port:
    description: Port of the Ceph RADOS Gateway (S3).
    type: int
    default: 7480
  ceph_mon_port:
    description: Port of the Ceph monitor (msgr2).
    type: int
    default: 3300
  s3_region:
    description: Region name given to S3 clients.
    type: str
    default: us-east-1
  s3_user:
    description: RGW user created on first start; its keys are generated and stored in C(credentials/s3.json).
    type: str
    default: lakehouse
  rgw_sts:
    description:
      - Make radosgw answer STS AssumeRole (C(rgw_sts_key), generated once and kept in the cluster file, and
        C(rgw_s3_auth_use_sts)) and keep the RGW role C(lakehouse-catalog), which O(s3_user) may assume, with an
        C(s3:*) permission policy; C(credentials/sts.json) names it (C(endpoint_url), C(role_arn), C(region)).
        A Polaris catalog with C(sts_unavailable=false) and that role vends short-lived credentials scoped to each
        table's location (C(docs/credential-vending.md)).
      - A change restarts the Ceph daemons. V(false) removes C(sts.json) (the role stays, unused).
    type: bool
    default: false
  osd_size_gib:
    description:
      - Size of the sparse file that backs the BlueStore OSD (only space written so far is allocated on disk).
      - Fixed when the OSD is created.
    type: int
    default: 20
  postgresql_port:
    description: Port of the private PostgreSQL cluster.
    type: int
    default: 5544
  postgresql_bin_dir:
    description: Directory with initdb and pg_ctl. Default is the newest C(/usr/lib/postgresql/*/bin).
    type: path
  postgresql_os_user:
    description: Account that runs PostgreSQL when the stack runs as root (PostgreSQL refuses root).
    type: str
    default: nobody
  postgresql_database:
    description: Database created for Polaris.
    type: str
    default: polaris
  postgresql_user:
    description: Role created for Polaris; its password is generated and stored in C(credentials/postgresql.json).
    type: str
    default: polaris
  postgresql_extra_databases:
    description:
      - More databases owned by O(postgresql_user), for example the PyIceberg SQL catalog that the Iceberg roles use
        when a user chooses it over Polaris.
    type: list
    elements: str
    default: [iceberg_catalog]
  polaris_app_dir:
    description:
      - The Quarkus fast-jar directory (C(quarkus-app)) of the Polaris server built by the role.
      - Required when V(polaris) is among O(services) and O(state=started).
    type: path
  java_home:
    description: A Java 21+ runtime that runs Polaris.
    type: path
  polaris_port:
    description: Port of the Polaris REST API.
    type: int
    default: 8181
  polaris_management_port:
    description: Port of the Polaris management interface (health, metrics).
    type: int
    default: 8182
  polaris_realm:
    description: Polaris realm bootstrapped on first start.
    type: str
    default: POLARIS
  polaris_heap_mb:
    description: Maximum Java heap of the Polaris server. A changed value restarts a running server.
    type: int
    default: 768
  polaris_token_lifetime:
    description:
      - Lifetime of the OAuth2 access tokens Polaris issues, an ISO-8601 duration (Polaris's
        C(polaris.authentication.token-broker.max-token-generation)). A changed value restarts a running server.
      - Short values are for tests of token expiry; clients renew their token when it expires.
    type: str
    default: PT1H
  hive_metastore_app_dir:
    description:
      - The metastore build of the role (C(lib/) with the server's jars, C(dist/) with the schema scripts).
      - Required when V(hive_metastore) is among O(services) and O(state=started).
    type: path
  hive_metastore_java_home:
    description: A Java 17 (or 11) runtime for the metastore (Hadoop 3.3.6 does not run on Java 23+).
    type: path
  hive_metastore_port:
    description: Thrift port of the metastore (on O(bind_address)).
    type: int
    default: 9083
  hive_metastore_version:
    description:
      - Version of the metastore build; the schema in its database must have the same version (checked on every
        start).
    type: str
    default: 4.0.0
  hive_metastore_database:
    description: PostgreSQL database of the metastore (created on first start, schema initialised once).
    type: str
    default: hive_metastore
  hive_metastore_user:
    description:
      - PostgreSQL role of the metastore; its password is generated and stored in C(credentials/hive_metastore.json).
    type: str
    default: hive_metastore
  hive_metastore_heap_mb:
    description: Maximum Java heap of the metastore. A changed value restarts a running metastore.
    type: int
    default: 1024
  spark_thriftserver_port:
    description: Port of the Spark Thrift Server (HiveServer2 binary protocol, on O(bind_address)).
    type: int
    default: 10000
  spark_thriftserver_heap_mb:
    description: Driver heap of the Spark Thrift Server (C(spark.driver.memory)). A changed value restarts it.
    type: int
    default: 1024
  spark_thriftserver_warehouse:
    description:
      - Where databases created without a C(LOCATION) go (C(spark.sql.warehouse.dir)), for example
        C(s3://lakehouse/warehouse) (the bucket must exist). Default the metastore's own local warehouse
        (C(<state_dir>/hive_metastore/warehouse)). Iceberg tables follow their database's location (local or S3).
    type: str
  spark_thriftserver_java_home:
    description: Java 17 runtime of the Spark Thrift Server; default O(hive_metastore_java_home).
    type: path
  spark_thriftserver_spark_home:
    description: The pyspark installation (C(bin/spark-submit), C(bin/beeline)); default the one the module's Python imports.
    type: path
  spark_thriftserver_spark_cache_dir:
    description:
      - Spark's cache directory of M(dataplatform.lakehouse.iceberg_spark_sql) (its C(ivy/) holds the jars, resolved
        from Maven Central the first time). Default C(~/.cache/dataplatform-lakehouse/spark).
    type: path
  kubernetes_bin_dir:
    description:
      - Directory with the C(etcd), C(kube-apiserver), C(kube-controller-manager), C(kube-scheduler), C(kwok),
        C(source-controller) and C(helm-controller) binaries that the role builds from Go modules.
      - Required when V(kubernetes) is among O(services) and O(state=started).
    type: path
  kubernetes_ports:
    description:
      - Loopback ports of the Kubernetes components; a key not given keeps its default. None may be a port of
        the other services (7480, 3300, 5544, 8181, 8182).
    type: dict
    suboptions:
      etcd: {description: etcd client port., type: int, default: 16379}
      etcd_peer: {description: etcd peer port., type: int, default: 16380}
      apiserver: {description: kube-apiserver HTTPS port (the kubeconfig's server)., type: int, default: 16443}
      controller_manager: {description: kube-controller-manager HTTPS port., type: int, default: 16257}
      scheduler: {description: kube-scheduler HTTPS port., type: int, default: 16259}
      kwok: {description: kwok's server (metrics and health)., type: int, default: 16247}
      source_controller_metrics: {description: source-controller metrics., type: int, default: 16080}
      source_controller_health: {description: source-controller health probes., type: int, default: 16440}
      source_controller_storage:
        description: source-controller's artifact server (helm-controller downloads charts from it).
        type: int
        default: 16090
      helm_controller_metrics: {description: helm-controller metrics., type: int, default: 16081}
      helm_controller_health: {description: helm-controller health probes., type: int, default: 16441}
      chart_repository: {description: The loopback Helm chart repository (a python http.server)., type: int, default: 16879}
  kubernetes_flux:
    description: Also run Flux (source-controller, helm-controller, their CRDs) and the loopback chart repository.
    type: bool
    default: true
  kubernetes_chart_repository_dir:
    description:
      - Directory served as a Helm chart repository (C(index.yaml) and chart archives) at
        C(http://127.0.0.1:<kubernetes_ports.chart_repository>). Only read.
      - Required when O(kubernetes_flux) is true and O(state=started).
    type: path
  kubernetes_crd_files:
    description: CRD manifests applied (server-side apply) before Flux starts, e.g. Flux's C(config/crd/bases).
    type: list
    elements: path
    default: []
  kubernetes_kwok_stage_files:
    description: kwok stage manifests (node initialize and heartbeat, pod ready/complete/delete).
    type: list
    elements: path
    default: []
  monitoring_ports:
    description:
      - Loopback ports of the monitoring components; a key not given keeps its default. None may be a port of the
        other services.
    type: dict
    suboptions:
      prometheus: {description: Prometheus (web and API)., type: int, default: 19090}
      alertmanager: {description: Alertmanager (web and API)., type: int, default: 19093}
      blackbox_exporter: {description: The blackbox exporter., type: int, default: 19115}
      postgres_exporter: {description: prometheus-postgres-exporter., type: int, default: 19187}
      node_exporter: {description: prometheus-node-exporter., type: int, default: 19100}
      ceph_mgr: {description: The ceph-mgr prometheus module., type: int, default: 19283}
      victoria_logs: {description: VictoriaLogs (HTTP API - ingestion and LogsQL queries)., type: int, default: 19428}
      victoria_logs_syslog: {description: VictoriaLogs' syslog TCP listener (rsyslog forwards to it)., type: int, default: 19514}
  monitoring_config_dir:
    description:
      - Directory with C(prometheus.yml), C(rules/lakehouse.rules.yml), C(alertmanager.yml) and C(blackbox.yml)
        (rendered by the C(dataplatform.lakehouse.monitoring) role). Default C(<state_dir>/monitoring/config).
      - A changed file restarts the component that reads it.
    type: path
  monitoring_ceph_mgr:
    description: Also run ceph-mgr (with its prometheus module) against the stack's Ceph cluster.
    type: bool
    default: true
  monitoring_logs:
    description:
      - Also run the log aggregation - VictoriaLogs and rsyslog, whose imfile input ships every component's log file
        (listed in C(rsyslog.conf), rendered by the C(dataplatform.lakehouse.monitoring) role) to it.
    type: bool
    default: true
  monitoring_victoria_logs_path:
    description:
      - The C(victoria-logs) binary (the C(local_stack) role builds it from Go modules, cached by version). Default
        C(victoria-logs) on PATH.
    type: path
  start_timeout:
    description: Seconds to wait for each service to become healthy.
    type: int
    default: 240
  log_lines:
    description: How many lines of a failed service's log to return.
    type: int
    default: 20
notes:
  - Secrets are never returned; the facts name the files (mode 0600) that hold them.
seealso:
  - name: The local_stack role
    description: Installs Ceph and builds Polaris from Maven Central, then calls this module.
    link: https://example.invalid/dataplatform/lakehouse/roles/local_stack
'''

EXAMPLES = r'''
- name: Bring the local stack up
  dataplatform.lakehouse.local_stack:
    state: started
    state_dir: /var/lib/dataplatform-lakehouse
    polaris_app_dir: /root/.cache/dataplatform-lakehouse/polaris-1.4.1/target/quarkus-app
    java_home: /usr/lib/jvm/temurin-25-jdk-amd64

- name: Report what runs
  dataplatform.lakehouse.local_stack:
    state: status
    state_dir: /var/lib/dataplatform-lakehouse
  register: stack

- name: Add the local Kubernetes control plane (binaries built by the role; pods are simulated by kwok)
  dataplatform.lakehouse.local_stack:
    state: started
    services: [kubernetes]
    state_dir: /var/lib/dataplatform-lakehouse
    kubernetes_bin_dir: /root/.cache/dataplatform-lakehouse/kubernetes-1.37.2/bin
    kubernetes_chart_repository_dir: /work/shared/polaris-helm-repo
    kubernetes_crd_files: "{{ lookup('ansible.builtin.fileglob', '/path/to/crds/*.yaml', wantlist=True) }}"
    kubernetes_kwok_stage_files: "{{ lookup('ansible.builtin.fileglob', '/path/to/stages/*.yaml', wantlist=True) }}"

- name: Stop only Polaris
  dataplatform.lakehouse.local_stack:
    state: stopped
    services: [polaris]
    state_dir: /var/lib/dataplatform-lakehouse
'''

RETURN = r'''
services:
  description: Status of each selected service after the action.
  returned: always
  type: list
  elements: dict
  sample:
    - name: postgresql
      running: true
      healthy: true
      pid: 1234
      rss_mib: 28.5
      endpoint: postgresql://127.0.0.1:5544/polaris
acted_on:
  description: Services that were (or in check mode would be) started, stopped or removed.
  returned: always
  type: list
  elements: str
versions:
  description: Versions of the components, as the binaries report them.
  returned: when state is started or status
  type: dict
  sample: {ceph: 16.2.15, postgresql: '15.18', polaris: 1.4.1, hive_metastore: 4.0.0, kubernetes: 1.37.2, etcd: 3.6.16}
ansible_facts:
  description: Connection facts for later roles.
  returned: always
  type: complex
  contains:
    lakehouse_local_stack:
      description: Endpoints, ports and the paths of the credential files (no secret values).
      type: dict
failed_service:
  description: The service that failed to start.
  returned: failed
  type: str
log_tail:
  description: Last lines of the failed service's log.
  returned: failed
  type: list
  elements: str
elapsed_seconds:
  description: Seconds the module spent on its work, after Python start-up and imports (what Ansible adds is the rest of the task's time).
  returned: success
  type: float
  sample: 0.412
'''

import os
import re
import shutil


from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_process import StackError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_kubernetes import (
    DEFAULT_PORTS as KUBERNETES_PORTS,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_monitoring import (
    DEFAULT_PORTS as MONITORING_PORTS,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_services import (
    STATE_MARKER, build_services,
)


def stack_facts(state_dir, services):
    facts = dict(state_dir=state_dir, credentials_dir=os.path.join(state_dir, 'credentials'))
    for service in services:
        facts[service.name] = dict(service.facts(), available=True)
    return facts


def main():
    module = LakehouseModule(
        argument_spec=dict(
            state=dict(type='str', default='started', choices=['started', 'stopped', 'absent', 'status']),
            state_dir=dict(type='path', required=True),
            services=dict(type='list', elements='str',
                          choices=['postgresql', 'ceph', 'polaris', 'hive_metastore', 'spark_thriftserver',
                                   'monitoring', 'kubernetes'],
                          default=['postgresql', 'ceph', 'polaris']),
            bind_address=dict(type='str', default='127.0.0.1'),
            rgw_port=dict(type='int', default=7480),
            ceph_mon_port=dict(type='int', default=3300),
            s3_region=dict(type='str', default='us-east-1'),
            s3_user=dict(type='str', default='lakehouse'),
            osd_size_gib=dict(type='int', default=20),
            rgw_sts=dict(type='bool', default=False),
            postgresql_port=dict(type='int', default=5544),
            postgresql_bin_dir=dict(type='path'),
            postgresql_os_user=dict(type='str', default='nobody'),
            postgresql_database=dict(type='str', default='polaris'),
            postgresql_user=dict(type='str', default='polaris'),
            postgresql_extra_databases=dict(type='list', elements='str', default=['iceberg_catalog']),
            polaris_app_dir=dict(type='path'),
            java_home=dict(type='path'),
            polaris_port=dict(type='int', default=8181),
            polaris_management_port=dict(type='int', default=8182),
            polaris_realm=dict(type='str', default='POLARIS'),
            polaris_heap_mb=dict(type='int', default=768),
            polaris_token_lifetime=dict(type='str', default='PT1H', no_log=False),
            hive_metastore_app_dir=dict(type='path'),
            hive_metastore_java_home=dict(type='path'),
            hive_metastore_port=dict(type='int', default=9083),
            hive_metastore_version=dict(type='str', default='4.0.0'),
            hive_metastore_database=dict(type='str', default='hive_metastore'),
            hive_metastore_user=dict(type='str', default='hive_metastore'),
            hive_metastore_heap_mb=dict(type='int', default=1024),
            spark_thriftserver_port=dict(type='int', default=10000),
            spark_thriftserver_heap_mb=dict(type='int', default=1024),
            spark_thriftserver_warehouse=dict(type='str'),
            spark_thriftserver_java_home=dict(type='path'),
            spark_thriftserver_spark_home=dict(type='path'),
            spark_thriftserver_spark_cache_dir=dict(type='path'),
            kubernetes_bin_dir=dict(type='path'),
            kubernetes_ports=dict(type='dict', options=dict(
                (key, dict(type='int', default=value)) for key, value in KUBERNETES_PORTS.items())),
            kubernetes_flux=dict(type='bool', default=True),
            kubernetes_chart_repository_dir=dict(type='path'),
            kubernetes_crd_files=dict(type='list', elements='path', default=[]),
            kubernetes_kwok_stage_files=dict(type='list', elements='path', default=[]),
            monitoring_ports=dict(type='dict', options=dict(
                (key, dict(type='int', default=value)) for key, value in MONITORING_PORTS.items())),
            monitoring_config_dir=dict(type='path'),
            monitoring_ceph_mgr=dict(type='bool', default=True),
            monitoring_logs=dict(type='bool', default=True),
            monitoring_victoria_logs_path=dict(type='path'),
            start_timeout=dict(type='int', default=240),
            log_lines=dict(type='int', default=20),
        ),
        supports_check_mode=True,
    )
    params = module.params
    state = params['state']
    state_dir = params['state_dir']
    if not params['bind_address'].startswith('127.') and params['bind_address'] != '::1':
        module.fail_json(msg='bind_address %s is not a loopback address; the local stack only binds to 127.0.0.0/8 '
                             'or ::1.' % params['bind_address'])
    if not re.match(r'^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$', params['polaris_token_lifetime']):
        module.fail_json(msg='polaris_token_lifetime %r is not an ISO-8601 duration; use for example PT1H, PT15M or '
                             'PT30S.' % params['polaris_token_lifetime'])
    if state == 'started' and 'polaris' in params['services'] and not params['polaris_app_dir']:
        module.fail_json(msg='polaris_app_dir is required to start Polaris; run the dataplatform.lakehouse.local_stack '
                             'role, which builds it, or pass the quarkus-app directory.')

    if state == 'started' and 'hive_metastore' in params['services'] and not params['hive_metastore_app_dir']:
        module.fail_json(msg='hive_metastore_app_dir is required to start the Hive Metastore; run the '
                             'dataplatform.lakehouse.local_stack role, which builds it, or pass the build directory.')

    try:
        services = build_services(params)
    except StackError as exc:
        module.fail_json(msg=exc.message, failed_service=exc.service)
    result = dict(changed=False, acted_on=[])

    def statuses():
        return [service.status() for service in services]

    try:
        if state == 'status':
            pass
        elif state == 'started':
            for service in services:  # dependency order: PostgreSQL, Ceph, Polaris
                if module.check_mode:
                    current = service.status()
                    stale = current['running'] and getattr(service, 'settings', None) is not None \
                        and service.running_settings() != service.settings()
                    if not (current['running'] and current['healthy']) or stale:
                        result['acted_on'].append(service.name)
                    continue
                if not os.path.isdir(state_dir):
                    os.makedirs(state_dir, 0o755)
                marker = os.path.join(state_dir, STATE_MARKER)
                if not os.path.exists(marker):
                    open(marker, 'w').close()
                if service.start():
                    result['acted_on'].append(service.name)
        else:
            # Refuse before stopping anything: stop() tidies pid files and takes a lock file in the directory.
            if state == 'absent' and os.path.isdir(state_dir) and not os.path.exists(
                    os.path.join(state_dir, STATE_MARKER)):
                module.fail_json(msg='Refusing to delete %s: it has no %s marker, so it is not a local stack state '
                                     'directory; check local_stack_state_dir.' % (state_dir, STATE_MARKER))
            for service in reversed(services):
                if module.check_mode:
                    if service.status()['running']:
                        result['acted_on'].append(service.name)
                    continue
                if service.stop():
                    result['acted_on'].append(service.name)
            if state == 'absent' and os.path.isdir(state_dir):
                if not module.check_mode:
                    shutil.rmtree(state_dir)
                result['acted_on'].append('state_dir')
    except StackError as exc:
        module.fail_json(msg=exc.message, failed_service=exc.service, log_tail=exc.log_tail, services=statuses(),
                         acted_on=result['acted_on'], changed=bool(result['acted_on']))

    result['changed'] = bool(result['acted_on'])
    result['services'] = statuses() if state != 'absent' else []
    if state in ('started', 'status'):
        versions = {}
        for service in services:
            versions.update(service.versions())
        result['versions'] = versions
    result['ansible_facts'] = dict(lakehouse_local_stack=stack_facts(state_dir, services))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
