# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polaris entities (catalogs, catalog roles and grants, principals, principal roles): read, plan, apply.

Every converge reads the current state first and sends only the difference, so a second identical run makes no
write call (required on Polaris 1.4.1, which answers HTTP 500 to a repeated grant or role assignment on JDBC
persistence, apache/polaris #4553). Input is validated before the first write, so a refused input changes nothing.
``Polaris.write`` is the one place that writes: in check mode it only records the change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.six.moves.urllib.parse import quote

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import PolarisError, quote_name
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.connection import (
    polaris_client, polaris_connection_problem,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.grants import (
    PolarisInputError, grant_dict, grant_key, key_from_api, sort_keys,
)

CATALOG_API = '/api/catalog/v1'
CATALOG_ADMIN = 'catalog_admin'      # created by Polaris with every catalog; never touched
SERVICE_ADMIN = 'service_admin'      # the root principal's principal role; never touched
ROOT_PRINCIPAL = 'root'
DEFAULT_BASE_LOCATION = 'default-base-location'
VERSION_RETRIES = 3
NAME_LIMIT = 256

# storage option -> storageConfigInfo field (S3)
STORAGE_FIELDS = (
    ('allowed_locations', 'allowedLocations'), ('endpoint', 'endpoint'), ('endpoint_internal', 'endpointInternal'),
    ('path_style_access', 'pathStyleAccess'), ('sts_unavailable', 'stsUnavailable'), ('region', 'region'),
    ('role_arn', 'roleArn'), ('sts_endpoint', 'stsEndpoint'), ('kms_unavailable', 'kmsUnavailable'),
)
STORAGE_EXPORT = STORAGE_FIELDS + (('external_id', 'externalId'), ('user_arn', 'userArn'),
                                   ('current_kms_key', 'currentKmsKey'), ('allowed_kms_keys', 'allowedKmsKeys'))


# -- pure helpers ---------------------------------------------------------------------------------------------------
def check_name(kind, name):
    """Refuse a name Polaris refuses (empty, longer than 256, "system" in any case) before anything is written."""
    text = '%s' % (name if name is not None else '')
    if not text.strip():
        raise PolarisInputError('%s name is empty; give a name of 1 to %d characters.' % (kind, NAME_LIMIT))
    if len(text) > NAME_LIMIT:
        raise PolarisInputError('%s name %r... is %d characters long; Polaris accepts at most %d.'
                                % (kind, text[:40], len(text), NAME_LIMIT))
    if text.strip().lower() == 'system':
        raise PolarisInputError('%s name %r is reserved by Polaris; choose another name.' % (kind, text))
    return text


def string_properties(properties):
    """Polaris properties are strings: values converted (booleans as true/false), None dropped."""
    result = {}
    for key, value in (properties or {}).items():
        if value is None:
            continue
        result['%s' % key] = ('true' if value else 'false') if isinstance(value, bool) else '%s' % value
    return result


def plan_properties(current, wanted, purge, keep=()):
    """The properties after the run (None when unchanged): `wanted` merged into `current`, or exactly `wanted`."""
    current = dict(current or {})
    result = {} if purge else dict(current)
    if purge:
        result.update((key, value) for key, value in current.items() if key in keep)
    result.update(wanted)
    return None if result == current else result


def ns_path(namespace):
    """A namespace as one path segment of the Iceberg REST API (levels joined by the unit separator)."""
    return quote('\x1f'.join(namespace), safe='')


def location_key(location):
    return ('%s' % location).rstrip('/') + '/'


def location_allowed(location, allowed):
    """Whether `location` is one of the `allowed` locations or under one (prefix match on whole path segments)."""
    key = location_key(location)
    return any(key.startswith(location_key(prefix)) for prefix in allowed)


def storage_request(storage, current=None):
    """storageConfigInfo for a create (or an update: the current config with the declared fields replaced)."""
    body = dict(current or {})
    body['storageType'] = (storage.get('type') or body.get('storageType') or 's3').upper()
    for option, field in STORAGE_FIELDS:
        if storage.get(option) is not None:
            body[field] = list(storage[option]) if option == 'allowed_locations' else storage[option]
    return body


def storage_native(info):
    """storageConfigInfo as the modules return it (snake_case keys, only the fields that are set)."""
    info = info or {}
    result = {'type': (info.get('storageType') or '').lower()}
    for option, field in STORAGE_EXPORT:
        value = info.get(field)
        if value not in (None, []):
            result[option] = value
    return result


def storage_changes(current, storage, base_location):
    """Names of the declared storage fields that differ from `current` (storageConfigInfo as Polaris returns it).

    Polaris adds the default base location to the allowed locations itself, so it is part of the wanted set.
    """
    changed = []
    if storage.get('type') and storage['type'].upper() != (current.get('storageType') or '').upper():
        changed.append('type')
    for option, field in STORAGE_FIELDS:
        wanted = storage.get(option)
        if wanted is None:
            continue
        have = current.get(field)
        if option == 'allowed_locations':
            wanted = set(location_key(item) for item in list(wanted) + ([base_location] if base_location else []))
            have = set(location_key(item) for item in have or [])
        elif isinstance(wanted, bool):
            have = bool(have)
        if wanted != have:
            changed.append(option)
    return changed


def catalog_view(catalog):
    """A catalog as the modules return it."""
    properties = dict(catalog.get('properties') or {})
    return {
        'name': catalog.get('name'),
        'type': (catalog.get('type') or 'INTERNAL').lower(),
        'default_base_location': properties.pop(DEFAULT_BASE_LOCATION, None),
        'properties': properties,
        'storage': storage_native(catalog.get('storageConfigInfo')),
        'entity_version': catalog.get('entityVersion'),
    }


def role_grants(declared_roles, where):
    """{role name: set of grant identities} of the declared catalog roles (validated, nothing sent yet)."""
    result = {}
    for index, role in enumerate(declared_roles or []):
        name = check_name('%s: catalog role' % where, (role or {}).get('name'))
        if name == CATALOG_ADMIN:
            raise PolarisInputError('%s: catalog role %s is managed by Polaris; declare another role.'
                                    % (where, CATALOG_ADMIN))
        if name in result:
            raise PolarisInputError('%s: catalog role %r is declared twice (entries %d and before).'
                                    % (where, name, index + 1))
        result[name] = set(grant_key(grant, '%s, catalog role %r, grant %d' % (where, name, number + 1))
                           for number, grant in enumerate(role.get('grants') or []))
    return result


def grants_view(keys):
    return [grant_dict(key) for key in sort_keys(keys)]


# -- the session ----------------------------------------------------------------------------------------------------
def session(module):
    """The Polaris session of a module run (fails the module at once when the connection options cannot work)."""
    problem = polaris_connection_problem(module.params)
    if problem:
        module.fail_json(msg=problem)
    return Polaris(polaris_client(module.params), module.check_mode)


class Polaris(object):
    """Reads and writes of one module run; writes are recorded in `changes` and skipped in check mode."""

    def __init__(self, client, check_mode=False):
        self.client = client
        self.check_mode = check_mode
        self.changes = []
        self.writes = 0

    def context(self, error, what):
        """`error` (a PolarisError) with what the module was doing and what it had already applied."""
        applied = [change for change in self.changes if change != what]
        text = '%s failed: %s' % (what, error.message)
        if applied and not self.check_mode:
            text += ' Already applied in this run: %s.' % '; '.join(applied)
        return PolarisError(one_line(text), status=error.status, polaris_message=error.polaris_message)

    def read(self, path, what, missing_ok=True, api=None):
        try:
            if api:
                return self.client.request('GET', path, missing_ok=missing_ok, api=api)
            return self.client.get(path, missing_ok=missing_ok)
        except PolarisError as error:
            raise self.context(error, 'reading %s' % what)

    def exists(self, path, what):
        """Whether an Iceberg REST resource exists (HEAD)."""
        try:
            self.client.request('HEAD', path, api=CATALOG_API, expected=(200, 204))
            return True
        except PolarisError as error:
            if error.status == 404:
                return False
            raise self.context(error, 'checking %s' % what)

    def write(self, change, method, path, body=None, expected=(200, 201, 204), api=None):
        """Record `change`; unless in check mode, send it (the answer, or None)."""
        self.changes.append(change)
        if self.check_mode:
            return None
        self.writes += 1
        try:
            if api:
                return self.client.request(method, path, body, expected=expected, api=api)
            return self.client.request(method, path, body, expected=expected)
        except PolarisError as error:
            raise self.context(error, change)

    def update_versioned(self, change, path, what, body_for):
        """PUT `path` with currentEntityVersion; on a 409 version conflict re-read and re-plan (bounded).

        body_for(current entity) -> the update body without the version, or None when nothing differs any more.
        """
        for attempt in range(VERSION_RETRIES + 1):
            current = self.read(path, what, missing_ok=False)
            body = body_for(current)
            if body is None:
                return current
            body['currentEntityVersion'] = current.get('entityVersion')
            if self.check_mode:
                self.changes.append(change)
                return current
            try:
                self.writes += 1
                answer = self.client.request('PUT', path, body)
                self.changes.append(change)
                return answer
            except PolarisError as error:
                if error.status != 409 or attempt >= VERSION_RETRIES:
                    raise self.context(error, change)
        return None

    # -- reads shared by the modules ---------------------------------------------------------------------------
    def catalog(self, name):
        return self.read('catalogs/%s' % quote_name(name), 'catalog %r' % name)

    def catalogs(self):
        return (self.read('catalogs', 'the catalogs', missing_ok=False) or {}).get('catalogs') or []

    def catalog_roles(self, catalog):
        answer = self.read('catalogs/%s/catalog-roles' % quote_name(catalog), 'the catalog roles of %r' % catalog)
        return dict((role['name'], role) for role in (answer or {}).get('roles') or [])

    def grants(self, catalog, role):
        answer = self.read('catalogs/%s/catalog-roles/%s/grants' % (quote_name(catalog), quote_name(role)),
                           'the grants of catalog role %r of catalog %r' % (role, catalog))
        return set(key for key in (key_from_api(grant) for grant in (answer or {}).get('grants') or []) if key)

    def namespaces(self, catalog, parent=()):
        """Every namespace of the catalog (tuples of levels), parents before children."""
        found, token = [], None
        while True:
            query = []
            if parent:
                query.append('parent=%s' % ns_path(parent))
            if token:
                query.append('pageToken=%s' % quote(token, safe=''))
            answer = self.read('%s/namespaces%s' % (quote_name(catalog), '?' + '&'.join(query) if query else ''),
                               'the namespaces of catalog %r' % catalog, api=CATALOG_API) or {}
            for namespace in answer.get('namespaces') or []:
                namespace = tuple(namespace)
                found.append(namespace)
                found.extend(self.namespaces(catalog, namespace))
            token = answer.get('next-page-token')
            if not token:
                return found

    def principal(self, name):
        return self.read('principals/%s' % quote_name(name), 'principal %r' % name)

    def principals(self):
        return (self.read('principals', 'the principals', missing_ok=False) or {}).get('principals') or []

    def principal_roles_of(self, principal):
        answer = self.read('principals/%s/principal-roles' % quote_name(principal),
                           'the principal roles of principal %r' % principal)
        return set(role['name'] for role in (answer or {}).get('roles') or [])

    def principal_role(self, name):
        return self.read('principal-roles/%s' % quote_name(name), 'principal role %r' % name)

    def principal_roles(self):
        return (self.read('principal-roles', 'the principal roles', missing_ok=False) or {}).get('roles') or []

    def catalog_roles_of(self, principal_role, catalog):
        answer = self.read('principal-roles/%s/catalog-roles/%s' % (quote_name(principal_role), quote_name(catalog)),
                           'the catalog roles of principal role %r in catalog %r' % (principal_role, catalog))
        return set(role['name'] for role in (answer or {}).get('roles') or [])
