#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the polaris_* modules vs the same Polaris API calls made raw, on the local stack's Polaris.

    .venv/bin/python benchmarks/polaris.py                 # 50 grants, 200 metadata calls
    .venv/bin/python benchmarks/polaris.py --grants 100 --calls 500 --json-out /tmp/polaris.json
    .venv/bin/python benchmarks/polaris.py --restart       # also stop and start Polaris (start time, RSS)

Measures, in one run against the same server:
  * converging a catalog with two catalog roles holding --grants grants in all, through polaris_catalog run by
    ansible-playbook (the task's wall time and the module's own elapsed_seconds) vs the same writes made raw with one
    keep-alive-free client (create catalog, create the roles, PUT each grant): ratio raw / module (1.0 = no cost);
  * the idempotent second run of the module (changed false, no write), which the raw calls cannot do on Polaris
    1.4.1 (a re-sent grant answers HTTP 500 there);
  * metadata call latency (p50/p95 of list catalogs and list namespaces) through the collection's client (a new
    connection per call, as a module makes) vs the same GETs on one keep-alive connection;
  * with --restart: Polaris stop + start through the local_stack role (time to ready, RSS at ready).
Prints a markdown table and a JSON document. Everything it creates carries a unique prefix and is deleted.
"""

from __future__ import absolute_import, division, print_function

import argparse
import http.client as http_client
import json
import os
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, '.collections'))
STATE = os.environ.get('LAKEHOUSE_STATE_DIR') or '/var/lib/dataplatform-lakehouse'

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import (  # noqa: E402
    PolarisClient, quote_name,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.grants import (  # noqa: E402
    PRIVILEGES,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.health import (  # noqa: E402
    timed,
)


def load_json(path):
    with open(path) as handle:
        return json.load(handle)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--grants', type=int, default=50, help='grants in all, split over two catalog roles')
    p.add_argument('--calls', type=int, default=200, help='timed calls per metadata operation')
    p.add_argument('--restart', action='store_true', help='also stop and start Polaris (disturbs its other users)')
    p.add_argument('--json-out', help='also write the JSON result to this file')
    return p.parse_args()


def catalog_body(name, bucket, s3):
    location = 's3://%s/%s' % (bucket, name)
    return {'catalog': {'name': name, 'type': 'INTERNAL', 'properties': {'default-base-location': location},
                        'storageConfigInfo': {'storageType': 'S3', 'allowedLocations': [location],
                                              'endpoint': s3['endpoint_url'], 'pathStyleAccess': True,
                                              'stsUnavailable': True, 'region': s3.get('region') or 'us-east-1'}}}


def grant_plan(count):
    """Two roles, `count` catalog-level grants in all (each privilege once per role)."""
    privileges = list(PRIVILEGES['catalog'])
    per_role = (count + 1) // 2
    if per_role > len(privileges):
        raise SystemExit('--grants %d: at most %d (two roles x %d catalog privileges)'
                         % (count, 2 * len(privileges), len(privileges)))
    first = privileges[:per_role]
    second = privileges[:count - per_role]
    return {'bench_role_a': first, 'bench_role_b': second}


def raw_converge(client, name, bucket, s3, plan):
    started = time.monotonic()
    client.request('POST', 'catalogs', catalog_body(name, bucket, s3))
    for role, privileges in plan.items():
        client.request('POST', 'catalogs/%s/catalog-roles' % quote_name(name), {'catalogRole': {'name': role}})
        for privilege in privileges:
            client.request('PUT', 'catalogs/%s/catalog-roles/%s/grants' % (quote_name(name), quote_name(role)),
                           {'grant': {'type': 'catalog', 'privilege': privilege}})
    return time.monotonic() - started


def delete_catalog(client, name):
    roles = (client.get('catalogs/%s/catalog-roles' % quote_name(name), missing_ok=True) or {}).get('roles', [])
    for role in roles:
        if role['name'] != 'catalog_admin':
            client.request('DELETE', 'catalogs/%s/catalog-roles/%s' % (quote_name(name), quote_name(role['name'])),
                           missing_ok=True)
    client.request('DELETE', 'catalogs/%s' % quote_name(name), missing_ok=True)


def module_converge(root, name, bucket, s3, plan, workdir):
    """ansible-playbook of one polaris_catalog task: (task wall seconds, module elapsed_seconds, changed)."""
    location = 's3://%s/%s' % (bucket, name)
    task = {
        'dataplatform.lakehouse.polaris_catalog': {
            'polaris_uri': root['uri'], 'polaris_realm': root['realm'], 'polaris_client_id': root['client_id'],
            'polaris_client_secret': root['client_secret'], 'name': name, 'default_base_location': location,
            'storage': {'type': 's3', 'allowed_locations': [location], 'endpoint': s3['endpoint_url'],
                        'path_style_access': True, 'sts_unavailable': True, 'region': s3.get('region') or 'us-east-1'},
            'catalog_roles': [{'name': role, 'grants': [{'type': 'catalog', 'privilege': p} for p in privileges]}
                              for role, privileges in plan.items()],
        },
        'register': 'result', 'no_log': True,
    }
    out = os.path.join(workdir, 'result.json')
    play = [{'hosts': 'localhost', 'gather_facts': False, 'connection': 'local',
             'tasks': [task, {'ansible.builtin.copy': {'dest': out, 'content': '{{ result | to_json }}', 'mode': '0600'},
                              'no_log': True}]}]
    path = os.path.join(workdir, 'play.yml')
    with open(path, 'w') as handle:
        json.dump(play, handle)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'))
    started = time.monotonic()
    proc = subprocess.run([os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook'), '-i', 'localhost,', path,
                           '-e', 'ansible_python_interpreter=%s' % sys.executable],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit('polaris_catalog failed (exit %d); run it with -vvv to see why' % proc.returncode)
    result = load_json(out)
    return wall, result['elapsed_seconds'], result['changed']


def raw_latency(root, token, catalog, calls):
    """The same GETs on one keep-alive connection (http.client): what a long-lived client pays."""
    parts = urlsplit(root['uri'])
    conn = http_client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {'Authorization': 'Bearer ' + token, 'Polaris-Realm': root['realm'], 'Accept': 'application/json'}

    def get(path):
        conn.request('GET', path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit('GET %s: HTTP %d' % (path, response.status))

    try:
        return {'list_catalogs': timed(lambda: get('/api/management/v1/catalogs'), calls),
                'list_namespaces': timed(lambda: get('/api/catalog/v1/%s/namespaces' % quote_name(catalog)), calls)}
    finally:
        conn.close()


def restart_polaris():
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'))
    playbook = [os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook'), os.path.join(ROOT, 'playbooks', 'local_stack.yml'),
                '-e', '{"local_stack_services": ["polaris"]}']
    subprocess.run(playbook + ['-e', 'local_stack_state=stopped'], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    started = time.monotonic()
    subprocess.run(playbook, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    pid = int(open(os.path.join(STATE, 'polaris', 'polaris.pid')).read().split()[0])
    with open('/proc/%d/status' % pid) as handle:
        rss_kib = [int(line.split()[1]) for line in handle if line.startswith('VmRSS:')][0]
    return {'start_playbook_seconds': round(seconds, 2), 'rss_mib_at_ready': round(rss_kib / 1024.0, 1)}


def main():
    args = parse_args()
    root = load_json(os.path.join(STATE, 'credentials', 'polaris.json'))
    s3 = load_json(os.path.join(STATE, 'credentials', 's3.json'))
    client = PolarisClient(root['uri'], root['client_id'], root['client_secret'], realm=root['realm'])
    prefix = 'bench%d' % int(time.time())
    bucket = 'lakehouse-warehouse'
    plan = grant_plan(args.grants)
    writes = 1 + len(plan) + sum(len(p) for p in plan.values())
    result = {'grants': args.grants, 'writes': writes, 'calls': args.calls}
    workdir = tempfile.mkdtemp(prefix='polaris-bench-')
    raw_name, module_name = prefix + '_raw', prefix + '_module'
    try:
        raw_seconds = raw_converge(client, raw_name, bucket, s3, plan)
        wall, elapsed, changed = module_converge(root, module_name, bucket, s3, plan, workdir)
        wall2, elapsed2, changed2 = module_converge(root, module_name, bucket, s3, plan, workdir)
        result['converge'] = {
            'raw_seconds': round(raw_seconds, 3), 'module_seconds': elapsed, 'task_wall_seconds': round(wall, 3),
            'ratio_raw_over_module': round(raw_seconds / elapsed, 3) if elapsed else None,
            'changed': changed,
            'second_run': {'module_seconds': elapsed2, 'task_wall_seconds': round(wall2, 3), 'changed': changed2},
        }
        module_latency = {
            'list_catalogs': timed(lambda: client.get('catalogs'), args.calls),
            'list_namespaces': timed(lambda: client.request('GET', quote_name(module_name) + '/namespaces',
                                                            api='/api/catalog/v1'), args.calls),
        }
        result['latency'] = {'module_client': module_latency,
                             'raw_keepalive': raw_latency(root, client.token(), module_name, args.calls)}
        if args.restart:
            result['restart'] = restart_polaris()
    finally:
        for name in (raw_name, module_name):
            delete_catalog(client, name)
    conv = result['converge']
    print('| measure | module | raw | ratio raw/module |')
    print('|---|---|---|---|')
    print('| converge %d grants (%d writes) | %.3f s (task %.2f s) | %.3f s | %s |'
          % (args.grants, writes, conv['module_seconds'], conv['task_wall_seconds'], conv['raw_seconds'],
             conv['ratio_raw_over_module']))
    print('| idempotent re-run | %.3f s, changed %s (task %.2f s) | n/a (re-sent grants: HTTP 500 on 1.4.1) | - |'
          % (conv['second_run']['module_seconds'], conv['second_run']['changed'], conv['second_run']['task_wall_seconds']))
    for op in ('list_catalogs', 'list_namespaces'):
        m, r = result['latency']['module_client'][op], result['latency']['raw_keepalive'][op]
        print('| %s p50 / p95 | %.2f / %.2f ms | %.2f / %.2f ms | %.2f |'
              % (op, m['p50_ms'], m['p95_ms'], r['p50_ms'], r['p95_ms'], r['p50_ms'] / m['p50_ms']))
    if 'restart' in result:
        print('| Polaris start (playbook) | %.1f s, RSS %.0f MiB | - | - |'
              % (result['restart']['start_playbook_seconds'], result['restart']['rss_mib_at_ready']))
    print(json.dumps(result, indent=2, sort_keys=True))
    if args.json_out:
        with open(args.json_out, 'w') as handle:
            json.dump(result, handle, indent=2, sort_keys=True)


if __name__ == '__main__':
    main()
