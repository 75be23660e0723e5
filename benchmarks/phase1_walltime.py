#!/usr/bin/env python
"""Wall time of `ansible-playbook phase1.yml` on a warm local stack, and how much of it is Ansible overhead.

    .venv/bin/python benchmarks/phase1_walltime.py [--runs 2] [--fresh] [--json out.json]

Each run uses the ansible.posix.json callback, so every task's start/end is known. Every module of this
collection returns `elapsed_seconds`: the time it spent on the work itself, after Python start-up and its
imports. For each run:

- work      = the sum of `elapsed_seconds` over all module results (loop items included);
- overhead  = wall time - work: ansible-playbook start-up, templating, AnsiballZ packing, one Python
              interpreter per task and its imports (pyiceberg, boto3), and the bookkeeping tasks (set_fact,
              file, copy, template, assert, debug) that do no platform work.

`--fresh` makes the first run create its table from nothing (a new namespace, dropped afterwards), so run 1 is a
true first run and run 2 the re-run. Without it both runs converge the inventory's tables.
The stack must be up: `ansible-playbook playbooks/local_stack.yml` (phase1.yml keeps it up).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')


def parse_time(text):
    return datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M:%S.%fZ')


def module_elapsed(host_result):
    """Seconds of work a task's module(s) reported: the loop items' sum, or the single result's."""
    items = host_result.get('results')
    if isinstance(items, list):
        return sum(float(item.get('elapsed_seconds') or 0) for item in items if isinstance(item, dict))
    return float(host_result.get('elapsed_seconds') or 0)


# Actions that run in the ansible-playbook process itself; every other task that is not skipped starts a process
# on the host (an interpreter per loop item): module runs are the share of the overhead that does not depend on load.
CONTROLLER_ACTIONS = frozenset('ansible.builtin.%s' % name for name in (
    'set_fact', 'assert', 'debug', 'fail', 'pause', 'meta', 'include_tasks', 'import_tasks', 'include_role',
    'import_role', 'include_vars', 'validate_argument_spec', 'add_host', 'group_by', 'set_stats', 'gather_facts'))


def module_runs(host_result):
    """Processes a task started on the host: one per loop item that was not skipped (0 for controller actions)."""
    if host_result.get('action') in CONTROLLER_ACTIONS:
        return 0
    items = host_result.get('results')
    if isinstance(items, list):
        return sum(1 for item in items if isinstance(item, dict) and not item.get('skipped'))
    return 0 if host_result.get('skipped') else 1


def run_phase1(extra_vars, label):
    env = dict(os.environ,
               ANSIBLE_STDOUT_CALLBACK='ansible.posix.json',
               ANSIBLE_CALLBACKS_ENABLED='ansible.posix.json',
               ANSIBLE_JSON_INDENT='0')
    cmd = [ANSIBLE_PLAYBOOK, 'phase1.yml']
    for key, value in extra_vars.items():
        cmd += ['-e', '%s=%s' % (key, value)]
    print('[%s] %s ...' % (label, ' '.join(cmd[1:])), file=sys.stderr, flush=True)
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout)[-2000:]
        raise SystemExit('phase1.yml failed in %s (rc=%d); last output:\n%s' % (label, proc.returncode, tail))
    # The json callback's document starts at the first line that opens it: ansible.builtin.pause (the scratch
    # table's wait for its orphan to pass the guard age) writes 'Pausing for N seconds' to stdout before it.
    start = 0 if proc.stdout.startswith('{') else proc.stdout.find('\n{') + 1
    report = json.loads(proc.stdout[start:])
    tasks = []
    for play in report['plays']:
        for task in play['tasks']:
            duration = task['task']['duration']
            if 'end' not in duration:
                continue
            seconds = (parse_time(duration['end']) - parse_time(duration['start'])).total_seconds()
            host = task['hosts'].get('localhost') or next(iter(task['hosts'].values()), {})
            tasks.append({
                'task': task['task']['name'],
                'action': host.get('action', ''),
                'seconds': round(seconds, 3),
                'work_seconds': round(module_elapsed(host), 3),
                'changed': bool(host.get('changed')),
                'module_runs': module_runs(host),
            })
    work = sum(t['work_seconds'] for t in tasks)
    in_tasks = sum(t['seconds'] for t in tasks)
    by_action = {}
    for t in tasks:
        entry = by_action.setdefault(t['action'], {'tasks': 0, 'seconds': 0.0, 'work_seconds': 0.0})
        entry['tasks'] += 1
        entry['seconds'] += t['seconds']
        entry['work_seconds'] += t['work_seconds']
    for entry in by_action.values():
        entry['overhead_seconds'] = round(entry['seconds'] - entry['work_seconds'], 2)
        entry['seconds'] = round(entry['seconds'], 2)
        entry['work_seconds'] = round(entry['work_seconds'], 2)
    result = {
        'label': label,
        'wall_seconds': round(wall, 2),
        'tasks': len(tasks),
        'changed_tasks': sum(1 for t in tasks if t['changed']),
        'module_runs': sum(t['module_runs'] for t in tasks),
        'work_seconds': round(work, 2),
        'overhead_seconds': round(wall - work, 2),
        'overhead_share': round((wall - work) / wall, 3),
        'outside_tasks_seconds': round(wall - in_tasks, 2),
        # The 1-minute load average at the end: on a shared machine the wall time says little without it.
        'load_average': round(os.getloadavg()[0], 2),
        'by_action': dict(sorted(by_action.items(), key=lambda kv: -kv[1]['overhead_seconds'])),
        'top_overhead_tasks': sorted(
            ({'task': t['task'], 'action': t['action'], 'seconds': t['seconds'],
              'overhead_seconds': round(t['seconds'] - t['work_seconds'], 3)} for t in tasks),
            key=lambda t: -t['overhead_seconds'])[:10],
    }
    print('[%s] wall %.1f s, work %.1f s, overhead %.1f s (%.0f %%), %d tasks, %d module runs, load %.1f'
          % (label, wall, work, wall - work, 100 * (wall - work) / wall, len(tasks), result['module_runs'],
             result['load_average']), file=sys.stderr, flush=True)
    return result


