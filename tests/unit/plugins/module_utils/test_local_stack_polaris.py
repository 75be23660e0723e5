"""Units for the Polaris service's process identity, facts and first token (the server itself runs in the integration stages)."""
import os

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_polaris import PolarisService
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_postgresql import PostgresqlService


def make(tmp_path):
    return PolarisService(str(tmp_path), app_dir=None, java_home=None, postgresql=PostgresqlService(str(tmp_path)))


def test_not_running_without_pid_file(tmp_path):
    status = make(tmp_path).status()
    assert status['running'] is False and status['pid'] is None


def test_a_quarkus_process_elsewhere_is_not_ours(tmp_path, pid_file_process):
    service = make(tmp_path)
    os.makedirs(service.work_dir)
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    # argv mentions quarkus-run.jar, like any Quarkus application, but it runs in another directory.
    proc = pid_file_process('quarkus-run.jar', elsewhere, service.pid_file)
    assert service.status()['running'] is False
    assert service.stop() is False
    assert proc.poll() is None  # never signalled


def test_our_process_is_recognised(tmp_path, pid_file_process):
    service = make(tmp_path)
    os.makedirs(service.work_dir)
    proc = pid_file_process('quarkus-run.jar', service.work_dir, service.pid_file)
    assert service._pid() == proc.pid


def test_facts_name_files_not_secrets(tmp_path):
    facts = make(tmp_path).facts()
    assert facts['catalog_uri'] == 'http://127.0.0.1:8181/api/catalog'
    assert facts['health_uri'] == 'http://127.0.0.1:8182/q/health/ready'
    assert facts['credentials_file'].endswith('credentials/polaris.json')
    assert not any('secret' in key for key in facts)


class FlakyTokens(object):
    """Stands in for PolarisClient.token(): the given outcomes in order (an exception is raised)."""

    def __init__(self, outcomes):
        self.outcomes = list(outcomes)
        self.calls = 0

    def token(self):
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def first_token(tmp_path, monkeypatch, outcomes, timeout=10):
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils import local_stack_polaris as lsp
    service = make(tmp_path)
    tokens = FlakyTokens(outcomes)
    monkeypatch.setattr(service, '_client', lambda creds=None: tokens)
    monkeypatch.setattr(service, '_pid', lambda: 4242)
    monkeypatch.setattr(lsp, 'wait_until', lambda predicate, timeout, interval=0, alive=None: (
        next((v for v in (predicate() for unused in range(len(outcomes))) if v), None), 0.0))
    return service, tokens, lambda: service._first_token({'client_id': 'root', 'client_secret': 'x'}, timeout)


def test_first_token_retries_a_polaris_that_does_not_answer_yet(tmp_path, monkeypatch):
    """A token call that times out while the JVM warms up on a loaded machine is not "refused credentials"."""
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import PolarisError
    service, tokens, call = first_token(tmp_path, monkeypatch, [PolarisError('timed out'), PolarisError('503', 503),
                                                                'tok'])
    assert call() == 'tok' and tokens.calls == 3


def test_first_token_refused_credentials_fail_at_once_naming_the_file(tmp_path, monkeypatch):
    import pytest
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import PolarisError
    service, tokens, call = first_token(tmp_path, monkeypatch, [PolarisError('HTTP 401: unauthorized', 401), 'tok'])
    with pytest.raises(LakehouseError) as err:
        call()
    assert 'refuses the root credentials' in str(err.value) and 'polaris.json' in str(err.value)
    assert tokens.calls == 1


def test_first_token_that_never_comes_names_the_last_error_and_the_log(tmp_path, monkeypatch):
    import pytest
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import PolarisError
    service, tokens, call = first_token(tmp_path, monkeypatch, [PolarisError('no answer'), PolarisError('no answer')])
    with pytest.raises(LakehouseError) as err:
        call()
    assert 'gave no token' in str(err.value) and 'no answer' in str(err.value) and 'polaris.log' in str(err.value)
