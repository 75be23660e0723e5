#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: phase1_report
short_description: Evaluate the Phase 1 success criteria and write the report (Markdown, JSON, JUnit, plots)
version_added: 0.1.0
description:
  - Checks each Phase 1 success criterion against the figures the objective roles measured and wrote as JSON
    (C(s3_storage.json), C(polaris.json), C(iceberg_tables.json), C(metastore_backup.json)), and writes the report
    into C(<report_root>/<timestamp>/) - C(summary.md) (one table per objective - check, result, figure,
    threshold, detail), C(results.json), C(junit.xml) (one C(testsuite) per objective, one C(testcase) per
    criterion, for CI and AWX) and PNG plots of the baselines.
  - The report is written into a temporary directory next to its final place, then renamed, so an interrupted
    run never leaves a partial report. Directories are 0755, files 0644. With O(latest_link), the symlink
    C(<report_root>/report) is replaced atomically to point at the new report.
  - "Criteria and their ids (stable).
    Objective 1.1 - V(s3_functional) (the S3 checks Iceberg needs pass - C(compatible) and no failed check),
    V(s3_operation_latency) (slowest small-object S3 operation of the baseline <= O(thresholds.s3_operation_seconds)).
    Objective 1.2 - V(polaris_deployed), V(catalog_answering) (every check in C(polaris.json) passes) and one
    C(polaris_check_<name>) per check of C(polaris.json); without C(polaris.json) they fail, like every objective.
    Objective 1.3 - V(table_creation_time) (slowest table create/converge <= O(thresholds.table_creation_seconds)),
    V(metadata_query_latency) (slowest catalog metadata read, time inside the info module, <=
    O(thresholds.metadata_query_seconds)), V(tables_created_updated_queried) (each table read back with a snapshot,
    metadata and data files on S3, the evolved column present and rows appended), V(time_travel) (the tagged
    snapshot before the evolution reads back its rows), V(maintenance) (every table maintained).
    Objective 1.4 - V(backup_time) (slowest backup <= O(thresholds.backup_seconds)), V(backup_recovery_validated)
    (every new backup restored into a scratch database and matching its manifest), V(backup_scheduled) (the
    CronJob rendered; skipped when not rendered).
    Objective hms (optional, C(hive_metastore.json) from M(dataplatform.lakehouse.hive_metastore_check)) -
    V(hms_metadata_queries) (slowest p95 of the Hive Metastore's database and table lookups <=
    O(thresholds.metadata_query_seconds)), V(hms_tables_created_updated_queried) (an Iceberg table created, updated
    and queried through the metastore). Objective ops (optional, C(operational_readiness.json)) - V(targets_up),
    V(alert_rules_loaded_tested), V(dashboards_data), V(logs_per_component)."
  - A results file that is absent (or unreadable) fails every criterion of its objective with the playbook to run;
    the optional objectives are skipped instead (for hms - C(not measured - no Hive Metastore configured; enable
    with ...)), never passed.
  - Results without the C(timings) key (older C(iceberg_tables.json)) fall back to C(tables[].seconds) and
    C(demo.time_travel_seconds); the metadata query criterion then passes only on an upper bound within the
    threshold, and fails with C(no measurement) otherwise.
  - Values of O(secrets) are never written - any occurrence in the report is replaced by C(********) and counted
    in RV(redactions).
author:
  - dataplatform.lakehouse contributors (@dataplatform)
