"""The committed GitOps tree (kubernetes/) is exactly what the roles' templates render: it cannot drift.

Renders playbooks/gitops.yml into a temporary directory with the roles' defaults and compares every file, both
ways (a file missing from the commit, or committed but no longer rendered, fails too). After changing a template:
    ansible-playbook playbooks/gitops.yml -e lakehouse_gitops_dir=$PWD
"""
import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
TREE = os.path.join('kubernetes', 'apps', 'data-platform')
# Strings that would mean a credential landed in the tree (the tree names Secrets, never holds their values).
FORBIDDEN = ('BEGIN PRIVATE KEY', 'BEGIN RSA PRIVATE KEY', 'password=', 'secret_key', 'clientSecret:')


def files_under(base):
    found = {}
    for dirpath, _dirs, names in os.walk(os.path.join(base, TREE)):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, encoding='utf-8') as handle:
                found[os.path.relpath(path, base)] = handle.read()
    return found


@pytest.fixture(scope='module')
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp('gitops')
    playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), ANSIBLE_NOCOLOR='1')
    env.pop('LAKEHOUSE_STATE_DIR', None)
    proc = subprocess.run([playbook, os.path.join(ROOT, 'playbooks', 'gitops.yml'), '-e',
                           'lakehouse_gitops_dir=%s' % out], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return files_under(str(out))


def test_committed_tree_equals_rendered(rendered):
    committed = files_under(ROOT)
    assert sorted(committed) == sorted(rendered), 'render with: ansible-playbook playbooks/gitops.yml -e lakehouse_gitops_dir=$PWD'
    for path, text in rendered.items():
        assert committed[path] == text, '%s differs from what the templates render' % path


def test_tree_has_the_seed_layout(rendered):
    for path in ('polaris/app/helmrelease.yaml', 'polaris/app/helmrepository.yaml', 'polaris/app/kustomization.yaml',
                 'polaris/app/values.yaml', 'metastore-backup/app/backup-cronjob.yaml',
                 'metastore-backup/app/kustomization.yaml', 'namespace.yaml', 'rbac.yaml', 'networkpolicy.yaml',
                 'kustomization.yaml', 'hive-metastore/app/backup-cronjob.yaml', 'hive-metastore/app/deployment.yaml',
                 'hive-metastore/app/service.yaml', 'hive-metastore/app/schema-init-job.yaml',
                 'hive-metastore/app/metastore-site.xml', 'hive-metastore/app/kustomization.yaml'):
        assert os.path.join(TREE, path) in rendered


def test_no_secret_value_and_chart_pinned(rendered):
    for path, text in rendered.items():
        for needle in FORBIDDEN:
            assert needle not in text, '%s contains %r' % (path, needle)
    release = yaml.safe_load(rendered[os.path.join(TREE, 'polaris', 'app', 'helmrelease.yaml')])
    assert release['spec']['chart']['spec']['version'] == '1.4.1'  # the seed's "0.1.0" was never published


def hms(name):
    return os.path.join(TREE, 'hive-metastore', 'app', name)


def test_hive_metastore_app(rendered):
    """The seed's Hive Metastore in cluster mode: its resources, Thrift, the schema Job, the backup CronJob at the
    seed's path; the login only as references (Secret keys, ${env.*} in metastore-site.xml)."""
    assert '  - hive-metastore/app\n' in rendered[os.path.join(TREE, 'kustomization.yaml')]
    app = yaml.safe_load(rendered[hms('kustomization.yaml')])
    assert sorted(app['resources']) == sorted(['serviceaccount.yaml', 'service.yaml', 'networkpolicy.yaml',
                                               'schema-init-job.yaml', 'deployment.yaml', 'backup-cronjob.yaml'])
    files = sorted(app['configMapGenerator'][0]['files'])
    assert files == ['metastore-log4j2.properties', 'metastore-site.xml', 'schema-init.sh']
    deployment = yaml.safe_load(rendered[hms('deployment.yaml')])
    pod = deployment['spec']['template']['spec']
    server = pod['containers'][0]
    assert server['resources'] == {'requests': {'cpu': '200m', 'memory': '4Gi'}, 'limits': {'memory': '4Gi'}}
    assert server['ports'] == [{'name': 'thrift', 'containerPort': 9083, 'protocol': 'TCP'}]
    assert server['command'][-1] == 'org.apache.hadoop.hive.metastore.HiveMetaStore'
    assert pod['initContainers'][0]['command'][-1] == 'wait'
    env = dict((e['name'], e) for e in server['env'])
    assert env['HIVE_METASTORE_DB_PASSWORD']['valueFrom']['secretKeyRef'] == {
        'name': 'hive-metastore-db-credentials', 'key': 'password'}
    assert deployment['metadata']['labels']['app.kubernetes.io/version'] == '4.0.0'
    service = yaml.safe_load(rendered[hms('service.yaml')])
    assert service['spec']['ports'][0]['port'] == 9083
    job = yaml.safe_load(rendered[hms('schema-init-job.yaml')])
    assert job['spec']['template']['spec']['containers'][0]['command'][-2:] == [
        '/opt/hive-metastore/conf/schema-init.sh', 'init']
    site = rendered[hms('metastore-site.xml')]
    assert '<value>${env.HIVE_METASTORE_DB_PASSWORD}</value>' in site
    assert '<value>${env.HIVE_METASTORE_DB_USER}</value>' in site
    assert 'metastore.thrift.bind.host' not in site  # every interface of the pod
    script = rendered[hms('schema-init.sh')]
    assert '-initSchema' in script and '-validate' in script and 'expected=4.0.0' in script
    cronjob = yaml.safe_load(rendered[hms('backup-cronjob.yaml')])
    catalog = yaml.safe_load(rendered[os.path.join(TREE, 'metastore-backup', 'app', 'backup-cronjob.yaml')])
    assert cronjob['metadata']['name'] == 'hive-metastore-backup' and catalog['metadata']['name'] == 'metastore-backup'
    pod_spec = cronjob['spec']['jobTemplate']['spec']['template']['spec']
    assert pod_spec['serviceAccountName'] == 'hive-metastore'
    assert 'database=hive_metastore' in pod_spec['containers'][0]['command'][-1]
    assert pod_spec['containers'][0]['env'][0]['valueFrom']['secretKeyRef']['name'] == 'hive-metastore-db-credentials'
    # One template: the two CronJobs differ only in what names the database, its Secret and the ServiceAccount.
    catalog_spec = catalog['spec']['jobTemplate']['spec']['template']['spec']
    assert pod_spec['containers'][0]['image'] == catalog_spec['containers'][0]['image']
    assert cronjob['spec']['schedule'] == catalog['spec']['schedule']
