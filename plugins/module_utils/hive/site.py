# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Hive Metastore's configuration (metastore-site.xml), one source for the local stack's service and the
cluster's ConfigMap (the hive_metastore role, through the hive_metastore_site_xml filter). Pure: no import of Thrift.

In the cluster the login is not a value of the file: it is ${env.HIVE_METASTORE_DB_USER} and
${env.HIVE_METASTORE_DB_PASSWORD}, which Hadoop's Configuration resolves from the container's environment (the
Secret's keys), so the ConfigMap never holds a credential.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from xml.sax.saxutils import escape


def site_xml(properties, header='Written by the dataplatform.lakehouse local stack on every start; edits are overwritten.'):
    """A Hadoop configuration file of the (name, value) pairs, in order."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<!-- %s -->' % escape(header),
             '<configuration>']
    for name, value in properties:
        lines.append('  <property><name>%s</name><value>%s</value></property>' % (escape(name), escape(str(value))))
    lines.append('</configuration>')
    return '\n'.join(lines) + '\n'


def metastore_properties(jdbc_url, user, password, warehouse_dir, port, bind_host=None, s3_endpoint=None,
                         s3_region=None, external_warehouse_dir=None):
    """The (name, value) pairs the metastore 4.0.0 runs with on PostgreSQL, with S3A on Ceph RGW when s3_endpoint is
    given. bind_host None: every interface (a pod); the local stack binds its loopback address."""
    props = [
        ('javax.jdo.option.ConnectionDriverName', 'org.postgresql.Driver'),
        ('javax.jdo.option.ConnectionURL', jdbc_url),
        ('javax.jdo.option.ConnectionUserName', user),
        ('javax.jdo.option.ConnectionPassword', password),
        ('metastore.warehouse.dir', warehouse_dir),
        ('metastore.warehouse.external.dir', external_warehouse_dir or warehouse_dir),
        ('metastore.thrift.port', str(port)),
    ]
    if bind_host:
        props.append(('metastore.thrift.bind.host', bind_host))
    props += [
        ('metastore.schema.verification', 'true'),
        # 4.0.0: else start-up dies with NoClassDefFoundError com/lmax/disruptor/... (docs/hive-metastore.md).
        ('metastore.async.log.enabled', 'false'),
        ('hive.metastore.event.db.notification.api.auth', 'false'),
        ('metastore.metrics.enabled', 'false'),
    ]
    if s3_endpoint:
        props += [
            ('fs.s3.impl', 'org.apache.hadoop.fs.s3a.S3AFileSystem'),
            ('fs.AbstractFileSystem.s3.impl', 'org.apache.hadoop.fs.s3a.S3A'),
            ('fs.s3a.endpoint', s3_endpoint),
            ('fs.s3a.endpoint.region', s3_region or 'us-east-1'),
            ('fs.s3a.path.style.access', 'true'),
            ('fs.s3a.connection.ssl.enabled', 'true' if s3_endpoint.startswith('https:') else 'false'),
            ('fs.s3a.aws.credentials.provider', 'com.amazonaws.auth.EnvironmentVariableCredentialsProvider'),
            # The AWS SDK 1.12 signs plain-HTTP uploads as aws-chunked (STREAMING-AWS4-HMAC-SHA256-PAYLOAD):
            # Ceph RGW 16.2 answers the empty directory markers HMS creates with 400 (op status -2040,
            # ERR_AMZ_CONTENT_SHA256_MISMATCH). Signature V2 has no payload hash.
            ('fs.s3a.signing-algorithm', 'S3SignerType'),
        ]
    return props


# The server logs with Log4j 2 (the build keeps log4j-slf4j-impl as the only SLF4J binding); HiveMetaStore looks
# for this file on its classpath (conf/ comes first) and else logs errors only.
def log4j2_properties(level='INFO'):
    """The Log4j 2 configuration: the console (the local stack's log file, a pod's log), root at `level`."""
    return LOG4J2_TEMPLATE % dict(level=level)


LOG4J2_TEMPLATE = '''status = WARN
name = HiveMetastoreLog4j2
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_OUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %%d{ISO8601} %%-5p [%%t] %%c{2}: %%m%%n
rootLogger.level = %(level)s
rootLogger.appenderRefs = console
rootLogger.appenderRef.console.ref = console
logger.DataNucleus.name = DataNucleus
logger.DataNucleus.level = WARN
logger.Datastore.name = Datastore
logger.Datastore.level = WARN
logger.hikari.name = com.zaxxer.hikari
logger.hikari.level = WARN
'''

LOG4J2_PROPERTIES = log4j2_properties()
