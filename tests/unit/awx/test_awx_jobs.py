"""The AWX definitions (roles/awx_controller/defaults/main.yml) and the invocation AWX would make of them.

Pure logic on the real definitions and the real role argument specs of this checkout; the jobs themselves run against
the local stack in tests/integration/targets/awx_jobs."""
import copy
import os
import secrets
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'awx'))

import awx_jobs  # noqa: E402

# Credential inputs as the tests' own random values (never a literal secret in the repository).
SECRETS = dict((name, secrets.token_hex(12)) for name in ('s3', 'polaris', 'pg', 'pg_admin'))
INPUTS = {
    'lakehouse-s3': {'endpoint_url': 'http://127.0.0.1:7480', 'access_key': 'AKEXAMPLE', 'secret_key': SECRETS['s3']},
    'lakehouse-polaris': {'uri': 'http://127.0.0.1:8181', 'client_id': 'root', 'client_secret': SECRETS['polaris']},
    'lakehouse-catalog-db': {'host': '127.0.0.1', 'port': '5544', 'user': 'polaris', 'password': SECRETS['pg'],
                             'admin_user': 'postgres', 'admin_password': SECRETS['pg_admin']},
}


@pytest.fixture(scope='module')
def shipped():
    return awx_jobs.load_definitions()


@pytest.fixture
def definitions(shipped):
    return copy.deepcopy(shipped)


def template(definitions, name):
    return awx_jobs.find_template(definitions, name)


def test_the_shipped_definitions_are_valid(definitions):
    assert awx_jobs.validate(definitions) == []
    names = [t['playbook'] for t in definitions['awx_controller_job_templates']]
    # one job template per objective playbook, the report and phase1.yml
    assert names == ['playbooks/s3_storage.yml', 'playbooks/polaris.yml', 'playbooks/iceberg_tables.yml',
                     'playbooks/metastore_backup.yml', 'playbooks/phase1_report.yml', 'phase1.yml']


def test_a_playbook_that_does_not_exist(definitions):
    template(definitions, 'lakehouse 1.1 S3 storage')['playbook'] = 'playbooks/s3_storag.yml'
    problems = awx_jobs.validate(definitions)
    assert problems == ["job template 'lakehouse 1.1 S3 storage': playbook playbooks/s3_storag.yml does not exist in "
                        "the project: name a playbook of the repository (playbooks/*.yml or phase1.yml)"]


def test_a_survey_variable_the_roles_do_not_accept(definitions):
    template(definitions, 'lakehouse 1.4 metastore backup')['survey'].append(
        {'variable': 'metastore_backup_keep', 'question_name': 'typo', 'type': 'integer', 'default': 3})
    problems = awx_jobs.validate(definitions)
    assert len(problems) == 1 and '\n' not in problems[0]
    assert problems[0].startswith("job template 'lakehouse 1.4 metastore backup': survey variable metastore_backup_keep "
                                  "is not an option of any role playbooks/metastore_backup.yml runs")


def test_a_survey_question_of_the_wrong_type_or_choice(definitions):
    survey = template(definitions, 'lakehouse 1.3 Iceberg tables')['survey']
    survey[1]['type'] = 'text'  # iceberg_tables_retain_last is an int
    survey.append({'variable': 'iceberg_tables_catalog_type', 'question_name': 'Catalog', 'type': 'multiplechoice',
                   'choices': ['rest', 'hive'], 'default': 'rest'})
    problems = awx_jobs.validate(definitions)
    assert len(problems) == 2
    assert 'iceberg_tables_retain_last is a text question, but the role option is of type int' in problems[0]
    assert 'iceberg_tables_catalog_type offers hive, which the role refuses (choices: rest, sql)' in problems[1]


def test_a_credential_type_missing_a_field_the_roles_need(definitions):
    s3 = definitions['awx_controller_credential_types'][0]
    del s3['injectors']['extra_vars']['lakehouse_s3_secret_key']
    problems = awx_jobs.validate(definitions)
    assert problems[0] == ("credential type 'Lakehouse S3 endpoint' lacks lakehouse_s3_secret_key, which the roles need "
                           "to reach s3: add an input field and inject it")
    # and so no job template that connects to S3 has a credential delivering it
    assert any("delivers lakehouse_s3_endpoint_url, lakehouse_s3_access_key, lakehouse_s3_secret_key" in p
               for p in problems[1:])