requirements:
  - matplotlib (only with O(plots=true))
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Evaluates and renders the report in memory and writes nothing; C(changed) says whether a run would write.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  results:
    description:
      - The objectives' results, by name - V(s3_storage), V(polaris), V(iceberg_tables), V(metastore_backup), V(hive_metastore), V(operational_readiness).
        Each value is the parsed JSON (a dict) or its text. A name that is absent or null means the file does not
        exist.
    type: dict
    default: {}
  results_dir:
    description:
      - Read the results from this directory instead, the files C(<name>.json) the objective roles write (an absent
        or unreadable file counts as absent, as in O(results)). Merged under O(results) (O(results) wins).
      - One task instead of a M(ansible.builtin.find) and a M(ansible.builtin.slurp) per file.
    type: path
  thresholds:
    description: Thresholds of the performance criteria, in seconds; each must be a number > 0.
    type: dict
    default: {}
    suboptions:
      s3_operation_seconds:
        description: Slowest S3 operation of the baseline.
        type: float
        default: 5
      metadata_query_seconds:
        description: Slowest catalog metadata query.
        type: float
        default: 2
      table_creation_seconds:
        description: Slowest table creation.
        type: float
        default: 30
      backup_seconds:
        description: Slowest metastore backup.
        type: float
        default: 600
  report_root:
    description: Directory of the reports; this report goes into C(<report_root>/<timestamp>/). Created if missing.
    type: path
    required: true
  timestamp:
    description:
      - Name of the report directory. Default UTC now as C(YYYYmmddTHHMMSSZ).
      - Letters, digits, C(.), C(_) and C(-) only. An existing report directory of that name is replaced (and left
        alone when its content would be the same).
    type: str
  plots:
    description:
      - Draw the PNG plots C(s3_latency.png) (per-operation latency - min, p50, p95, p99, max),
        C(s3_throughput_by_size.png) (PUT and GET throughput by object size, 4 KiB to 64 MiB, with the size from
        which it saturates) and C(step_timings.png) (the time inside the module of every step of objectives 1.1,
        1.3 and 1.4, the S3 validation included).
      - A plot whose data are absent is left out.
    type: bool
    default: true
  secrets:
    description: Values that must never appear in the report (S3 secret key, database passwords, client secrets).
    type: list
    elements: str
    default: []
  latest_link:
    description: Maintain the symlink C(<report_root>/report) pointing at the new report.
    type: bool
    default: true
notes:
  - "The report is a measurement: a role that runs it on every play may mark the task C(changed_when: false)."
seealso:
  - module: dataplatform.lakehouse.ceph_s3_validate
  - module: dataplatform.lakehouse.iceberg_table_info
  - module: dataplatform.lakehouse.metastore_backup
'''

EXAMPLES = r'''
- name: Read the results of objective 1.1
  ansible.builtin.slurp:
    src: reports/latest/s3_storage.json
  register: s3_results

- name: Write the Phase 1 report
  dataplatform.lakehouse.phase1_report:
    results:
      s3_storage: "{{ s3_results.content | b64decode }}"
    thresholds:
      s3_operation_seconds: 5
      backup_seconds: 600
    report_root: reports
    secrets:
      - "{{ s3_secret_key }}"
  register: phase1

- name: Fail when a criterion failed
  ansible.builtin.fail:
    msg: "Failed criteria: {{ phase1.failed_criteria | join(', ') }}; see {{ phase1.report_dir }}/summary.md"
  when: not phase1.passed
'''

RETURN = r'''
report_dir:
  description: Directory of the report (not written in check mode).
  returned: always
  type: str
  sample: /srv/lakehouse/reports/20261126T110000Z
files:
  description: Paths of the report's files.
  returned: always
  type: list
  elements: str
  sample:
    - /srv/lakehouse/reports/20261126T110000Z/junit.xml
    - /srv/lakehouse/reports/20261126T110000Z/results.json
    - /srv/lakehouse/reports/20261126T110000Z/s3_latency.png
    - /srv/lakehouse/reports/20261126T110000Z/summary.md
criteria:
  description: Every criterion, in objective order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Stable id of the criterion (see the description).
      type: str
    objective:
      description: Objective, V(1.1) to V(1.4), V(hms) or V(ops).
      type: str
    check:
      description: What is checked, in words.
      type: str
    status:
      description: V(passed), V(failed) or V(skipped).
      type: str
    figure:
      description: The measured figure (number or text), null when there is none.
      type: raw
    unit:
      description: Unit of a numeric figure (V(s)), or null.
      type: str
    threshold:
      description: The threshold (number, with RV(criteria[].unit)) or the condition in words, or null.
      type: raw
    detail:
      description: How the figure was obtained, or why the criterion failed or was skipped (with what to do).
      type: str
  sample:
    - id: s3_operation_latency
      objective: '1.1'
      check: S3 operations complete within 5 s
      status: passed
      figure: 0.0318
      unit: s
      threshold: 5.0
      detail: 'slowest of 250 small-object operations (4 KiB): list 31.752 ms'
