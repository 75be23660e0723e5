# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift between the recorded platform facts (expected.yml) and the facts introspected now (platform_info).

Rules:
  * whatever was recorded and is now missing or different is drift;
  * added lifecycle rules, table columns and properties, namespace properties, Polaris grants and role assignments
    are drift too (they change what clients get);
  * added buckets, namespaces, tables, Polaris catalogs, principals and roles, and added table refs (tags and
    branches), are not: they are outside what the test recorded;
  * backups are checked against a maximum age (expected ``max_age_seconds``), never an exact age or name.
Each drift is one readable line naming the object, what it is now and what was expected.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SECTIONS = ('s3', 'catalog', 'backups', 'polaris', 'hive_metastore')
RECOMMENDED_KEYS = ('signature_version', 'addressing_style', 'request_checksum_calculation',
                    'response_checksum_validation', 'environment')


def format_age(seconds):
    """'3d 2h', '5h 12m', '40m', '30s'."""
    seconds = int(round(float(seconds)))
    if seconds < 60:
        return '%ds' % seconds
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return '%dd %dh' % (days, hours) if hours else '%dd' % days
    if hours:
        return '%dh %dm' % (hours, minutes) if minutes else '%dh' % hours
    return '%dm' % minutes


def _show(value):
    if value is None:
        return 'not set'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple)):
        return '[%s]' % ', '.join(_show(v) if not isinstance(v, str) else v for v in value)
    if isinstance(value, dict):
        return '{%s}' % ', '.join('%s: %s' % (k, _show(v)) for k, v in sorted(value.items()))
    if isinstance(value, str):
        return "'%s'" % value
    return str(value)


def _changed(label, what, actual, expected):
    return '%s: %s is %s, expected %s' % (label, what, _show(actual), _show(expected))


def _dict_drift(label, kind, expected, actual, added_is_drift=True):
    """Keys missing, changed and (optionally) added between two flat dicts."""
    lines = []
    expected, actual = expected or {}, actual or {}
    for key in sorted(expected):
        if key not in actual:
            lines.append("%s: %s '%s' was removed (was %s)" % (label, kind, key, _show(expected[key])))
        elif actual[key] != expected[key]:
            lines.append("%s: %s '%s' is %s, expected %s" % (label, kind, key, _show(actual[key]), _show(expected[key])))
    if added_is_drift:
        for key in sorted(set(actual) - set(expected)):
            lines.append("%s: %s '%s' = %s was added" % (label, kind, key, _show(actual[key])))
    return lines


def _scalar_drift(label, expected, actual, keys):
    lines = []
    for key in keys:
        if key in expected and expected.get(key) != actual.get(key):
            lines.append(_changed(label, key.replace('_', ' '), actual.get(key), expected.get(key)))
    return lines


# ---------------------------------------------------------------------------------------------------------- s3

def _rule_drift(label, expected, actual):
    lines = []
    for rule_id in sorted(expected):
        if rule_id not in actual:
            lines.append("%s: lifecycle rule '%s' is missing" % (label, rule_id))
            continue
        want, got = expected[rule_id] or {}, actual[rule_id] or {}
        for key in sorted(set(want) | set(got)):
            if want.get(key) != got.get(key):
                lines.append("%s: lifecycle rule '%s': %s is %s, expected %s"
                             % (label, rule_id, key, _show(got.get(key)), _show(want.get(key))))
    for rule_id in sorted(set(actual) - set(expected)):
        lines.append("%s: lifecycle rule '%s' was added" % (label, rule_id))
    return lines


def _recommended_drift(expected, actual):
    lines = []
    label = 's3 recommended client settings'
    for key in RECOMMENDED_KEYS:
        if key not in expected:
            continue
        if key == 'environment':
            want, got = expected.get(key) or {}, actual.get(key) or {}
            for name in sorted(set(want) | set(got)):
                if name not in got:
                    lines.append('%s: %s=%s is no longer needed' % (label, name, want[name]))
                elif name not in want:
                    lines.append('%s: %s=%s is needed now' % (label, name, got[name]))
                elif want[name] != got[name]:
                    lines.append('%s: %s is %s, expected %s' % (label, name, _show(got[name]), _show(want[name])))
        elif expected.get(key) != actual.get(key):
            lines.append(_changed(label, key, actual.get(key), expected.get(key)))
    return lines


