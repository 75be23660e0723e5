"""The execution environment AWX runs the job templates in: its build context is made here for real (the collection
tarball and `ansible-builder create`), and the builder's own introspection of the installed tarball must yield
exactly the collection's requirements.txt and bindep.txt (what the image build runs at its introspect step).
The container build itself needs podman or docker, which the project's machines do not have (docs/awx.md)."""

import os
import re
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
BIN = os.path.dirname(sys.executable)


def requirement_lines(path):
    """Non-comment lines of a requirements or bindep file, inline comments removed."""
    with open(path) as handle:
        lines = [line.split('#', 1)[0].strip() for line in handle]
    return [line for line in lines if line]


@pytest.fixture(scope='module')
def context(tmp_path_factory):
    if not os.path.exists(os.path.join(BIN, 'ansible-builder')):
        pytest.fail('ansible-builder is missing from the venv: install requirements-test.txt')
    directory = tmp_path_factory.mktemp('ee') / 'context'
    env = dict(os.environ, LAKEHOUSE_VENV=os.path.dirname(BIN))
    subprocess.run([os.path.join(ROOT, 'scripts', 'ee-context'), str(directory)], check=True, env=env,
                   capture_output=True, text=True)
    return directory


def test_containerfile_builds_on_the_declared_base_image(context):
    with open(os.path.join(ROOT, 'execution-environment', 'execution-environment.yml')) as handle:
        definition = yaml.safe_load(handle)
    containerfile = (context / 'Containerfile').read_text()
    assert 'ARG EE_BASE_IMAGE="%s"' % definition['images']['base_image']['name'] in containerfile
    # the collection is installed from the tarball in the context, not from Galaxy
    assert yaml.safe_load((context / '_build' / 'requirements.yml').read_text()) == {
        'collections': [{'name': 'collections/dataplatform-lakehouse.tar.gz', 'type': 'file'}]}
    assert 'ansible-galaxy collection install' in containerfile and 'introspect' in containerfile


def test_tarball_carries_the_dependency_files(context):
    with tarfile.open(context / '_build' / 'collections' / 'dataplatform-lakehouse.tar.gz') as tarball:
        names = set(tarball.getnames())
    for needed in ('meta/execution-environment.yml', 'requirements.txt', 'bindep.txt', 'MANIFEST.json',
                   'plugins/modules/metastore_backup.py', 'roles/polaris/tasks/main.yml'):
        assert needed in names, needed
    assert not [name for name in names if name.startswith(('.venv', '.collections', 'execution-environment/context'))]


def test_introspection_of_the_installed_collection_yields_our_requirements(context, tmp_path):
    collections = tmp_path / 'collections'
    # --no-deps: kubernetes.core is in the AWX base image; Galaxy is not reachable from here anyway
    # --force and a neutral cwd: the checkout's ansible.cfg puts this collection on the collections path, and
    # ansible-galaxy would then call it installed and skip it
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--no-deps', '--force',
                    '-p', str(collections), str(context / '_build' / 'collections' / 'dataplatform-lakehouse.tar.gz')],
                   check=True, capture_output=True, text=True, cwd=str(tmp_path))
    assert (collections / 'ansible_collections' / 'dataplatform' / 'lakehouse' / 'MANIFEST.json').is_file()
    pip_out, bindep_out = tmp_path / 'requirements.txt', tmp_path / 'bindep.txt'
    subprocess.run([os.path.join(BIN, 'ansible-builder'), 'introspect', str(collections),
                    '--write-pip', str(pip_out), '--write-bindep', str(bindep_out)],
                   check=True, capture_output=True, text=True)
    # the builder leaves out ansible and ansible-core on purpose (the base image provides them)
    expected_pip = [line for line in requirement_lines(os.path.join(ROOT, 'requirements.txt'))
                    if not re.match(r'ansible(-core)?\b', line)]
    assert requirement_lines(pip_out) == expected_pip
    assert requirement_lines(bindep_out) == requirement_lines(os.path.join(ROOT, 'bindep.txt'))
