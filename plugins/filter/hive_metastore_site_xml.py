# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""metastore-site.xml of the cluster's Hive Metastore, from the same properties the local stack's service runs with
(plugins/module_utils/hive/site.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.site import (
    log4j2_properties, metastore_properties, site_xml,
)

REQUIRED = ('jdbc_url', 'user', 'password', 'warehouse_dir', 'port')
OPTIONAL = ('bind_host', 's3_endpoint', 's3_region', 'external_warehouse_dir')


def hive_metastore_site_xml(config, header='Rendered by the dataplatform.lakehouse hive_metastore role.'):
    if not isinstance(config, dict):
        raise AnsibleFilterError('hive_metastore_site_xml: expected a mapping, got %s' % type(config).__name__)
    missing = [key for key in REQUIRED if config.get(key) in (None, '')]
    unknown = sorted(set(config) - set(REQUIRED) - set(OPTIONAL))
    if missing or unknown:
        raise AnsibleFilterError('hive_metastore_site_xml: %s' % '; '.join(
            (['missing %s' % ', '.join(missing)] if missing else []) + (['unknown %s' % ', '.join(unknown)] if unknown else [])))
    kwargs = dict((key, config[key]) for key in OPTIONAL if config.get(key) not in (None, ''))
    return site_xml(metastore_properties(*[config[key] for key in REQUIRED], **kwargs), header=header)


def hive_metastore_log4j2(level='INFO'):
    if str(level).upper() not in ('TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'OFF'):
        raise AnsibleFilterError('hive_metastore_log4j2: %r is not a Log4j level (DEBUG, INFO, WARN, ERROR)' % (level,))
    return log4j2_properties(str(level).upper())


class FilterModule(object):
    def filters(self):
        return {'hive_metastore_site_xml': hive_metastore_site_xml, 'hive_metastore_log4j2': hive_metastore_log4j2}