def drop_namespace(namespace, extra_args=()):
    """Remove the benchmark's namespace and table (through the module, the same catalog phase1 used)."""
    playbook = os.path.join(ROOT, 'benchmarks', 'files', 'drop_iceberg_namespace.yml')
    proc = subprocess.run([ANSIBLE_PLAYBOOK, playbook, '-e', 'bench_namespace=%s' % namespace] + list(extra_args),
                          cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print('warning: dropping the tables of namespace %s failed (rc=%d); drop them with: ansible-playbook %s -e '
              'bench_namespace=%s' % (namespace, proc.returncode, playbook, namespace), file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--runs', type=int, default=2, help='consecutive runs of phase1.yml (default 2)')
    parser.add_argument('--fresh', action='store_true',
                        help='run 1 creates its table from nothing in a new namespace (dropped afterwards)')
    parser.add_argument('--json', help='also write the figures to this file')
    parser.add_argument('-e', '--extra-var', action='append', default=[], metavar='KEY=VALUE',
                        help='passed to every ansible-playbook run, e.g. a stack on other ports: '
                             '-e local_stack_rgw_port=61480 (repeatable)')
    args = parser.parse_args()

    extra_vars = dict(item.split('=', 1) for item in args.extra_var)
    namespace = None
    if args.fresh:
        namespace = 'phase1_bench_%d' % int(time.time())
        extra_vars['iceberg_tables_namespace'] = namespace
    runs = []
    try:
        for number in range(1, args.runs + 1):
            runs.append(run_phase1(extra_vars, 'run %d' % number))
    finally:
        if namespace:
            drop_namespace(namespace, [arg for item in args.extra_var for arg in ('-e', item)])
    figures = {'benchmark': 'phase1_walltime', 'fresh_first_run': args.fresh, 'cpus': os.cpu_count(), 'runs': runs}
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump(figures, handle, indent=2)
    print('\n| run | wall s | work s | overhead s | overhead share | tasks | module runs | changed | load |',
          file=sys.stderr)
    print('|---|---|---|---|---|---|---|---|---|', file=sys.stderr)
    for run in runs:
        print('| %s | %.1f | %.1f | %.1f | %.0f %% | %d | %d | %d | %.1f |'
              % (run['label'], run['wall_seconds'], run['work_seconds'], run['overhead_seconds'],
                 100 * run['overhead_share'], run['tasks'], run['module_runs'], run['changed_tasks'],
                 run['load_average']), file=sys.stderr)


if __name__ == '__main__':
    main()
