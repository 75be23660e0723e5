#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the collection's AWX job templates the way AWX runs them, without AWX.

The job templates, credential types and workflow are data in roles/awx_controller/defaults/main.yml (what
playbooks/awx_configure.yml applies to a controller). AWX executes a job with ansible-runner in a private data
directory: the project checked out, the inventory from the project, the job's extra variables (the template's,
the survey answers, the credentials' injected extra_vars) in env/extravars, the injected environment in
env/envvars, no job slicing. This tool builds that same invocation from the definitions (not a copy of them) and
runs it, then checks the job's events.

    python tests/awx/awx_jobs.py validate
    python tests/awx/awx_jobs.py run --state-dir /var/lib/dataplatform-lakehouse \\
        --template 'lakehouse 1.1 S3 storage' --repeat 'lakehouse 1.2 Polaris catalog' --json-out /tmp/awx.json

`validate` prints one line per problem (a playbook that does not exist, a survey variable no role of the playbook
accepts, a credential type that lacks a field the roles need) and exits 1 when there is any.
`run` prints a JSON summary per job: status, rc, failed tasks, changed count, secrets found in events or artifacts.
The connection values come from the local stack's credential files, as the credentials' inputs.
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import re
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFINITIONS = os.path.join(ROOT, 'roles', 'awx_controller', 'defaults', 'main.yml')
ROLE_PREFIX = 'dataplatform.lakehouse.'

# What roles/lakehouse_connection refuses to go on without when lakehouse_stack is not local (its "Fail when ..."
# tasks), per system: a credential type that injects one variable of a system must inject all of them.
CONNECTION_NEEDS = {
    's3': ('lakehouse_s3_endpoint_url', 'lakehouse_s3_access_key', 'lakehouse_s3_secret_key'),
    'polaris': ('lakehouse_polaris_uri', 'lakehouse_polaris_client_id', 'lakehouse_polaris_client_secret'),
    'postgresql': ('lakehouse_postgresql_host', 'lakehouse_postgresql_user', 'lakehouse_postgresql_password'),
}
# The systems each objective role connects to (its tasks use these connection facts).
ROLE_SYSTEMS = {
    's3_storage': ('s3',),
    'polaris': ('s3', 'polaris'),
    'iceberg_tables': ('s3', 'polaris'),
    'metastore_backup': ('s3', 'postgresql'),
    # the report resolves the connection (lakehouse_connection needs an S3 endpoint) to mask its secrets
    'phase1': ('s3',),
}
# AWX survey question types and the argument-spec types their answers satisfy.
SURVEY_TYPES = {
    'text': ('str', 'path', 'raw'),
    'textarea': ('str', 'raw'),
    'password': ('str', 'raw'),
    'integer': ('int', 'float', 'raw'),
    'float': ('float', 'raw'),
    'multiplechoice': ('str', 'bool', 'raw'),
    'multiselect': ('list', 'raw'),
}
INJECTOR_FIELD = re.compile(r'\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}')


class AwxJobError(Exception):
    pass


# ---------------------------------------------------------------------------------------------------------------
# Definitions and role specifications