def _presence_drift(label, want, got):
    """(drift line or None, compare further): one recorded as present must exist, one recorded as missing must not."""
    if want.get('exists', True):
        return (None, True) if got.get('exists') else ('%s is missing' % label, False)
    return ('%s exists now (it was recorded as missing)' % label if got.get('exists') else None), False


def s3_drift(expected, actual):
    lines = _scalar_drift('s3', expected, actual, ('endpoint_url', 'region', 'server'))
    buckets = actual.get('buckets') or {}
    for name in sorted(expected.get('buckets') or {}):
        want = expected['buckets'][name] or {}
        got = buckets.get(name) or {'exists': False}
        label = 's3 bucket %s' % name
        line, further = _presence_drift(label, want, got)
        lines.extend([line] if line else [])
        if not further:
            continue
        if 'versioning' in want and want['versioning'] != got.get('versioning'):
            lines.append(_changed(label, 'versioning', got.get('versioning'), want['versioning']))
        if 'lifecycle_rules' in want:
            lines.extend(_rule_drift(label, want['lifecycle_rules'] or {}, got.get('lifecycle_rules') or {}))
    if 'recommended_client_config' in expected:
        if 'recommended_client_config' in actual:
            lines.extend(_recommended_drift(expected['recommended_client_config'] or {},
                                            actual['recommended_client_config'] or {}))
    return lines


# ---------------------------------------------------------------------------------------------------------- catalog

def _column_text(column):
    return "'%s' (%s%s)" % (column.get('name'), column.get('type'), ', required' if column.get('required') else '')


def _schema_drift(label, expected, actual):
    lines = []
    got = dict((c.get('name'), c) for c in actual or [])
    want = dict((c.get('name'), c) for c in expected or [])
    for column in expected or []:
        name = column.get('name')
        if name not in got:
            lines.append('%s: column %s was removed' % (label, _column_text(column)))
            continue
        now = got[name]
        if now.get('type') != column.get('type'):
            lines.append("%s: column '%s' is %s, expected %s" % (label, name, now.get('type'), column.get('type')))
        if bool(now.get('required')) != bool(column.get('required')):
            lines.append("%s: column '%s' is %s, expected %s" % (
                label, name, 'required' if now.get('required') else 'optional',
                'required' if column.get('required') else 'optional'))
    for column in actual or []:
        if column.get('name') not in want:
            lines.append('%s: column %s was added' % (label, _column_text(column)))
    return lines


def _fields_text(fields, kind):
    if kind == 'partition':
        return [('%s(%s)' % (f.get('transform'), f.get('column'))) for f in fields or []]
    return [('%s(%s) %s %s' % (f.get('transform'), f.get('column'), f.get('direction'), f.get('null_order')))
            for f in fields or []]


def _table_drift(label, expected, actual):
    lines = []
    if expected.get('uuid') and actual.get('uuid') and expected['uuid'] != actual['uuid']:
        lines.append('%s was dropped and created again (uuid %s, expected %s)'
                     % (label, actual['uuid'], expected['uuid']))
    lines.extend(_scalar_drift(label, expected, actual, ('location', 'format_version')))
    if 'schema' in expected:
        lines.extend(_schema_drift(label, expected['schema'], actual.get('schema')))
    for key, kind in (('partition_spec', 'partition'), ('sort_order', 'sort')):
        if key in expected:
            want, got = _fields_text(expected[key], kind), _fields_text(actual.get(key), kind)
            if want != got:
                lines.append('%s: %s is %s, expected %s' % (label, key.replace('_', ' '), _show(got), _show(want)))
    if 'properties' in expected:
        lines.extend(_dict_drift(label, 'property', expected['properties'], actual.get('properties')))
    refs = actual.get('refs') or {}
    for name, kind in sorted((expected.get('refs') or {}).items()):
        if name not in refs:
            lines.append("%s: %s '%s' is missing" % (label, kind, name))
        elif refs[name] != kind:
            lines.append("%s: ref '%s' is a %s, expected a %s" % (label, name, refs[name], kind))
    if expected.get('has_rows') and not actual.get('has_rows'):
        lines.append('%s has no rows any more' % label)
    return lines


