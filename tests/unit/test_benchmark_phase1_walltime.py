"""benchmarks/phase1_walltime.py's pure logic: what counts as a module run, the work a task reported."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                'benchmarks'))

import phase1_walltime  # noqa: E402


def test_controller_actions_start_no_process():
    assert phase1_walltime.module_runs({'action': 'ansible.builtin.set_fact'}) == 0
    assert phase1_walltime.module_runs({'action': 'ansible.builtin.pause'}) == 0


def test_a_module_task_is_one_run_unless_skipped():
    assert phase1_walltime.module_runs({'action': 'dataplatform.lakehouse.iceberg_table'}) == 1
    assert phase1_walltime.module_runs({'action': 'ansible.builtin.stat', 'skipped': True}) == 0


def test_a_loop_counts_its_items_that_ran():
    host = {'action': 'dataplatform.lakehouse.s3_bucket',
            'results': [{'elapsed_seconds': 0.2}, {'skipped': True}, {'elapsed_seconds': 0.3}]}
    assert phase1_walltime.module_runs(host) == 2
    assert phase1_walltime.module_elapsed(host) == 0.5
