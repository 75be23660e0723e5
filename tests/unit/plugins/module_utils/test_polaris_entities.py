"""Units for the Polaris modules' pure logic: grant identity and validation, property/storage/location plans,
the write session (check mode, version-conflict retry, error context), setup export and the vault format."""
import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import PolarisError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.catalogs import (
    catalog_update, check_locations,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.credentials import (
    credentials_document, vault_encrypt,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.entities import (
    Polaris, check_name, location_allowed, ns_path, plan_properties, role_grants, storage_changes,
    storage_native, storage_request, string_properties,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.export import (
    read_realm, setup_desired, setup_document,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.grants import (
    PRIVILEGES, PolarisInputError, grant_body, grant_dict, grant_key, grant_text, key_from_api, namespace_levels,
    plan_set,
)


# -- grants --------------------------------------------------------------------------------------------------------
def test_grant_identity_is_the_same_declared_and_listed():
    declared = grant_key({'type': 'table', 'privilege': 'table_read_data', 'namespace': 'sales.eu', 'name': 'orders'})
    listed = key_from_api({'type': 'table', 'privilege': 'TABLE_READ_DATA', 'namespace': ['sales', 'eu'],
                           'tableName': 'orders'})
    assert declared == listed == ('table', 'TABLE_READ_DATA', ('sales', 'eu'), 'orders')
    assert grant_key({'type': 'namespace', 'privilege': 'NAMESPACE_LIST', 'namespace': ['a', 'b']}) == \
        key_from_api({'type': 'namespace', 'privilege': 'NAMESPACE_LIST', 'namespace': ['a', 'b']})
    assert grant_key({'privilege': 'CATALOG_MANAGE_CONTENT'}) == ('catalog', 'CATALOG_MANAGE_CONTENT', (), None)


def test_grant_bodies():
    assert grant_body(('catalog', 'TABLE_LIST', (), None)) == {'type': 'catalog', 'privilege': 'TABLE_LIST'}
    assert grant_body(('view', 'VIEW_DROP', ('a',), 'v')) == {'type': 'view', 'privilege': 'VIEW_DROP',
                                                              'namespace': ['a'], 'viewName': 'v'}
    assert grant_dict(('table', 'TABLE_DROP', ('a', 'b'), 't')) == {'type': 'table', 'privilege': 'TABLE_DROP',
                                                                    'namespace': ['a', 'b'], 'name': 't'}
    assert grant_text(('namespace', 'TABLE_READ_DATA', ('sales', 'eu'), None)) == 'namespace sales.eu TABLE_READ_DATA'


def test_policy_grants_are_not_managed():
    assert key_from_api({'type': 'policy', 'privilege': 'POLICY_READ', 'namespace': ['a'], 'policyName': 'p'}) is None


def test_namespace_levels():
    assert namespace_levels('a.b') == ('a', 'b')
    assert namespace_levels(['a.b', 'c']) == ('a.b', 'c')
    assert namespace_levels(None) == () == namespace_levels('')


def test_unknown_privilege_lists_the_valid_ones_of_its_type():
    with pytest.raises(PolarisInputError) as error:
        grant_key({'type': 'view', 'privilege': 'VIEW_READ'}, 'role r, grant 1')
    message = error.value.message
    assert message.startswith("role r, grant 1: unknown view privilege 'VIEW_READ'; did you mean")
    assert message.endswith('VIEW_FULL_METADATA.')
    for privilege in PRIVILEGES['view']:
        assert privilege in message
    with pytest.raises(PolarisInputError) as error:
        grant_key({'type': 'namespace', 'namespace': 'a', 'privilege': 'NOPE'})
    assert 'TABLE_MANAGE_STRUCTURE.' in error.value.message and '...' not in error.value.message


@pytest.mark.parametrize('grant, text', [
    ({'type': 'catalog', 'privilege': 'TABLE_LIST', 'namespace': 'a'}, 'takes no namespace'),
    ({'type': 'namespace', 'privilege': 'TABLE_LIST'}, 'needs a namespace'),
    ({'type': 'table', 'privilege': 'TABLE_LIST', 'namespace': 'a'}, 'needs the table name'),
    ({'type': 'namespace', 'privilege': 'TABLE_LIST', 'namespace': 'a', 'name': 't'}, 'takes no name'),
    ({'type': 'policy', 'privilege': 'POLICY_READ'}, 'unknown grant type'),
    ('TABLE_LIST', 'must be a dict'),
])
def test_bad_grants(grant, text):
    with pytest.raises(PolarisInputError) as error:
        grant_key(grant)
    assert text in error.value.message


def test_plan_set_additive_and_exact():
    assert plan_set({1, 2}, {2, 3}, purge=False) == ({3}, set())
    assert plan_set({1, 2}, {2, 3}, purge=True) == ({3}, {1})
    assert plan_set({1, 2}, {1, 2}, purge=True) == (set(), set())


def test_role_grants_validates_names_and_duplicates():
    roles = role_grants([{'name': 'r', 'grants': [{'privilege': 'TABLE_LIST'}, {'privilege': 'table_list'}]}], 'c')
    assert roles == {'r': {('catalog', 'TABLE_LIST', (), None)}}
    with pytest.raises(PolarisInputError, match='catalog_admin is managed by Polaris'):
        role_grants([{'name': 'catalog_admin'}], 'c')
    with pytest.raises(PolarisInputError, match='declared twice'):
        role_grants([{'name': 'r'}, {'name': 'r'}], 'c')


# -- names, properties, storage, locations ------------------------------------------------------------------------
@pytest.mark.parametrize('name, text', [('', 'empty'), ('  ', 'empty'), ('x' * 257, 'at most 256'),
                                        ('System', 'reserved'), (' system', 'reserved')])
def test_names_polaris_refuses(name, text):
    with pytest.raises(PolarisInputError, match=text):
        check_name('catalog', name)
    assert check_name('catalog', 'systems') == 'systems'


def test_properties_merge_or_purge():
    assert string_properties({'a': True, 'b': 1, 'c': None}) == {'a': 'true', 'b': '1'}
    assert plan_properties({'a': '1'}, {'a': '1'}, purge=False) is None
    assert plan_properties({'a': '1', 'b': '2'}, {'a': '3'}, purge=False) == {'a': '3', 'b': '2'}
    assert plan_properties({'a': '1', 'b': '2', 'default-base-location': 's3://x'}, {'a': '1'}, purge=True,
                           keep=('default-base-location',)) == {'a': '1', 'default-base-location': 's3://x'}


def test_storage_changes_compare_declared_fields_only():
    current = {'storageType': 'S3', 'allowedLocations': ['s3://b/wh/', 's3://b/base'], 'pathStyleAccess': True,
               'region': 'us-east-1'}
    assert storage_changes(current, {'type': 's3', 'allowed_locations': ['s3://b/wh']}, 's3://b/base') == []
    assert storage_changes(current, {'region': 'eu-west-1', 'sts_unavailable': False}, None) == ['region']
    assert storage_changes(current, {'path_style_access': False}, None) == ['path_style_access']
    assert storage_changes(current, {'allowed_locations': ['s3://b/other']}, 's3://b/base') == ['allowed_locations']
    assert storage_request({'region': 'eu'}, current)['allowedLocations'] == current['allowedLocations']
    assert storage_request({'type': 's3', 'endpoint': 'http://e'}) == {'storageType': 'S3', 'endpoint': 'http://e'}


def test_storage_credential_vending_fields():
    """role_arn, sts_endpoint and kms_unavailable reach storageConfigInfo and are compared (credential vending)."""
    storage = {'type': 's3', 'sts_unavailable': False, 'role_arn': 'arn:aws:iam:::role/r',
               'sts_endpoint': 'http://127.0.0.1:7480', 'kms_unavailable': True}
    body = storage_request(storage)
    assert body == {'storageType': 'S3', 'stsUnavailable': False, 'roleArn': 'arn:aws:iam:::role/r',
                    'stsEndpoint': 'http://127.0.0.1:7480', 'kmsUnavailable': True}
    assert storage_changes(body, storage, None) == []
    assert storage_changes({'storageType': 'S3', 'stsUnavailable': True}, storage, None) == [
        'sts_unavailable', 'role_arn', 'sts_endpoint', 'kms_unavailable']
    assert storage_native(body)['sts_endpoint'] == 'http://127.0.0.1:7480'


def test_locations():
    assert location_allowed('s3://b/wh/x', ['s3://b/wh'])
    assert location_allowed('s3://b/wh', ['s3://b/wh/'])
    assert not location_allowed('s3://b/whx', ['s3://b/wh'])
    with pytest.raises(PolarisInputError, match='outside storage.allowed_locations'):
        check_locations('c', {'allowed_locations': ['s3://b/wh']}, 's3://b/other', None)
    with pytest.raises(PolarisInputError, match='not an S3 location'):
        check_locations('c', {'allowed_locations': ['/tmp/wh']}, 's3://b/wh', None)
    with pytest.raises(PolarisInputError, match='needs default_base_location'):
        check_locations('c', {'allowed_locations': ['s3://b/wh']}, None, None)
    with pytest.raises(PolarisInputError, match='needs storage'):
        check_locations('c', {}, 's3://b/wh', None)
    check_locations('c', {}, None, {'properties': {'default-base-location': 's3://b/wh'}})


def test_catalog_update_plans_and_refusals():
    current = {'type': 'INTERNAL', 'entityVersion': 3, 'properties': {'default-base-location': 's3://b/wh', 'a': '1'},
               'storageConfigInfo': {'storageType': 'S3', 'allowedLocations': ['s3://b/wh'], 'region': 'us-east-1'}}
    params = {'type': 'internal', 'properties': {'a': 1}, 'storage': {'type': 's3', 'region': 'us-east-1'}}
    assert catalog_update(params, current, 'c') == (None, [])
    body, changed = catalog_update(dict(params, properties={'b': 'x'}, storage={'region': 'eu'}), current, 'c')
    assert body['properties'] == {'default-base-location': 's3://b/wh', 'a': '1', 'b': 'x'}
    assert body['storageConfigInfo']['region'] == 'eu' and changed == ['region']
    with pytest.raises(PolarisInputError, match='type of a catalog cannot change'):
        catalog_update(dict(params, type='external'), current, 'c')


def test_ns_path_uses_the_unit_separator():
    assert ns_path(('a', 'b c')) == 'a%1Fb%20c'


# -- the session ---------------------------------------------------------------------------------------------------
class FakeClient(object):
    def __init__(self, answers):
        self.answers, self.calls = list(answers), []

    def request(self, method, path, body=None, expected=None, missing_ok=False, api=None):
        self.calls.append((method, path, body))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def get(self, path, missing_ok=False):
        return self.request('GET', path, missing_ok=missing_ok)


def test_check_mode_records_and_sends_nothing():
    client = FakeClient([])
    polaris = Polaris(client, check_mode=True)
    assert polaris.write('create x', 'POST', 'catalogs', {}) is None
    assert polaris.changes == ['create x'] and client.calls == [] and polaris.writes == 0


def test_versioned_update_rereads_on_conflict():
    conflict = PolarisError('HTTP 409: version', status=409)
    client = FakeClient([{'entityVersion': 1, 'v': 'a'}, conflict, {'entityVersion': 2, 'v': 'a'}, {'done': True}])
    polaris = Polaris(client)
    answer = polaris.update_versioned('update x', 'catalogs/x', 'x', lambda fresh: {'properties': {'v': 'b'}})
    assert answer == {'done': True}
    assert [call[0] for call in client.calls] == ['GET', 'PUT', 'GET', 'PUT']
    assert client.calls[3][2]['currentEntityVersion'] == 2
    assert polaris.changes == ['update x']


def test_versioned_update_without_difference_writes_nothing():
    client = FakeClient([{'entityVersion': 1}])
    polaris = Polaris(client)
    polaris.update_versioned('update x', 'catalogs/x', 'x', lambda fresh: None)
    assert [call[0] for call in client.calls] == ['GET'] and polaris.changes == []


def test_errors_carry_the_entity_and_what_was_applied():
    client = FakeClient([None, PolarisError('Polaris PUT /x: HTTP 500: boom.', status=500)])
    polaris = Polaris(client)
    polaris.write("create catalog 'c'", 'POST', 'catalogs')
    with pytest.raises(PolarisError) as error:
        polaris.write("grant catalog TABLE_LIST to catalog role 'r' of catalog 'c'", 'PUT', 'x')
    assert error.value.message == ("grant catalog TABLE_LIST to catalog role 'r' of catalog 'c' failed: Polaris PUT /x: "
                                   "HTTP 500: boom. Already applied in this run: create catalog 'c'.")
    assert error.value.status == 500


# -- export and credentials ----------------------------------------------------------------------------------------
def test_setup_document_has_the_cli_structure():
    realm = {
        'principals': [{'name': 'p', 'properties': {}, 'principal_roles': ['pr']}],
        'principal_roles': [{'name': 'pr', 'properties': {}, 'catalog_roles': [{'catalog': 'c', 'role': 'w'}]},
                            {'name': 'q', 'properties': {'k': 'v'}, 'catalog_roles': []}],
        'catalogs': [{'name': 'c', 'type': 'internal', 'default_base_location': 's3://b/wh', 'properties': {},
                      'storage': {'type': 's3', 'allowed_locations': ['s3://b/wh'], 'path_style_access': True},
                      'catalog_roles': [{'name': 'w', 'properties': {}, 'grants': []}], 'namespaces': ['a', 'a.b']}],
    }
    grants = {('c', 'w'): {('catalog', 'TABLE_LIST', (), None), ('namespace', 'TABLE_READ_DATA', ('a', 'b'), None),
                           ('table', 'TABLE_DROP', ('a',), 't')}}
    document = setup_document(realm, grants)
    assert document['principals'] == {'p': {'type': 'service', 'roles': ['pr']}}
    assert document['principal_roles'] == ['pr', {'name': 'q', 'properties': {'k': 'v'}}]
    catalog = document['catalogs'][0]
    assert catalog['storage_type'] == 's3' and catalog['path_style_access'] is True
    assert catalog['roles'] == {'w': {'assign_to': ['pr'], 'privileges': {'catalog': ['TABLE_LIST'],
                                                                          'namespace': {'a.b': ['TABLE_READ_DATA']}}}}
    assert catalog['namespaces'] == [{'name': 'a'}, {'name': 'a.b'}]


class ListingRealm(object):
    """A realm read through the entities API whose namespace listing comes back in a different order each read."""

    def __init__(self, *orders):
        self.orders = list(orders)

    def catalogs(self):
        return [{'name': 'c', 'type': 'INTERNAL', 'properties': {'default-base-location': 's3://b/wh'},
                 'storageConfigInfo': {'storageType': 'S3', 'allowedLocations': ['s3://b/wh']}}]

    def catalog_roles(self, catalog):
        return {'w': {'name': 'w'}}

    def grants(self, catalog, role):
        return {('catalog', 'TABLE_LIST', (), None)}

    def namespaces(self, catalog):
        return self.orders.pop(0)

    def principals(self):
        return [{'name': 'p'}]

    def principal_roles_of(self, principal):
        return ['pr']

    def principal_roles(self):
        return [{'name': 'pr'}]

    def catalog_roles_of(self, role, catalog):
        return ['w']


def test_the_setup_export_does_not_depend_on_the_listing_order_of_namespaces():
    # Two reads of an unchanged realm must give the same file (polaris_info dest: changed=false on a re-run).
    polaris = ListingRealm([('b',), ('a',), ('a', 'x')], [('a',), ('a', 'x'), ('b',)])
    first, second = (setup_document(*read_realm(polaris)) for dummy in range(2))
    assert first == second
    assert first['catalogs'][0]['namespaces'] == [{'name': 'a'}, {'name': 'a.x'}, {'name': 'b'}]


def test_setup_desired_inverts_setup_document():
    realm = {
        'principals': [{'name': 'p', 'properties': {'team': 'x'}, 'principal_roles': ['pr']},
                       {'name': 'root', 'properties': {}, 'principal_roles': ['service_admin']}],
        'principal_roles': [{'name': 'pr', 'properties': {}, 'catalog_roles': [{'catalog': 'c', 'role': 'w'}]},
                            {'name': 'service_admin', 'properties': {}, 'catalog_roles': []}],
        'catalogs': [{'name': 'c', 'type': 'internal', 'default_base_location': 's3://b/wh', 'properties': {'k': 'v'},
                      'storage': {'type': 's3', 'allowed_locations': ['s3://b/wh'], 'endpoint': 'http://e',
                                  'path_style_access': True, 'sts_unavailable': True},
                      'catalog_roles': [{'name': 'w', 'properties': {}, 'grants': []},
                                        {'name': 'catalog_admin', 'properties': {}, 'grants': []}],
                      'namespaces': ['a']}],
    }
    grants = {('c', 'w'): {('catalog', 'TABLE_LIST', (), None), ('namespace', 'TABLE_READ_DATA', ('a',), None)},
              ('c', 'catalog_admin'): {('catalog', 'CATALOG_MANAGE_ACCESS', (), None)}}
    desired = setup_desired(setup_document(realm, grants))
    assert desired['principals'] == [{'name': 'p', 'properties': {'team': 'x'}, 'principal_roles': ['pr']}]
    assert desired['principal_roles'] == [{'name': 'pr', 'properties': {}, 'catalog_roles': [{'catalog': 'c', 'role': 'w'}]}]
    catalog = desired['catalogs'][0]
    assert catalog['storage'] == {'type': 's3', 'allowed_locations': ['s3://b/wh'], 'endpoint': 'http://e',
                                  'path_style_access': True, 'sts_unavailable': True}
    assert catalog['properties'] == {'k': 'v'} and catalog['default_base_location'] == 's3://b/wh'
    assert catalog['catalog_roles'] == [{'name': 'w', 'grants': [
        {'type': 'catalog', 'privilege': 'TABLE_LIST'},
        {'type': 'namespace', 'namespace': 'a', 'privilege': 'TABLE_READ_DATA'}]}]
    assert desired['namespaces'] == ['c.a']


@pytest.mark.parametrize('document, message', [
    ({'policies': []}, 'policies not supported'),
    ({'catalogs': [{'name': 'c', 'external_id': 'x'}]}, 'external_id cannot be converged'),
    ({'catalogs': [{'name': 'c', 'roles': {'r': {'privileges': {'table': {}}}}}]}, 'table privileges'),
    ({'catalogs': [{'name': 'c', 'roles': {'r': {'assign_to': ['ghost']}}}]}, 'principal roles it does not list (ghost)'),
    ({'principals': {'p': {'roles': ['ghost']}}}, "principal 'p': principal roles ghost"),
    (['not', 'a', 'mapping'], 'expected a mapping'),
])
def test_setup_desired_refuses_what_the_modules_cannot_converge(document, message):
    with pytest.raises(PolarisInputError) as error:
        setup_desired(document)
    assert message in str(error.value) and '\n' not in str(error.value)


def test_vault_format_is_ansible_vaults():
    vault = pytest.importorskip('ansible.parsing.vault')
    text = credentials_document('p', 'id', 'the-secret', 'POLARIS')
    encrypted = vault_encrypt(text, b'pw')
    assert encrypted.startswith(b'$ANSIBLE_VAULT;1.1;AES256\n') and b'the-secret' not in encrypted
    secret = vault.VaultSecret(b'pw')
    assert vault.VaultLib([('default', secret)]).decrypt(encrypted).decode() == text
    salt = b's' * 32
    ours = vault_encrypt('hello', b'pw', salt=salt).split(b'\n', 1)[1].replace(b'\n', b'')
    assert ours == vault.VaultAES256.encrypt(b'hello', secret, salt=salt)