def catalog_drift(expected, actual):
    lines = _scalar_drift('catalog', expected, actual, ('type', 'name', 'warehouse'))
    namespaces = actual.get('namespaces') or {}
    for ns in sorted(expected.get('namespaces') or {}):
        want = expected['namespaces'][ns] or {}
        got = namespaces.get(ns) or {'exists': False}
        line, further = _presence_drift('namespace %s' % ns, want, got)
        lines.extend([line] if line else [])
        if not further:
            continue
        if 'properties' in want:
            lines.extend(_dict_drift('namespace %s' % ns, 'property', want['properties'], got.get('properties')))
        tables = got.get('tables') or {}
        for name in sorted(want.get('tables') or {}):
            label = 'table %s.%s' % (ns, name)
            if name not in tables:
                lines.append('%s is missing' % label)
                continue
            lines.extend(_table_drift(label, want['tables'][name] or {}, tables[name] or {}))
    return lines


# ---------------------------------------------------------------------------------------------------------- backups

def _destination_label(destination):
    text = destination or ''
    if text.startswith('s3://'):
        text = text[len('s3://'):]
    return text.rstrip('/')


def backups_drift(expected, actual):
    lines = []
    if expected.get('destination') and expected['destination'] != actual.get('destination'):
        lines.append(_changed('backups', 'destination', actual.get('destination'), expected['destination']))
    place = _destination_label(expected.get('destination') or actual.get('destination'))
    databases = actual.get('databases') or {}
    for database in sorted(expected.get('databases') or {}):
        want = expected['databases'][database] or {}
        got = databases.get(database) or {'present': False}
        label = 'backups %s/%s' % (place, database) if place else 'backups of %s' % database
        if not want.get('present', True):
            continue
        if not got.get('present'):
            lines.append('%s: no backup found' % label)
            continue
        max_age = want.get('max_age_seconds', got.get('max_age_seconds'))
        age = got.get('newest_age_seconds')
        if max_age is not None and age is not None and float(age) > float(max_age):
            lines.append('%s: newest backup is %s old, max %s (%s)'
                         % (label, format_age(age), format_age(max_age), got.get('newest', '?')))
    return lines


# ---------------------------------------------------------------------------------------------------------- polaris

def _list_drift(label, kind, expected, actual, removed_word, added_word):
    lines = []
    expected, actual = list(expected or []), list(actual or [])
    for item in expected:
        if item not in actual:
            lines.append("%s: %s '%s' was %s" % (label, kind, item, removed_word))
    for item in actual:
        if item not in expected:
            lines.append("%s: %s '%s' was %s" % (label, kind, item, added_word))
    return lines


