#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: logs_info
short_description: Query the log aggregator (VictoriaLogs) of the lakehouse
version_added: 0.2.0
description:
  - Runs a LogsQL query against VictoriaLogs, where the local stack's monitoring service ships every component's log
    (the component is the field C(app_name)), and returns the matching entries; or counts entries per value of a
    field (O(count_by)).
  - O(component) with O(line) finds one line of a component (an exact-prefix match of the line, blanks trimmed).
  - Read-only. An unreachable aggregator or a query it refuses fails with one line (VictoriaLogs' own message).
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.logs
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Read-only; behaves the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  query:
    description: A LogsQL query (for example V(app_name:=polaris error)). Default V(*) (with O(component), its lines).
    type: str
  component:
    description: Only the entries of this component (C(app_name), for example V(ceph-rgw), V(postgresql), V(polaris)).
    type: str
  line:
    description: With O(component), the entries that start with this line (its first 160 characters).
    type: str
  since:
    description: Only entries newer than this LogsQL duration (V(5m), V(1h), V(1d)).
    type: str
  count_by:
    description: Return C(counts), the number of matching entries per value of this field (V(app_name)), not the entries.
    type: str
  limit:
    description: The most entries returned.
    type: int
    default: 100
'''

EXAMPLES = r'''
- name: Polaris's errors of the last hour
  dataplatform.lakehouse.logs_info:
    logs_url: http://127.0.0.1:19428
    component: polaris
    query: error
    since: 1h
  register: polaris_errors

- name: Lines per component of the last day
  dataplatform.lakehouse.logs_info:
    count_by: app_name
    since: 1d
  register: log_counts
'''

RETURN = r'''
entries:
  description: The matching entries (C(_msg), C(_time), C(app_name), C(hostname), ...); empty with O(count_by).
  returned: always
  type: list
  elements: dict
count:
  description: How many entries were returned (with O(count_by), the sum of C(counts)).
  returned: always
  type: int
counts:
  description: With O(count_by), entries per value of the field.
  returned: when count_by is set
  type: dict
  sample: {polaris: 812, postgresql: 40}
query:
  description: The LogsQL query sent.
  returned: always
  type: str
logs_url:
  description: The aggregator asked.
  returned: always
  type: str
elapsed_seconds:
  description: Seconds the module spent on its work, after Python start-up and imports.
  returned: always
  type: float
'''

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.logs.client import (
    DEFAULT_URL, LogsClient, LogsError, component_filter, line_query, logs_argument_spec,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule


def build_query(params):
    """The LogsQL query of the module's options (pure)."""
    if params.get('line') is not None:
        if not params.get('component'):
            raise LogsError('logs_info: line needs component (whose line it is).')
        query = line_query(params['component'], params['line'])
        if params.get('query'):
            query += ' ' + params['query']
    else:
        parts = [component_filter(params['component'])] if params.get('component') else []
        if params.get('query'):
            parts.append('(%s)' % params['query'] if parts else params['query'])
        query = ' '.join(parts) or '*'
    if params.get('since'):
        query = '_time:%s %s' % (params['since'], query)
    return query


def query_logs(params):
    client = LogsClient(params.get('logs_url') or DEFAULT_URL, timeout=params['logs_timeout'])
    query = build_query(params)
    result = dict(changed=False, query=query, logs_url=client.url, entries=[])
    if params.get('count_by'):
        result['counts'] = client.counts(params['count_by'], query)
        result['count'] = sum(result['counts'].values())
    else:
        result['entries'] = client.query(query, limit=params['limit'])
        result['count'] = len(result['entries'])
    return result


def main():
    module = LakehouseModule(
        argument_spec=dict(
            query=dict(type='str'),
            component=dict(type='str'),
            line=dict(type='str'),
            since=dict(type='str'),
            count_by=dict(type='str'),
            limit=dict(type='int', default=100),
        ),
        connections=[logs_argument_spec()],
        supports_check_mode=True,
    )
    module.run(query_logs, module.params)


if __name__ == '__main__':
    main()
