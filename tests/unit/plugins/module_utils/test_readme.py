"""The README answers a newcomer's next question truthfully (issue 17): the "Use it yourself" examples call modules
with options they really have and credential files of the local stack's contract, the paths it gives exist, and the
report's link has one name (reports/report; the objectives' results are reports/latest/)."""

import importlib
import os
import re
import shlex

import yaml

from ansible.parsing.splitter import parse_kv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
PKG = 'ansible_collections.dataplatform.lakehouse.plugins'
CREDENTIAL_FILES = {'s3.json', 'postgresql.json', 'polaris.json'}  # plus polaris-<principal>.json


def read(name):
    with open(os.path.join(ROOT, name)) as handle:
        return handle.read()


def section(text, title):
    start = text.index('## %s' % title)
    end = text.find('\n## ', start + 3)
    return text[start:end if end > 0 else None]


def documented_options(module_name):
    doc = yaml.safe_load(importlib.import_module('%s.modules.%s' % (PKG, module_name)).DOCUMENTATION)
    options = set(doc['options'])
    for fragment in doc.get('extends_documentation_fragment') or []:
        name = fragment.split('.')[-1]
        options |= set(yaml.safe_load(importlib.import_module('%s.doc_fragments.%s' % (PKG, name))
                                      .ModuleDocFragment.DOCUMENTATION).get('options') or {})
    return options


def examples():
    """(module, {option: value}, [-e @files]) of each ad hoc command in the section's bash block."""
    block = re.search(r'```bash\n(.*?)```', section(read('README.md'), 'Use it yourself'), re.S).group(1)
    block = '\n'.join(line for line in block.splitlines() if not line.lstrip().startswith('#'))
    commands = re.split(r'\n(?=\S)', re.sub(r'\\\n\s*', ' ', block))
    out = []
    for command in commands:
        if ' -m dataplatform.lakehouse.' not in command:
            continue
        argv = shlex.split(command)
        module = argv[argv.index('-m') + 1].split('.')[-1]
        args = parse_kv(argv[argv.index('-a') + 1])  # how `ansible -a` reads it
        files = [argv[i + 1] for i, arg in enumerate(argv) if arg == '-e' and argv[i + 1].startswith('@')]
        out.append((module, args, files))
    return out


def test_three_runnable_examples_with_real_options():
    found = examples()
    assert len(found) == 3
    for module, args, files in found:
        unknown = set(args) - documented_options(module)
        assert not unknown, '%s has no option(s) %s' % (module, sorted(unknown))
        for path in files:
            name = os.path.basename(path)
            assert name in CREDENTIAL_FILES or re.match(r'^polaris-[a-z_]+\.json$', name), path
        # Every {{ variable }} of the command is a key of the credential files it loads.
        keys = {'endpoint_url', 'access_key', 'secret_key', 'region', 'client_id', 'client_secret', 'realm'}
        for value in args.values():
            assert set(re.findall(r'{{\s*(\w+)\s*}}', value)) <= keys


def test_paths_the_readme_gives_exist():
    text = read('README.md')
    for path in re.findall(r'`((?:gitops|roles|playbooks|docs|inventories)/[\w./<>-]+)`', text):
        if '<' in path:
            continue
        if path.startswith('gitops/'):  # rendered by the run: its template is in the metastore_backup role
            assert 'CronJob' in text
            continue
        assert os.path.exists(os.path.join(ROOT, path)), path


def test_one_name_for_the_report_link():
    for name in ['README.md'] + ['docs/' + n for n in os.listdir(os.path.join(ROOT, 'docs')) if n.endswith('.md')]:
        text = read(name)
        assert 'reports/last' not in text and '`last`' not in text, name
    assert 'reports/report' in read('README.md') and 'reports/latest/' in read('README.md')
