#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: polaris_health
short_description: Health, metrics and metadata-call latency of an Apache Polaris server
version_added: 0.2.0
description:
  - Reads Polaris's readiness and liveness (C(/q/health/ready), C(/q/health/live)) and metrics (C(/q/metrics)) on its
    management interface, gets a token, and times metadata calls (list catalogs, list principal roles and, with
    O(catalog), list namespaces and load a table) over O(samples) calls each, after two warm-up calls.
  - Read-only.
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.polaris
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Read-only; behaves the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  management_uri:
    description: Base URL of the management interface. Default - the host of O(polaris_uri) on port 8182.
    type: str
  samples:
    description: Calls timed per metadata operation (0 skips the timing).
    type: int
    default: 50
  time_management:
    description:
      - Time the management API calls (list catalogs, list principal roles); they need a principal allowed to make
        them (service_admin). V(false) times only the catalog calls of O(catalog).
    type: bool
    default: true
  catalog:
    description: A catalog whose namespaces are listed (timed).
    type: str
  namespace:
    description: With O(catalog) and O(table), the namespace of the table loaded (timed); dots separate levels.
    type: str
  table:
    description: With O(catalog) and O(namespace), the table loaded (timed).
    type: str
  fail_unhealthy:
    description: Fail when the server is not ready, not live or serves no metrics (otherwise C(healthy=false) is returned).
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: Check Polaris and time its metadata calls
  dataplatform.lakehouse.polaris_health:
    polaris_uri: http://127.0.0.1:8181
    polaris_client_id: "{{ polaris_client_id }}"
    polaris_client_secret: "{{ polaris_client_secret }}"
    catalog: lakehouse
    namespace: lakehouse
    table: sample_data
    samples: 100
  register: polaris_health

- name: Metadata queries within 2 s (p95)
  ansible.builtin.assert:
    that: polaris_health.latency.load_table.p95_ms < 2000
'''

RETURN = r'''
healthy:
  description: Ready, live and serving metrics.
  returned: always
  type: bool
ready:
  description: C(/q/health/ready) answered C(UP).
  returned: always
  type: bool
live:
  description: C(/q/health/live) answered C(UP).
  returned: always
  type: bool
metrics:
  description: Counts of the metrics exposition (C(families), C(samples)), C(http_status), and C(highlights), the sums of a few series.
  returned: always
  type: dict
  sample: {families: 212, samples: 1460, http_status: 200, highlights: {http_server_requests_seconds_count: 120.0}}
token_seconds:
  description: Time to get a token for the principal.
  returned: always
  type: float
latency:
  description: Per operation, C(samples), C(p50_ms), C(p95_ms) and C(max_ms) of the timed calls.
  returned: always
  type: dict
  sample: {list_catalogs: {samples: 50, p50_ms: 4.1, p95_ms: 8.3, max_ms: 11.0}}
uri:
  description: The Polaris API base.
  returned: always
  type: str
management_uri:
  description: The management interface used.
  returned: always
  type: str
realm:
  description: The realm asked.
  returned: always
  type: str
elapsed_seconds:
  description: Seconds the module spent on its work, after Python start-up and imports.
  returned: always
  type: float
'''

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.connection import polaris_argument_spec
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.health import check_health


def main():
    module = LakehouseModule(
        argument_spec=dict(
            management_uri=dict(type='str'),
            samples=dict(type='int', default=50),
            time_management=dict(type='bool', default=True),
            catalog=dict(type='str'),
            namespace=dict(type='str'),
            table=dict(type='str'),
            fail_unhealthy=dict(type='bool', default=True),
        ),
        connections=[polaris_argument_spec()],
        supports_check_mode=True,
    )
    module.run(check_health, module.params)


if __name__ == '__main__':
    main()