def test_an_injector_using_an_undeclared_field_or_an_unknown_variable(definitions):
    polaris = definitions['awx_controller_credential_types'][1]
    polaris['injectors']['extra_vars']['lakehouse_polaris_realm'] = '{{ realm_name }}'
    polaris['injectors']['extra_vars']['lakehouse_polaris_scope'] = '{{ realm }}'
    problems = awx_jobs.validate(definitions)
    assert len(problems) == 2  # sorted by variable: realm, then scope
    assert "injector of lakehouse_polaris_realm uses field 'realm_name'" in problems[0]
    assert "injects lakehouse_polaris_scope, which roles/lakehouse_connection does not read" in problems[1]


def test_a_job_template_without_the_credential_its_roles_need(definitions):
    template(definitions, 'lakehouse 1.2 Polaris catalog')['credentials'] = ['lakehouse-s3']
    problems = awx_jobs.validate(definitions)
    assert problems == ["job template 'lakehouse 1.2 Polaris catalog': playbooks/polaris.yml runs roles that connect "
                        "to polaris, but none of its credentials (lakehouse-s3) delivers lakehouse_polaris_uri, "
                        "lakehouse_polaris_client_id, lakehouse_polaris_client_secret: add a credential of the type "
                        "that injects them"]


def test_a_workflow_node_of_an_unknown_template(definitions):
    definitions['awx_controller_workflow']['nodes'][0]['job_template'] = 'lakehouse 1.1 S3'
    definitions['awx_controller_workflow']['nodes'][0]['success'] = ['polaris', 'nowhere']
    problems = awx_jobs.validate(definitions)
    assert problems == ["workflow node 's3_storage' runs job template 'lakehouse 1.1 S3', which is not defined",
                        "workflow node 's3_storage' leads to 'nowhere', which is not a node of the workflow"]


def test_the_invocation_of_a_job(definitions):
    spec = awx_jobs.invocation(definitions, 'lakehouse 1.3 Iceberg tables', '/project', INPUTS, job_id=7)
    assert spec['playbook'] == 'playbooks/iceberg_tables.yml'
    assert spec['inventory'] == '/project/inventories/example'
    assert spec['cmdline'] == '--diff'
    extravars = spec['extravars']
    # the credentials' injectors, rendered with their inputs (defaults for what was not given)
    assert extravars['lakehouse_s3_secret_key'] == SECRETS['s3']
    assert extravars['lakehouse_s3_region'] == 'us-east-1'
    assert extravars['lakehouse_polaris_realm'] == 'POLARIS'
    assert extravars['lakehouse_postgresql_port'] == '5544'
    # the survey's defaults as answers, typed as AWX sends them; the template's extra vars
    assert extravars['iceberg_tables_retain_last'] == 5 and extravars['iceberg_tables_expire_older_than'] == '7d'
    assert extravars['lakehouse_results_dir'] == '/var/lib/lakehouse-results'
    assert spec['envvars']['JOB_ID'] == '7'
    # a launch-time value wins
    spec = awx_jobs.invocation(definitions, 'lakehouse 1.3 Iceberg tables', '/project', INPUTS,
                               overrides={'lakehouse_results_dir': '/tmp/r'})
    assert spec['extravars']['lakehouse_results_dir'] == '/tmp/r'


def test_a_credential_without_its_required_inputs(definitions):
    inputs = copy.deepcopy(INPUTS)
    del inputs['lakehouse-polaris']['client_secret']
    with pytest.raises(awx_jobs.AwxJobError, match=r"credential 'lakehouse-polaris' lacks its required inputs client_secret"):
        awx_jobs.invocation(definitions, 'lakehouse 1.2 Polaris catalog', '/project', inputs)
    with pytest.raises(awx_jobs.AwxJobError, match=r"no job template 'nope'"):
        awx_jobs.invocation(definitions, 'nope', '/project', INPUTS)


def test_the_secret_values_searched_for(definitions):
    assert awx_jobs.secret_values(definitions, INPUTS) == sorted(SECRETS.values())


def test_events_summary():
    events = [
        {'event': 'runner_on_ok', 'event_data': {'task': 'a', 'res': {'changed': True}}},
        {'event': 'runner_on_failed', 'event_data': {'task': 'b', 'ignore_errors': True, 'res': {'msg': 'expected'}}},
        {'event': 'runner_on_failed', 'event_data': {'task': 'c', 'res': {'msg': 'boom\nmore'}}},
        {'event': 'playbook_on_stats', 'event_data': {'ok': {'localhost': 3}, 'changed': {'localhost': 1},
                                                      'failures': {'localhost': 1}}},
    ]
    summary = awx_jobs.summarize_events(events)
    assert summary['failed_tasks'] == ['c: boom']
    assert summary['changed_tasks'] == 1
    assert summary['stats']['changed'] == 1 and summary['stats']['failures'] == 1 and summary['stats']['dark'] == 0