failed_criteria:
  description: Ids of the failed criteria (not C(failed), which Ansible reserves for the task's own status).
  returned: always
  type: list
  elements: str
  sample: [metadata_query_latency]
passed:
  description: True when no criterion failed (skipped ones do not count).
  returned: always
  type: bool
summary:
  description: Counts of the criteria.
  returned: always
  type: dict
  sample: {total: 13, passed: 11, failed: 0, skipped: 2}
objectives:
  description: Per objective - objective, title, results file, input (V(present), V(absent), V(unreadable ...)),
    status and the counts.
  returned: always
  type: list
  elements: dict
  sample:
    - objective: '1.2'
      title: Apache Polaris catalog
      results: polaris.json
      input: absent
      playbook: null
      status: skipped
      passed: 0
      failed: 0
      skipped: 2
lines:
  description: A short summary - one line per objective (status, counts, failed ids), then the overall result.
  returned: always
  type: list
  elements: str
  sample:
    - '1.1 S3 storage validated for Apache Iceberg: PASSED (2 passed)'
    - '1.2 Apache Polaris catalog: PASSED (10 passed)'
    - 'Phase 1: PASSED (21 passed, 0 failed, 0 skipped)'
timestamp:
  description: Name of the report directory.
  returned: always
  type: str
  sample: 20261126T110000Z
redactions:
  description: How many occurrences of O(secrets) were replaced by C(********) in the report (0 expected).
  returned: always
  type: int
  sample: 0
elapsed_seconds:
  description: Seconds the module spent on its work, after Python start-up and imports (what Ansible adds is the rest of the task's time).
  returned: success
  type: float
  sample: 0.412
'''

import os

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.charts import import_matplotlib
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.model import DEFAULT_THRESHOLDS, RESULT_NAMES
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.writer import make_report


def argument_spec():
    return dict(
        results=dict(type='dict', default={}),
        results_dir=dict(type='path'),
        thresholds=dict(type='dict', default={}, options=dict(
            (name, dict(type='float', default=value)) for name, value in DEFAULT_THRESHOLDS.items())),
        report_root=dict(type='path', required=True),
        timestamp=dict(type='str'),
        plots=dict(type='bool', default=True),
        secrets=dict(type='list', elements='str', default=[], no_log=True),
        latest_link=dict(type='bool', default=True),
    )


def read_results_dir(directory):
    """{name: text} of the results files present in `directory` (a missing one is left out: absent)."""
    found = {}
    for name in RESULT_NAMES:
        try:
            with open(os.path.join(directory, name + '.json'), encoding='utf-8') as handle:
                found[name] = handle.read()
        except (OSError, UnicodeDecodeError):
            continue
    return found


def run_report(params, check_mode=False, warn=None):
    """make_report with the module's parameters; its warnings go to warn(). ReportError is raised as it is."""
    results = dict(read_results_dir(params['results_dir']) if params.get('results_dir') else {})
    results.update(params['results'])
    result = make_report(
        results, thresholds=params['thresholds'], report_root=params['report_root'],
        timestamp=params['timestamp'], plots=params['plots'],
        secrets=params['secrets'], latest_link=params['latest_link'], check_mode=check_mode)
    for warning in result.pop('warnings'):
        if warn:
            warn(warning)
    return result


def main():
    module = LakehouseModule(argument_spec=argument_spec(), supports_check_mode=True)
    if module.params['plots']:
        dummy, dummy2, error = import_matplotlib()
        if error:
            module.fail_json(msg=missing_required_lib('matplotlib') + ' (or set plots: false)', exception=error)
    # A bug, or results shaped in a way nobody foresaw: one line, the traceback only with -vvv.
    module.run(run_report, module.params, check_mode=module.check_mode, warn=module.warn,
               describe=lambda exc: 'phase1_report could not build the report: %s: %s' % (type(exc).__name__, exc))


if __name__ == '__main__':
    main()
