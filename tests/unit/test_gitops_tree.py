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
                 'kustomization.yaml'):
        assert os.path.join(TREE, path) in rendered


def test_no_secret_value_and_chart_pinned(rendered):
    for path, text in rendered.items():
        for needle in FORBIDDEN:
            assert needle not in text, '%s contains %r' % (path, needle)
    release = yaml.safe_load(rendered[os.path.join(TREE, 'polaris', 'app', 'helmrelease.yaml')])
    assert release['spec']['chart']['spec']['version'] == '1.4.1'  # the seed's "0.1.0" was never published