def polaris_drift(expected, actual):
    want_deployed, got_deployed = bool(expected.get('deployed')), bool(actual.get('deployed'))
    if not want_deployed:
        if got_deployed:
            return ['polaris is deployed now but was recorded as not deployed; generate the test again to cover it']
        return []
    if not got_deployed:
        return ['polaris is not deployed any more (%s)' % (actual.get('reason') or 'no connection')]
    lines = _scalar_drift('polaris', expected, actual, ('uri', 'realm'))
    catalogs = actual.get('catalogs') or {}
    for name in sorted(expected.get('catalogs') or {}):
        want = expected['catalogs'][name] or {}
        got = catalogs.get(name) or {'exists': False}
        label = 'polaris catalog %s' % name
        if want.get('exists', True) and not got.get('exists'):
            lines.append('%s is missing' % label)
            continue
        if not want.get('exists', True):
            continue
        lines.extend(_scalar_drift(label, want, got, ('type', 'default_base_location', 'storage_type',
                                                      'allowed_locations')))
        if 'properties' in want:
            lines.extend(_dict_drift(label, 'property', want['properties'], got.get('properties')))
        roles = got.get('roles') or {}
        for role in sorted(want.get('roles') or {}):
            if role not in roles:
                lines.append('%s: catalog role %s is missing' % (label, role))
                continue
            lines.extend(_list_drift('%s, catalog role %s' % (label, role), 'grant',
                                     (want['roles'][role] or {}).get('grants'), (roles[role] or {}).get('grants'),
                                     'revoked', 'added'))
    principals = actual.get('principals') or {}
    for name in sorted(expected.get('principals') or {}):
        if name not in principals:
            lines.append('polaris principal %s is missing' % name)
            continue
        lines.extend(_list_drift('polaris principal %s' % name, 'principal role',
                                 (expected['principals'][name] or {}).get('principal_roles'),
                                 (principals[name] or {}).get('principal_roles'), 'unassigned', 'assigned'))
    roles = actual.get('principal_roles') or {}
    for name in sorted(expected.get('principal_roles') or {}):
        if name not in roles:
            lines.append('polaris principal role %s is missing' % name)
            continue
        want = (expected['principal_roles'][name] or {}).get('catalog_roles') or {}
        got = (roles[name] or {}).get('catalog_roles') or {}
        flat_want = ['%s/%s' % (c, r) for c in sorted(want) for r in want[c]]
        flat_got = ['%s/%s' % (c, r) for c in sorted(got) for r in got[c]]
        lines.extend(_list_drift('polaris principal role %s' % name, 'catalog role', flat_want, flat_got,
                                 'unassigned', 'assigned'))
    return lines


# --------------------------------------------------------------------------------------------------- Hive Metastore

def hive_metastore_drift(expected, actual):
    """Databases and tables of the Hive Metastore: a recorded one missing, a table's type, Iceberg-ness, location or
    metadata_location changed (the pointer to the table's current metadata: a restore from an older backup, a rollback
    or a writer the recording did not expect moves it). Added databases and tables are not drift."""
    lines = _scalar_drift('hive metastore', expected, actual, ('uri',))
    databases = actual.get('databases') or {}
    for db in sorted(expected.get('databases') or {}):
        want = expected['databases'][db] or {}
        got = databases.get(db) or {'exists': False}
        line, further = _presence_drift('hive metastore database %s' % db, want, got)
        lines.extend([line] if line else [])
        if not further:
            continue
        tables = got.get('tables') or {}
        for name in sorted(want.get('tables') or {}):
            label = 'hive metastore table %s.%s' % (db, name)
            if name not in tables:
                lines.append('%s is missing' % label)
                continue
            lines.extend(_scalar_drift(label, want['tables'][name] or {}, tables[name] or {},
                                       ('table_type', 'iceberg', 'location', 'metadata_location')))
    return lines


COMPARATORS = {'s3': s3_drift, 'catalog': catalog_drift, 'backups': backups_drift, 'polaris': polaris_drift,
               'hive_metastore': hive_metastore_drift}


def platform_drift(expected, actual, sections=None):
    """Readable drift lines between the recorded facts and the facts of now (empty list: no drift)."""
    expected, actual = expected or {}, actual or {}
    if isinstance(sections, str):
        sections = [sections]
    lines = []
    for section in SECTIONS:
        if sections and section not in sections:
            continue
        if section not in expected:
            continue
        if section not in actual:
            lines.append('%s: not described now, although the test recorded it' % section)
            continue
        lines.extend(COMPARATORS[section](expected[section] or {}, actual[section] or {}))
    return lines


class FilterModule(object):
    def filters(self):
        return {'platform_drift': platform_drift}