def load_definitions(path=DEFINITIONS):
    """The role's defaults, templated as Ansible would (the !unsafe injector templates stay as they are)."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar

    loader = DataLoader()
    data = loader.load_from_file(path, trusted_as_template=True)
    templar = Templar(loader=loader, variables=data)
    return plain(templar.template(data))


def plain(value):
    """Ansible's tagged/unsafe strings and containers as plain Python data."""
    if isinstance(value, dict):
        return dict((str(k), plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    return str(value)


def read_yaml(path):
    import yaml
    with open(path) as handle:
        return yaml.safe_load(handle)


def role_options(root, role):
    """Options of a role's main entry point, with their argument specs."""
    path = os.path.join(root, 'roles', role, 'meta', 'argument_specs.yml')
    if not os.path.exists(path):
        return {}
    specs = read_yaml(path) or {}
    return ((specs.get('argument_specs') or {}).get('main') or {}).get('options') or {}


def playbook_roles(root, playbook, seen=None):
    """The collection's roles a playbook runs (include_role, import_role, roles:), through import_playbook."""
    seen = set() if seen is None else seen
    path = os.path.join(root, playbook)
    if path in seen:
        return set()
    seen.add(path)
    roles = set()
    base = os.path.dirname(playbook)

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ('ansible.builtin.include_role', 'ansible.builtin.import_role', 'include_role', 'import_role'):
                    name = (value or {}).get('name', '') if isinstance(value, dict) else ''
                    if name.startswith(ROLE_PREFIX):
                        roles.add(name[len(ROLE_PREFIX):])
                elif key == 'roles' and isinstance(value, list):
                    for item in value:
                        name = item.get('role', item.get('name', '')) if isinstance(item, dict) else item
                        if isinstance(name, str) and name.startswith(ROLE_PREFIX):
                            roles.add(name[len(ROLE_PREFIX):])
                elif key in ('ansible.builtin.import_playbook', 'import_playbook') and isinstance(value, str):
                    roles.update(playbook_roles(root, os.path.normpath(os.path.join(base, value)), seen))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(read_yaml(path))
    return roles


# ---------------------------------------------------------------------------------------------------------------
# Validation (pure: definitions in, one line per problem out)


def injected_variables(credential_type):
    return dict((credential_type.get('injectors') or {}).get('extra_vars') or {})


def validate(definitions, root=ROOT, options_of=None, roles_of=None):
    """Every problem of the definitions, one actionable line each."""
    options_of = options_of or (lambda role: role_options(root, role))
    roles_of = roles_of or (lambda playbook: playbook_roles(root, playbook))
    problems = []
    types = dict((t['name'], t) for t in definitions.get('awx_controller_credential_types') or [])
    credentials = dict((c['name'], c) for c in definitions.get('awx_controller_credentials') or [])
    connection_options = options_of('lakehouse_connection')

    for ctype in types.values():
        fields = [f['id'] for f in (ctype.get('inputs') or {}).get('fields') or []]
        injected = injected_variables(ctype)
        for variable, template in sorted(injected.items()):
            if variable not in connection_options:
                problems.append("credential type '%s' injects %s, which roles/lakehouse_connection does not read: "
                                "inject one of its options (meta/argument_specs.yml)" % (ctype['name'], variable))
            for field in INJECTOR_FIELD.findall(str(template)):
                if field not in fields:
                    problems.append("credential type '%s': injector of %s uses field '%s', which is not among its "
                                    "input fields (%s): add the field or fix the injector"
                                    % (ctype['name'], variable, field, ', '.join(fields)))
        for system, needed in sorted(CONNECTION_NEEDS.items()):
            if any(v in injected for v in needed):
                missing = [v for v in needed if v not in injected]
                if missing:
                    problems.append("credential type '%s' lacks %s, which the roles need to reach %s: add an input "
                                    "field and inject it" % (ctype['name'], ', '.join(missing), system))

    for name, cred in sorted(credentials.items()):
        if cred.get('credential_type') not in types:
            problems.append("credential '%s' has type '%s', which is not in awx_controller_credential_types"
                            % (name, cred.get('credential_type')))

    for template in definitions.get('awx_controller_job_templates') or []:
        problems.extend(validate_job_template(template, definitions, root, types, credentials, options_of, roles_of))

    names = [t['name'] for t in definitions.get('awx_controller_job_templates') or []]
    workflow = definitions.get('awx_controller_workflow') or {}
    identifiers = [n.get('identifier') for n in workflow.get('nodes') or []]
    for node in workflow.get('nodes') or []:
        if node.get('job_template') not in names:
            problems.append("workflow node '%s' runs job template '%s', which is not defined"
                            % (node.get('identifier'), node.get('job_template')))
        for target in (node.get('success') or []) + (node.get('failure') or []):
            if target not in identifiers:
                problems.append("workflow node '%s' leads to '%s', which is not a node of the workflow"
                                % (node.get('identifier'), target))
    return problems


def validate_job_template(template, definitions, root, types, credentials, options_of, roles_of):
    problems = []
    name, playbook = template.get('name'), template.get('playbook') or ''
    if not os.path.isfile(os.path.join(root, playbook)):
        return ["job template '%s': playbook %s does not exist in the project: name a playbook of the repository "
                "(playbooks/*.yml or phase1.yml)" % (name, playbook or '(none)')]
    roles = roles_of(playbook)
    options = {}
    for role in sorted(roles):
        options.update(options_of(role))
    options.update(options_of('lakehouse_connection'))
    for question in template.get('survey') or []:
        variable, qtype = question.get('variable'), question.get('type')
        spec = options.get(variable)
        if spec is None:
            problems.append("job template '%s': survey variable %s is not an option of any role %s runs (%s): use "
                            "a variable of their meta/argument_specs.yml"
                            % (name, variable, playbook, ', '.join(sorted(roles)) or 'none'))
            continue
        accepted = SURVEY_TYPES.get(qtype)
        if accepted is None:
            problems.append("job template '%s': survey variable %s has type '%s'; AWX survey types are %s"
                            % (name, variable, qtype, ', '.join(sorted(SURVEY_TYPES))))
            continue
        spec_type = spec.get('type', 'str')
        if spec_type not in accepted:
            problems.append("job template '%s': survey variable %s is a %s question, but the role option is of type "
                            "%s: make it one of the question types for %s" % (name, variable, qtype, spec_type, spec_type))
        choices = spec.get('choices')
        answers = question.get('choices') or ([question['default']] if 'default' in question else [])
        if choices and qtype in ('multiplechoice', 'text'):
            wrong = [a for a in answers if a not in choices and str(a) not in [str(c) for c in choices]]
            if wrong:
                problems.append("job template '%s': survey variable %s offers %s, which the role refuses (choices: %s)"
                                % (name, variable, ', '.join(map(str, wrong)), ', '.join(map(str, choices))))
        if spec_type == 'bool' and qtype == 'multiplechoice':
            wrong = [a for a in answers if str(a).lower() not in ('true', 'false', 'yes', 'no')]
            if wrong:
                problems.append("job template '%s': survey variable %s is a boolean; offer true/false, not %s"
                                % (name, variable, ', '.join(map(str, wrong))))
    needed = set()
    for role in roles:
        needed.update(ROLE_SYSTEMS.get(role, ()))
    delivered = set()
    for cred_name in template.get('credentials') or []:
        cred = credentials.get(cred_name)
        if cred is None:
            problems.append("job template '%s': credential '%s' is not in awx_controller_credentials" % (name, cred_name))
            continue
        injected = injected_variables(types.get(cred.get('credential_type')) or {})
        for system, variables in CONNECTION_NEEDS.items():
            if all(v in injected for v in variables):
                delivered.add(system)
    for system in sorted(needed - delivered):
        problems.append("job template '%s': %s runs roles that connect to %s, but none of its credentials (%s) "
                        "delivers %s: add a credential of the type that injects them"
                        % (name, playbook, system, ', '.join(template.get('credentials') or []) or 'none',
                           ', '.join(CONNECTION_NEEDS[system])))
    return problems


# ---------------------------------------------------------------------------------------------------------------
# The invocation AWX would make


def render_injector(template, inputs):
    """AWX renders injectors with Jinja2 in a sandbox, fields as variables (an empty input renders as '')."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    return ImmutableSandboxedEnvironment().from_string(str(template)).render(**inputs)


def survey_defaults(template):
    """The answers of a launch that accepts every default (AWX sends them as extra vars)."""
    answers = {}
    for question in template.get('survey') or []:
        if 'default' in question:
            value = question['default']
            if question.get('type') == 'integer':
                value = int(value)
            elif question.get('type') == 'float':
                value = float(value)
            answers[question['variable']] = value
    return answers


def find_template(definitions, name):
    for template in definitions.get('awx_controller_job_templates') or []:
        if template['name'] == name:
            return template
    raise AwxJobError("no job template '%s' (defined: %s)" % (
        name, ', '.join(t['name'] for t in definitions.get('awx_controller_job_templates') or [])))


def invocation(definitions, name, project_dir, credential_inputs, overrides=None, job_id=1):
    """ansible_runner.run() keyword arguments for one job of job template `name`, as AWX builds them."""
    template = find_template(definitions, name)
    defaults = definitions.get('awx_controller_job_template_defaults') or {}
    inventories = dict((i['name'], i) for i in definitions.get('awx_controller_inventories') or [])
    inventory = inventories[template.get('inventory') or defaults['inventory']]
    types = dict((t['name'], t) for t in definitions.get('awx_controller_credential_types') or [])
    credentials = dict((c['name'], c) for c in definitions.get('awx_controller_credentials') or [])
    extravars = dict(defaults.get('extra_vars') or {})
    extravars.update(template.get('extra_vars') or {})
    envvars = {'JOB_ID': str(job_id), 'AWX_HOST': 'https://awx.invalid', 'ANSIBLE_RETRY_FILES_ENABLED': 'False',
               'PROJECT_REVISION': 'checkout'}
    for cred_name in template.get('credentials') or []:
        ctype = types[credentials[cred_name]['credential_type']]
        inputs = dict((f['id'], f.get('default', '')) for f in ctype['inputs']['fields'])
        inputs.update(credential_inputs.get(cred_name) or {})
        missing = [f for f in ctype['inputs'].get('required') or [] if inputs.get(f) in (None, '')]
        if missing:
            raise AwxJobError("credential '%s' lacks its required inputs %s" % (cred_name, ', '.join(missing)))
        for variable, value in (ctype.get('injectors') or {}).get('extra_vars', {}).items():
            extravars[variable] = render_injector(value, inputs)
        for variable, value in (ctype.get('injectors') or {}).get('env', {}).items():
            envvars[variable] = render_injector(value, inputs)
    extravars.update(survey_defaults(template))
    extravars.update(overrides or {})
    cmdline = []
    if defaults.get('diff_mode'):
        cmdline.append('--diff')
    if defaults.get('verbosity'):
        cmdline.append('-' + 'v' * int(defaults['verbosity']))
    return {
        'project_dir': project_dir,
        'playbook': template['playbook'],
        'inventory': os.path.join(project_dir, inventory['source_path']),
        'extravars': extravars,
        'envvars': envvars,
        'cmdline': ' '.join(cmdline),
    }


def local_stack_credentials(state_dir):
    """The credentials' inputs from the local stack's credential files."""
    def read(name):
        with open(os.path.join(state_dir, 'credentials', name + '.json')) as handle:
            return json.load(handle)
    s3, pg, polaris = read('s3'), read('postgresql'), read('polaris')
    return {
        'lakehouse-s3': {'endpoint_url': s3['endpoint_url'], 'access_key': s3['access_key'],
                         'secret_key': s3['secret_key'], 'region': s3.get('region') or 'us-east-1'},
        'lakehouse-polaris': {'uri': polaris['uri'], 'management_uri': polaris.get('management_uri', ''),
                              'realm': polaris.get('realm') or 'POLARIS', 'client_id': polaris['client_id'],
                              'client_secret': polaris['client_secret']},
        'lakehouse-catalog-db': {'host': pg['host'], 'port': str(pg['port']), 'database': pg['database'],
                                 'user': pg['user'], 'password': pg['password'], 'admin_user': pg['admin_user'],
                                 'admin_password': pg['admin_password']},
    }


def secret_values(definitions, credential_inputs):
    types = dict((t['name'], t) for t in definitions.get('awx_controller_credential_types') or [])
    secrets = set()
    for cred in definitions.get('awx_controller_credentials') or []:
        fields = types[cred['credential_type']]['inputs']['fields']
        for field in fields:
            value = (credential_inputs.get(cred['name']) or {}).get(field['id'])
            if field.get('secret') and value and len(str(value)) >= 4:
                secrets.add(str(value))
    return sorted(secrets)


# ---------------------------------------------------------------------------------------------------------------
# Running a job and reading its events


def summarize_events(events):
    failed, changed_tasks = [], 0
    stats = {}
    for event in events:
        kind = event.get('event')
        data = event.get('event_data') or {}
        if kind in ('runner_on_failed', 'runner_item_on_failed') and not data.get('ignore_errors'):
            msg = str((data.get('res') or {}).get('msg', ''))
            failed.append('%s: %s' % (data.get('task', '?'), msg.splitlines()[0][:300] if msg else '?'))
        elif kind == 'runner_on_unreachable':
            failed.append('%s: unreachable' % data.get('task', '?'))
        elif kind == 'runner_on_ok' and (data.get('res') or {}).get('changed'):
            changed_tasks += 1
        elif kind == 'playbook_on_stats':
            stats = dict((key, sum((data.get(key) or {}).values())) for key in
                         ('ok', 'changed', 'failures', 'dark', 'skipped', 'ignored', 'rescued'))
    return {'failed_tasks': failed, 'changed_tasks': changed_tasks, 'stats': stats}


def find_secrets(paths, secrets):
    """(path, where) for each secret value found in the files under paths."""
    found = []
    for base in paths:
        for directory, _dirs, files in os.walk(base):
            for filename in files:
                path = os.path.join(directory, filename)
                try:
                    with open(path, 'rb') as handle:
                        content = handle.read().decode('utf-8', 'replace')
                except OSError:
                    continue
                if any(secret in content for secret in secrets):
                    found.append(os.path.relpath(path, base))
    return found


def run_job(definitions, name, work_dir, credential_inputs, overrides, ident):
    import ansible_runner

    spec = invocation(definitions, name, ROOT, credential_inputs, overrides, job_id=ident)
    private_data_dir = os.path.join(work_dir, 'job-%s' % ident)
    os.makedirs(private_data_dir, mode=0o700)
    # The EE has ansible-playbook on its PATH; here it is the one beside this Python (the venv's).
    venv_bin = os.path.dirname(sys.executable)
    if venv_bin not in os.environ.get('PATH', '').split(os.pathsep):
        os.environ['PATH'] = venv_bin + os.pathsep + os.environ.get('PATH', '')
    result = ansible_runner.run(private_data_dir=private_data_dir, ident=str(ident), quiet=True,
                                settings={'suppress_ansible_output': True}, **spec)
    events = list(result.events)
    summary = summarize_events(events)
    if result.status != 'successful' and not summary['failed_tasks']:
        # failed before any task (a usage or syntax error): the last lines ansible-playbook printed say why
        lines = [line for e in events for line in (e.get('stdout') or '').splitlines() if line.strip()]
        summary['failed_tasks'] = ['(no task) ' + ' | '.join(lines[-3:])]
    secrets = secret_values(definitions, credential_inputs)
    in_events = [str(e.get('counter')) for e in events if any(s in json.dumps(e) for s in secrets)]
    # env/ holds the inputs (AWX's private data directory does too, and is deleted after the job): not searched.
    in_artifacts = find_secrets([os.path.join(private_data_dir, 'artifacts')], secrets)
    summary.update({
        'template': name, 'ident': ident, 'status': result.status, 'rc': result.rc, 'events': len(events),
        'playbook': spec['playbook'], 'inventory': os.path.relpath(spec['inventory'], ROOT),
        'cmdline': spec['cmdline'], 'extravars': sorted(spec['extravars']), 'envvars': sorted(spec['envvars']),
        'secret_values_checked': len(secrets), 'secrets_in_events': in_events, 'secrets_in_artifacts': in_artifacts,
    })
    return summary


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('command', choices=['validate', 'run'])
    parser.add_argument('--definitions', default=DEFINITIONS, help='the awx_controller definitions (YAML)')
    parser.add_argument('--state-dir', default=os.environ.get('LAKEHOUSE_STATE_DIR') or '/var/lib/dataplatform-lakehouse',
                        help="the local stack's state directory (the credentials' inputs)")
    parser.add_argument('--template', action='append', default=[], help='a job template to run (in order)')
    parser.add_argument('--repeat', action='append', default=[], help='run this job template a second time at the end')
    parser.add_argument('--extra-var', action='append', default=[], metavar='KEY=VALUE',
                        help='a launch-time extra variable (as "prompt on launch" gives)')
    parser.add_argument('--json-out', help='also write the summary to this file')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        definitions = load_definitions(args.definitions)
    except Exception as exc:  # a definitions file that does not parse: one line, no traceback
        print('cannot read %s: %s' % (args.definitions, str(exc).splitlines()[0]), file=sys.stderr)
        return 2
    problems = validate(definitions)
    if args.command == 'validate':
        for line in problems:
            print(line)
        if not problems:
            print('%d job templates, %d credential types, workflow of %d nodes: valid' % (
                len(definitions['awx_controller_job_templates']), len(definitions['awx_controller_credential_types']),
                len(definitions['awx_controller_workflow']['nodes'])))
        return 1 if problems else 0
    if problems:
        print('the definitions are not valid: %s' % problems[0], file=sys.stderr)
        return 1
    overrides = dict(item.split('=', 1) for item in args.extra_var)
    try:
        credential_inputs = local_stack_credentials(args.state_dir)
    except (OSError, KeyError, ValueError) as exc:
        print('cannot read the local stack credentials in %s: %s' % (args.state_dir, exc), file=sys.stderr)
        return 2
    work_dir = tempfile.mkdtemp(prefix='awx-jobs-')
    jobs = []
    try:
        for ident, name in enumerate(args.template + args.repeat, start=1):
            jobs.append(run_job(definitions, name, work_dir, credential_inputs, overrides, ident))
            print('job %d %s: %s, %d events, changed %s'
                  % (ident, name, jobs[-1]['status'], jobs[-1]['events'], jobs[-1]['stats'].get('changed')),
                  file=sys.stderr)
    except AwxJobError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)  # as AWX removes a job's private data directory
    text = json.dumps({'jobs': jobs}, indent=2, sort_keys=True)
    if args.json_out:
        with open(args.json_out, 'w') as handle:
            handle.write(text + '\n')
    print(text)
    return 0 if all(job['status'] == 'successful' for job in jobs) else 1


if __name__ == '__main__':
    sys.exit(main())
