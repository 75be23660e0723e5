# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the package plugins/module_utils/iceberg/.

Pure logic (type parsing, schema diff planning, retention and orphan selection, catalog properties, error mapping)
is tested directly; plans and reachability are also checked against real PyIceberg tables in a SQLite catalog with
a local warehouse under tmp_path (no mocks, no network).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

import pytest

pa = pytest.importorskip('pyarrow')
pytest.importorskip('pyiceberg')

from pyiceberg import types as T  # noqa: E402
from pyiceberg.exceptions import BadRequestError, ForbiddenError, OAuthError, RESTError  # noqa: E402

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.durations import parse_duration  # noqa: E402
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import (  # noqa: E402
    connect,
    describe_catalog_error,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import (  # noqa: E402
    IcebergModuleError,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import (  # noqa: E402
    apply_s3_environment,
    catalog_properties,
    namespace_properties,
    split_identifier,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.rows import (  # noqa: E402
    arrow_to_json_rows,
    conform_arrow,
    rows_to_arrow,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.schema import (  # noqa: E402
    build_partition_spec,
    build_sort_order,
    parse_partition_decl,
    parse_sort_decl,
    plan_schema,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.service import (  # noqa: E402
    run_info,
    run_table,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.snapshots import (  # noqa: E402
    RefInfo,
    SnapInfo,
    parse_point_in_time,
    select_snapshots_to_expire,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.storage import (  # noqa: E402
    FILE_KINDS,
    ManifestReader,
    empty_file_sets,
    norm_uri,
    select_orphans,
    subtract_file_sets,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.types import (  # noqa: E402
    build_schema,
    decl_type_to_string,
    parse_schema_decl,
    parse_type,
    schema_to_data,
)


# ---------------------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------------------

def decls(*columns):
    return parse_schema_decl(list(columns))


def schema_of(*columns):
    return build_schema(decls(*columns))


def col(name, type_, **kw):
    out = dict(name=name, type=type_)
    out.update(kw)
    return out


@pytest.fixture
def params(tmp_path):
    return dict(catalog_type='sql', catalog_name='unit', catalog_uri='sqlite:///%s' % (tmp_path / 'catalog.db'),
                warehouse='file://%s' % (tmp_path / 'warehouse'), catalog_properties={}, region='us-east-1',
                s3_path_style_access=True, commit_retries=3, commit_retry_max_wait=0.2, namespace='unit', name='t',
                state='present', purge=False, create_namespace=True, properties={}, purge_properties=False,
                allow_breaking_changes=[], format_version=None, location=None)


def run(params, check_mode=False, **kw):
    p = dict(params)
    p.update(kw)
    warnings = []
    result = run_table(p, check_mode=check_mode, warn=warnings.append)
    result['warnings'] = warnings
    return result


def append(params, rows):
    return run(params, data=dict(mode='append', rows=rows, branch='main', format='auto', snapshot_properties={}))


def load(params):
    return connect(params).load_table(('unit', 't'))


def files_on_disk(tmp_path):
    out = set()
    for root, unused, names in os.walk(str(tmp_path / 'warehouse')):
        for name in names:
            out.add(os.path.normpath(os.path.join(root, name)))
    return out


# ---------------------------------------------------------------------------------------------------------------------
# type parsing
# ---------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('text, expected', [
    ('boolean', T.BooleanType()), ('int', T.IntegerType()), ('integer', T.IntegerType()), ('long', T.LongType()),
    ('bigint', T.LongType()), ('float', T.FloatType()), ('double', T.DoubleType()), ('date', T.DateType()),
    ('time', T.TimeType()), ('timestamp', T.TimestampType()), ('timestamptz', T.TimestamptzType()),
    ('string', T.StringType()), ('uuid', T.UUIDType()), ('binary', T.BinaryType()), ('LONG', T.LongType()),
    ('decimal(10,2)', T.DecimalType(10, 2)), ('decimal( 38 , 0 )', T.DecimalType(38, 0)),
    ('fixed[16]', T.FixedType(16)), ('fixed(4)', T.FixedType(4)),
])
def test_parse_primitive_types(text, expected):
    decl = parse_type(text, 'c')
    assert decl.kind == 'primitive'
    assert decl.primitive == expected


def test_parse_nested_type_strings():
    decl = parse_type('map<string, list<struct<a:int, b:decimal(5,1)>>>', 'c')
    assert decl.kind == 'map'
    assert decl.key.primitive == T.StringType()
    assert decl.value.kind == 'list'
    struct = decl.value.element
    assert [f.name for f in struct.fields] == ['a', 'b']
    assert struct.fields[1].type.primitive == T.DecimalType(5, 1)
    assert decl_type_to_string(decl) == 'map<string,list<struct<a:int,b:decimal(5,1)>>>'


def test_parse_dict_forms_and_round_trip():
    columns = [
        col('id', 'long', required=True, doc='key'),
        col('address', 'struct', fields=[col('city', 'string', required=True), col('zip', 'int', doc='postal')]),
        col('points', 'list', element={'type': 'struct', 'fields': [col('x', 'double'), col('y', 'double')]},
            element_required=True),
        col('attrs', 'map', key='string', value='list<long>', value_required=False),
        col('amount', 'decimal(12,2)'),
    ]
    schema = build_schema(parse_schema_decl(columns))
    assert schema.find_field('address.city').required
    assert schema.find_field('address.zip').doc == 'postal'
    assert schema.find_field('points').field_type.element_required
    # what the modules return can be given back and means the same schema
    again = build_schema(parse_schema_decl(schema_to_data(schema)))
    assert again.as_struct() == schema.as_struct()
    assert plan_schema(schema, parse_schema_decl(schema_to_data(schema))).empty


@pytest.mark.parametrize('bad, fragment', [
    ('strng', "unknown type name 'strng'"),
    ('decimal(10)', 'expected ,'),
    ('decimal(40,2)', 'precision must be 1..38'),
    ('list<string', 'expected >'),
    ('map<list<int>,string>', 'map keys must be a primitive'),
    ('struct<a int>', 'expected :'),
    ('long long', "unexpected 'long'"),
])
def test_parse_type_errors_are_one_line(bad, fragment):
    with pytest.raises(IcebergModuleError) as err:
        parse_type(bad, 'c')
    message = str(err.value)
    assert fragment in message
    assert "column 'c'" in message
    assert '\n' not in message


def test_parse_schema_errors():
    with pytest.raises(IcebergModuleError, match='declared twice'):
        decls(col('a', 'int'), col('a', 'long'))
    with pytest.raises(IcebergModuleError, match='type is required'):
        decls(dict(name='a'))
    with pytest.raises(IcebergModuleError, match="needs a non-empty 'fields'"):
        decls(col('s', 'struct'))
    with pytest.raises(IcebergModuleError, match='unknown keys bogus'):
        decls(col('a', 'int', bogus=1))


def test_partition_and_sort_parsing():
    schema = schema_of(col('id', 'long'), col('ts', 'timestamptz'), col('region', 'string'))
    parts = parse_partition_decl(['day(ts)', 'bucket[16](id)', 'bucket(8, region)', 'region',
                                  {'column': 'region', 'transform': 'truncate[2]', 'name': 'r2'}])
    spec = build_partition_spec(schema, parts)
    assert [str(f.transform) for f in spec.fields] == ['day', 'bucket[16]', 'bucket[8]', 'identity', 'truncate[2]']
    assert [f.name for f in spec.fields] == ['ts_day', 'id_bucket_16', 'region_bucket_8', 'region', 'r2']
    order = build_sort_order(schema, parse_sort_decl(['id desc', {'column': 'ts', 'transform': 'day'}]))
    assert len(order.fields) == 2


def test_partition_errors():
    schema = schema_of(col('id', 'long'), col('name', 'string'))
    with pytest.raises(IcebergModuleError, match="column 'ts2' does not exist"):
        build_partition_spec(schema, parse_partition_decl(['day(ts2)']))
    with pytest.raises(IcebergModuleError, match='cannot be applied'):
        build_partition_spec(schema, parse_partition_decl(['day(name)']))
    with pytest.raises(IcebergModuleError, match='unknown transform'):
        parse_partition_decl([{'column': 'id', 'transform': 'weekly'}])


def test_points_in_time():
    now = 1_800_000_000_000
    assert parse_point_in_time('1h', 'x', now) == now - 3600 * 1000
    assert parse_point_in_time('0s', 'x', now) == now
    assert parse_point_in_time(1234567890123, 'x', now) == 1234567890123
    assert parse_point_in_time('2024-01-01T00:00:00Z', 'x', now) == 1704067200000
    assert parse_point_in_time('2024-01-01T00:00:00', 'x', now) == 1704067200000
    with pytest.raises(IcebergModuleError, match='neither an ISO-8601'):
        parse_point_in_time('yesterday', 'x', now)
    # errors of the shared parsers are the module's own (caught as IcebergModuleError, not re-described)
    with pytest.raises(IcebergModuleError, match='is not a duration'):
        parse_duration('soon', 'remove_orphan_files.older_than', error=IcebergModuleError)


# ---------------------------------------------------------------------------------------------------------------------
# schema diff planning
# ---------------------------------------------------------------------------------------------------------------------

BASE = [col('id', 'long', required=True), col('n', 'int'), col('f', 'float'), col('amount', 'decimal(10,2)'),
        col('name', 'string', required=True), col('address', 'struct', fields=[col('city', 'string')]),
        col('attrs', 'map<string,int>')]


def plan(target, allow=()):
    return plan_schema(schema_of(*BASE), decls(*target), allow)


def test_plan_identical_is_empty():
    p = plan(BASE)
    assert p.empty and not p.refused


def test_plan_allowed_changes():
    target = [col('id', 'long', required=True, doc='key'), col('n', 'long'), col('f', 'double'),
              col('amount', 'decimal(12,2)'), col('name', 'string'),
              col('address', 'struct', fields=[col('city', 'string'), col('zip', 'string')]),
              col('attrs', 'map<string,long>'), col('extra', 'list<string>')]
    p = plan(target)
    assert not p.refused, p.refused
    text = '\n'.join(p.changes)
    for expected in ("set doc of column 'id'", "widen column 'n' from int to long", "widen column 'f' from float to double",
                     "widen column 'amount' from decimal(10,2) to decimal(12,2)", "make column 'name' optional",
                     "add column 'address.zip' string", "widen column 'attrs.value' from int to long",
                     "add column 'extra' list<string>"):
        assert expected in text
    assert not p.needs_incompatible


def test_plan_keeps_undeclared_columns_without_purge():
    # Only 'id', 'name' and a new column declared: the others stay, nothing is refused, only the add is planned.
    target = [BASE[0], BASE[4], col('extra', 'string')]
    kept = plan_schema(schema_of(*BASE), decls(*target), (), purge_columns=False)
    assert not kept.refused, kept.refused
    assert kept.changes == ["add column 'extra' string"]
    purged = plan_schema(schema_of(*BASE), decls(*target), ())
    assert any("drop column 'n'" in r for r in purged.refused)
    assert any("drop column 'address.city'" in r for r in plan_schema(
        schema_of(*BASE), decls(*(BASE[:5] + [col('address', 'struct', fields=[col('zip', 'string')])] + BASE[6:])), ()).refused)


def test_plan_reorder_is_allowed():
    target = [BASE[1], BASE[0]] + BASE[2:]
    p = plan(target)
    assert not p.refused
    assert p.changes == ["move column 'n' first"]


@pytest.mark.parametrize('target, fragments', [
    (BASE[:-1], ["drop column 'attrs'", 'allow_breaking_changes: [drop_column]']),
    ([col('ident', 'long', required=True, rename_from='id')] + BASE[1:], ["rename column 'id' to 'ident'"]),
    ([col('id', 'int', required=True)] + BASE[1:], ["narrow column 'id' from long to int", 'would lose data']),
    ([BASE[0], col('n', 'string')] + BASE[2:], ["change type of column 'n' from int to string"]),
    ([BASE[0], BASE[1], BASE[2], col('amount', 'decimal(10,3)')] + BASE[4:], ["change type of column 'amount'"]),
    ([BASE[0], col('n', 'int', required=True)] + BASE[2:], ["make column 'n' required"]),
    (BASE + [col('new', 'int', required=True)], ["add column 'new' int required", 'existing rows would have no value']),
    (BASE[:-1] + [col('attrs', 'map<long,int>')], ["change the key type of map 'attrs'"]),
    (BASE[:-1] + [col('attrs', 'list<int>')], ["change column 'attrs' from map<string,int> to list<int>"]),
    (BASE[:5] + [col('address', 'struct', fields=[col('town', 'string')])] + BASE[6:], ["drop column 'address.city'"]),
])
def test_plan_refused_changes(target, fragments):
    p = plan(target)
    assert p.refused
    text = ' | '.join(p.refused)
    for fragment in fragments:
        assert fragment in text


def test_plan_lists_every_refused_change():
    target = [col('id', 'int', required=True), col('n2', 'int', rename_from='n'), col('f', 'float')]
    p = plan(target)
    # narrow id, rename n, and drop amount, name, address, attrs: each listed
    assert len(p.refused) == 6
    assert sum(1 for r in p.refused if r.startswith('drop column')) == 4
    p = plan(target, allow=['drop_column'])
    assert [r.split(':')[0] for r in p.refused] == [
        "narrow column 'id' from long to int", "rename column 'n' to 'n2' (readers by name break)"]


def test_plan_allow_list():
    p = plan(BASE[:-1] + [col('id2', 'long', rename_from='name')], allow=['drop_column', 'rename_column'])
    assert not [r for r in p.refused if 'id2' in r and 'rename' in r]
    p = plan([BASE[0], col('n', 'int', required=True)] + BASE[2:], allow=['require_column'])
    assert not p.refused and p.needs_incompatible


# ---------------------------------------------------------------------------------------------------------------------
# plans applied to a real table (SQLite catalog, local warehouse)
# ---------------------------------------------------------------------------------------------------------------------

def test_evolution_applies_and_converges(params):
    result = run(params, schema=BASE)
    assert result['created']
    target = [col('n', 'long', doc='widened'), col('id', 'long', required=True), col('f', 'double'),
              col('amount', 'decimal(12,2)'), col('name', 'string', required=True),
              col('address', 'struct', fields=[col('zip', 'string'), col('city', 'string')]),
              col('attrs', 'map<string,long>'), col('extra', 'string')]
    check = run(params, check_mode=True, schema=target, partition_spec=['bucket[4](id)'])
    assert check['changed']
    assert load(params).schema().schema_id == 0     # check mode committed nothing
    result = run(params, schema=target, partition_spec=['bucket[4](id)'])
    assert result['changed']
    tbl = load(params)
    assert [f.name for f in tbl.schema().fields] == [c['name'] for c in target]
    assert [f.name for f in tbl.schema().find_field('address').field_type.fields] == ['zip', 'city']
    assert tbl.schema().find_field('n').field_type == T.LongType()
    assert [str(f.transform) for f in tbl.spec().fields] == ['bucket[4]']
    again = run(params, schema=target, partition_spec=['bucket[4](id)'])
    assert not again['changed'], again['changes']


def test_refusal_commits_nothing(params):
    run(params, schema=BASE, properties={'a': '1'})
    before = load(params).metadata_location
    with pytest.raises(IcebergModuleError) as err:
        run(params, schema=[col('id', 'int', required=True)] + BASE[1:] + [col('new', 'string')],
            properties={'a': '2'}, partition_spec=['day(missing)'])
    assert 'Nothing was committed' in str(err.value) or 'does not exist' in str(err.value)
    assert load(params).metadata_location == before
    with pytest.raises(IcebergModuleError, match="partition_spec\\[0\\]: column 'missing' does not exist"):
        run(params, schema=BASE + [col('new', 'string')], partition_spec=['day(missing)'])
    assert load(params).metadata_location == before
    with pytest.raises(IcebergModuleError, match='required'):
        append(params, [dict(id=1)])   # name is required
    assert load(params).metadata_location == before


def test_rows_conversion_and_errors():
    schema = schema_of(col('id', 'long', required=True), col('ts', 'timestamptz'), col('d', 'date'),
                       col('amount', 'decimal(6,2)'), col('tags', 'list<string>'), col('m', 'map<string,int>'),
                       col('s', 'struct<a:int>'), col('b', 'binary'), col('u', 'uuid'))
    table = rows_to_arrow([dict(id=1, ts='2024-01-01T01:00:00+01:00', d='2024-01-02', amount='1.5', tags=['x'],
                                m={'k': 1}, s={'a': 2}, b='aGk=', u='6f1f5a3c-8c9a-4a3a-9d5d-1b2f5f0c0a11')],
                          schema)
    rows = arrow_to_json_rows(table)
    assert rows[0]['ts'] == '2024-01-01T00:00:00+00:00'
    assert rows[0]['amount'] == '1.50' and rows[0]['m'] == {'k': 1} and rows[0]['b'] == 'aGk='
    assert rows[0]['u'] == '6f1f5a3c-8c9a-4a3a-9d5d-1b2f5f0c0a11'
    for row, fragment in [(dict(id='x'), "column 'id' (long): expected an integer"),
                          (dict(id=1, amount='1.234'), 'more than 2 digits after the point'),
                          (dict(id=1, amount='12345.6'), 'more than 6 digits'),
                          (dict(id=1, bogus=1), 'not in the table: bogus'),
                          (dict(ts='2024-01-01'), "column 'id' is required"),
                          (dict(id=1, s={'z': 1}), 'unknown struct fields z')]:
        with pytest.raises(IcebergModuleError) as err:
            rows_to_arrow([row], schema)
        assert fragment in str(err.value)


def test_conform_arrow():
    schema = schema_of(col('id', 'long', required=True), col('name', 'string'))
    ok = conform_arrow(pa.table({'id': pa.array([1, 2], pa.int32())}), schema, 'f')
    assert ok.column('id').type == pa.int64() and ok.column('name').null_count == 2
    with pytest.raises(IcebergModuleError, match='not in the table: x'):
        conform_arrow(pa.table({'id': [1], 'x': [1]}), schema, 'f')
    with pytest.raises(IcebergModuleError, match="column 'id' is string, the table wants int64"):
        conform_arrow(pa.table({'id': ['a']}), schema, 'f')
    with pytest.raises(IcebergModuleError, match="no column 'id'"):
        conform_arrow(pa.table({'name': ['a']}), schema, 'f')


# ---------------------------------------------------------------------------------------------------------------------
# retention selection (pure)
# ---------------------------------------------------------------------------------------------------------------------

S = SnapInfo
R = RefInfo
NOW = 1_000_000


def chain(ids, start=0, step=1000):
    """Linear history: ids[0] oldest; timestamps start, start+step, ..."""
    out, parent = [], None
    for i, sid in enumerate(ids):
        out.append(S(sid, parent, start + i * step))
        parent = sid
    return out


def test_retain_last_keeps_n_per_branch():
    snaps = chain([1, 2, 3, 4, 5])
    refs = {'main': R(5, 'branch', None, None)}
    expire, retained = select_snapshots_to_expire(snaps, refs, NOW, older_than_ms=NOW, retain_last=2)
    assert expire == {1, 2, 3}
    assert set(retained) == {4, 5}


def test_older_than_respected():
    snaps = chain([1, 2, 3, 4, 5])                   # timestamps 0 .. 4000
    refs = {'main': R(5, 'branch', None, None)}
    expire, unused = select_snapshots_to_expire(snaps, refs, NOW, older_than_ms=2500, retain_last=1)
    assert expire == {1, 2, 3}                        # 3000 and 4000 are newer than the cut-off


def test_tags_and_other_branches_are_protected():
    snaps = chain([1, 2, 3, 4, 5]) + [S(10, 2, 2500), S(11, 10, 2600)]   # branch dev forks at 2
    refs = {'main': R(5, 'branch', None, None), 'dev': R(11, 'branch', None, None), 'v1': R(1, 'tag', None, None)}
    expire, retained = select_snapshots_to_expire(snaps, refs, NOW, older_than_ms=NOW, retain_last=1)
    assert expire == {2, 3, 4, 10}
    assert retained[1] == 'head of tag v1' and retained[11] == 'head of branch dev'


def test_branch_overrides_and_unreferenced_snapshots():
    snaps = chain([1, 2, 3, 4, 5]) + [S(20, 3, 10)]   # 20: rolled back / staged, on no branch
    refs = {'main': R(5, 'branch', 3, None)}           # the branch keeps 3 itself
    expire, retained = select_snapshots_to_expire(snaps, refs, NOW, older_than_ms=NOW, retain_last=1)
    assert expire == {1, 2, 20}
    assert set(retained) == {3, 4, 5}
    expire, unused = select_snapshots_to_expire(snaps, refs, NOW, older_than_ms=5, retain_last=1)
    assert expire == {1}                               # 20 (ts 10) is newer than the cut-off of 5
    refs = {"main": R(5, "branch", None, NOW - 2500)}  # branch max snapshot age: older than ts 2500 may go
    expire, unused = select_snapshots_to_expire(snaps, refs, NOW, older_than_ms=None, retain_last=1)
    assert expire == {1, 2, 3}                         # timestamps 0, 1000, 2000 < 2500


def test_explicit_ids():
    snaps = chain([1, 2, 3])
    refs = {'main': R(3, 'branch', None, None), 't': R(2, 'tag', None, None)}
    expire, unused = select_snapshots_to_expire(snaps, refs, NOW, snapshot_ids=[1])
    assert expire == {1}
    with pytest.raises(IcebergModuleError, match='is the head of tag t'):
        select_snapshots_to_expire(snaps, refs, NOW, snapshot_ids=[2])
    with pytest.raises(IcebergModuleError, match='snapshot 99 does not exist'):
        select_snapshots_to_expire(snaps, refs, NOW, snapshot_ids=[99])


def test_nothing_selected_without_criteria():
    snaps = chain([1, 2, 3])
    expire, unused = select_snapshots_to_expire(snaps, {'main': R(3, 'branch', None, None)}, NOW)
    assert expire == set()


# ---------------------------------------------------------------------------------------------------------------------
# reachable sets and file deletion (real table)
# ---------------------------------------------------------------------------------------------------------------------

def test_subtract_file_sets_keeps_anything_reached():
    a = empty_file_sets()
    a['data_files'] |= {'/w/a', '/w/b'}
    a['manifests'] |= {'/w/m1'}
    b = empty_file_sets()
    b['data_files'] |= {'/w/b'}
    b['metadata_files'] |= {'/w/m1'}        # a path reached under any kind is kept
    out = subtract_file_sets(a, b)
    assert out['data_files'] == {'/w/a'} and out['manifests'] == set()


def test_reachable_sets_and_expiry_delete_exactly_the_unreachable(params, tmp_path):
    schema = [col('id', 'long', required=True), col('region', 'string')]
    run(params, schema=schema, partition_spec=['region'])
    for i in range(4):
        append(params, [dict(id=i * 10 + j, region='eu' if j % 2 else 'us') for j in range(10)])
    run(params, data=dict(mode='delete', filter="region = 'us' AND id < 20", branch='main', format='auto',
                          snapshot_properties={}))
    run(params, data=dict(mode='overwrite', rows=[dict(id=999, region='us')], filter="region = 'us'", branch='main',
                          format='auto', snapshot_properties={}))
    tbl = load(params)
    snaps = tbl.metadata.snapshots
    reader = ManifestReader(tbl.io)
    # every snapshot reaches its own manifest list, and the data files its scan reads
    for snap in snaps:
        files = reader.snapshot_files(snap)
        assert files['manifest_lists'] == {norm_uri(snap.manifest_list)}
        scanned = set(norm_uri(t.file.file_path) for t in tbl.scan(snapshot_id=snap.snapshot_id).plan_files())
        assert files['data_files'] == scanned
    # expected: files of expired snapshots minus files of retained ones
    keep_ids = set(s.snapshot_id for s in snaps[-2:])
    run(params, tags=[dict(name='keep', snapshot_id=snaps[-2].snapshot_id, state='present')])
    retained = [s for s in snaps if s.snapshot_id in keep_ids]
    expired = [s for s in snaps if s.snapshot_id not in keep_ids]
    expected = subtract_file_sets(reader.snapshots_files(expired), reader.snapshots_files(retained))
    expected_paths = set(p for kind in FILE_KINDS for p in expected[kind])
    assert expected_paths
    disk_before = files_on_disk(tmp_path)
    check = run(params, check_mode=True, expire_snapshots=dict(older_than='0s', retain_last=1, delete_files=True))
    assert set(check['expire']['deleted_paths']) == expected_paths
    assert files_on_disk(tmp_path) == disk_before
    result = run(params, expire_snapshots=dict(older_than='0s', retain_last=1, delete_files=True))
    assert set(result['expire']['expired_snapshot_ids']) == set(s.snapshot_id for s in expired)
    gone = disk_before - files_on_disk(tmp_path)
    assert gone == expected_paths
    assert result['expire']['deleted_count'] == len(expected_paths)
    # every retained snapshot is still fully readable
    tbl = load(params)
    for snap in tbl.metadata.snapshots:
        assert tbl.scan(snapshot_id=snap.snapshot_id).to_arrow().num_rows == \
            sum(f.record_count for f in (t.file for t in tbl.scan(snapshot_id=snap.snapshot_id).plan_files()))
    again = run(params, expire_snapshots=dict(older_than='0s', retain_last=1, delete_files=True))
    assert not again['changed']


def test_select_orphans_guard_and_protection():
    now = 10_000.0
    listing = [('/w/t/data/a', 1, now - 5000), ('/w/t/data/b', 2, now - 10), ('/w/t/data/c', 3, now - 5000),
               ('/w/t/sub/x', 4, now - 5000), ('/w/t/metadata/version-hint.text', 1, now - 5000)]
    orphans, recent = select_orphans(listing, {'/w/t/data/c'}, ['/w/t/sub/'], now, 3600)
    assert [o[0] for o in orphans] == ['/w/t/data/a']
    assert [r[0] for r in recent] == ['/w/t/data/b']


def test_orphan_removal_on_a_real_table(params, tmp_path):
    run(params, schema=[col('id', 'long')])
    append(params, [dict(id=1)])
    tbl = load(params)
    stray = os.path.join(tbl.location().replace('file://', ''), 'data', 'stray.parquet')
    with open(stray, 'wb') as handle:
        handle.write(b'not referenced')
    kept = run(params, remove_orphan_files=dict(older_than='3d', dry_run=False, max_listed=10))
    assert kept['orphans']['orphan_count'] == 0 and kept['orphans']['kept_recent_count'] == 1
    old = time.time() - 7200
    os.utime(stray, (old, old))
    dry = run(params, remove_orphan_files=dict(older_than='1h', dry_run=True, max_listed=10))
    assert [o['path'] for o in dry['orphans']['orphan_files']] == [os.path.normpath(stray)]
    assert os.path.exists(stray) and not dry['changed']
    real = run(params, remove_orphan_files=dict(older_than='1h', dry_run=False, max_listed=10))
    assert real['changed'] and not os.path.exists(stray)
    assert load(params).scan().to_arrow().num_rows == 1
    with pytest.raises(IcebergModuleError, match='at least 60s'):
        run(params, remove_orphan_files=dict(older_than='10s', dry_run=True, max_listed=10))


# ---------------------------------------------------------------------------------------------------------------------
# connection properties and error mapping
# ---------------------------------------------------------------------------------------------------------------------

def test_rest_catalog_properties():
    props = catalog_properties(dict(
        catalog_type='rest', catalog_uri='http://127.0.0.1:8181/api/catalog', warehouse='wh', client_id='id',
        client_secret='secret', oauth_scope='PRINCIPAL_ROLE:ALL', realm='POLARIS', realm_header='Polaris-Realm',
        endpoint_url='http://127.0.0.1:7480', access_key='ak', secret_key='sk', region=None,
        s3_path_style_access=True, catalog_properties={'x': True}))
    assert props['credential'] == 'id:secret'
    assert props['scope'] == 'PRINCIPAL_ROLE:ALL'
    assert props['oauth2-server-uri'] == 'http://127.0.0.1:8181/api/catalog/v1/oauth/tokens'
    assert props['header.Polaris-Realm'] == 'POLARIS'
    assert props['header.X-Iceberg-Access-Delegation'] == ''
    assert props['s3.region'] == 'us-east-1' and props['s3.endpoint'] == 'http://127.0.0.1:7480'
    assert props['s3.force-virtual-addressing'] == 'false'
    assert props['x'] == 'true'
    with pytest.raises(IcebergModuleError, match='given together'):
        catalog_properties(dict(catalog_type='rest', catalog_uri='http://x', client_id='id'))


def test_sql_catalog_password_is_merged():
    props = catalog_properties(dict(catalog_type='sql', catalog_uri='postgresql+psycopg://u@h:5432/db',
                                    catalog_password='p@ss'))
    assert props['uri'] == 'postgresql+psycopg://u:p%40ss@h:5432/db'


def test_checksum_environment(monkeypatch):
    monkeypatch.delenv('AWS_REQUEST_CHECKSUM_CALCULATION', raising=False)
    monkeypatch.delenv('AWS_RESPONSE_CHECKSUM_VALIDATION', raising=False)
    apply_s3_environment(dict(request_checksum_calculation='when_required',
                              response_checksum_validation='when_required'))
    assert os.environ['AWS_REQUEST_CHECKSUM_CALCULATION'] == 'when_required'
    assert os.environ['AWS_RESPONSE_CHECKSUM_VALIDATION'] == 'when_required'


@pytest.mark.parametrize('exc, fragment', [
    (OAuthError('invalid_client: Unauthorized'), 'rejected the OAuth2 client credential'),
    (ForbiddenError('Principal is not authorized'), 'grant the principal a catalog role'),
    (OSError('AWS Error UNKNOWN (HTTP status 411) during PutObject: MissingContentLength'), 'when_required'),
    (type('ConnectionError', (Exception,), {})('refused'), 'could not connect to the catalog'),
])
def test_error_mapping(exc, fragment):
    message = describe_catalog_error(exc, dict(catalog_uri='http://127.0.0.1:8181/api/catalog'), 'loading t')
    assert fragment in message and '\n' not in message


# Polaris 1.4.1's answers, as PyIceberg raises them (observed on the local stack by iceberg_table_polaris).
POLARIS_NO_VENDING = BadRequestError('IllegalArgumentException: Credential vending was requested for table sales.orders, '
                                     'but no credentials are available')
POLARIS_BAD_REALM = RESTError('MissingOrInvalidRealm: Missing or invalid realm')


def test_vending_refusal_gives_the_remedy():
    params = dict(catalog_uri='http://127.0.0.1:8181/api/catalog',
                  catalog_properties={'header.X-Iceberg-Access-Delegation': 'vended-credentials'})
    message = describe_catalog_error(POLARIS_NO_VENDING, params, 'iceberg_table_info')
    assert '\n' not in message
    assert 'header X-Iceberg-Access-Delegation: vended-credentials' in message
    assert 'stsUnavailable' in message
    assert 'remove header.X-Iceberg-Access-Delegation from catalog_properties' in message
    assert 'configure STS' in message
    assert 'Credential vending was requested for table sales.orders' in message
    assert 'may exist now' not in describe_catalog_error(POLARIS_NO_VENDING, params, 'loading table sales.orders')
    assert 'may exist now' in describe_catalog_error(POLARIS_NO_VENDING, params, 'creating sales.orders')


def test_vending_refusal_recognised_without_the_property():
    message = describe_catalog_error(POLARIS_NO_VENDING, dict(catalog_uri='u'), 'loading t')
    assert 'has none to vend' in message and 'header X-Iceberg-Access-Delegation: vended-credentials' in message


def test_other_bad_request_is_not_a_vending_refusal():
    message = describe_catalog_error(BadRequestError('BadRequestException: Catalog x cannot be dropped, it is not empty'),
                                     dict(catalog_uri='u'), 'dropping t')
    assert 'vend' not in message and 'cannot be dropped' in message


def test_unknown_realm_names_the_realm():
    params = dict(catalog_uri='http://127.0.0.1:8181/api/catalog', realm='NOPE', realm_header='Polaris-Realm')
    message = describe_catalog_error(POLARIS_BAD_REALM, params, 'connecting to the catalog')
    assert '\n' not in message
    assert "does not know the realm 'NOPE'" in message and 'Polaris-Realm header' in message
    assert 'check realm' in message


def test_wrong_sql_catalog_is_one_line(tmp_path):
    with pytest.raises(IcebergModuleError) as err:
        connect(dict(catalog_type='sql', catalog_uri='sqlite:///%s/missing/dir/x.db' % tmp_path,
                     catalog_properties={}))
    assert '\n' not in str(err.value)


def test_time_travel_returns_old_rows_and_schema(params):
    run(params, schema=[col('id', 'long')])
    first = append(params, [dict(id=1)])['data']['snapshot_id']
    run(params, schema=[col('id', 'long'), col('extra', 'string')])
    append(params, [dict(id=2, extra='x')])
    info = run_info(dict(params, files=True, snapshots=True, query=dict(snapshot_id=first, limit=10)))
    assert [c['name'] for c in info['query']['schema']] == ['id']
    assert info['query']['rows'] == [{'id': 1}]
    info = run_info(dict(params, files=True, snapshots=True, query=dict(limit=10)))
    assert sorted(r['id'] for r in info['query']['rows']) == [1, 2]
    assert info['files']['records'] == 2
    with pytest.raises(IcebergModuleError, match='snapshot 1 does not exist'):
        run_info(dict(params, files=False, snapshots=False, query=dict(snapshot_id=1)))


# ------------------------------------------------------------------ issue 17: errors that name the real cause
@pytest.mark.parametrize('namespace, name, fragment', [
    ('unit', 'a/b.c', 'table name \'a/b.c\' is refused: it contains "/"'),
    ('unit', 'b.c', 'contains "."'),
    ('unit', 'x\x1fy', 'control character'),
    ('unit', ' t', 'surrounding spaces'),
    ('unit', 'x' * 256, 'has 256 characters'),
    ('a..b', 't', "namespace 'a..b' is refused: a level is empty"),
    ('.a', 't', 'a level is empty'),
    (['a/b'], 't', 'contains "/"'),
    (['a.b'], 't', 'contains "."'),
])
def test_identifiers_are_validated(params, namespace, name, fragment):
    for fn in (lambda: run(params, namespace=namespace, name=name, schema=[col('id', 'long')]),
               lambda: run_info(dict(params, namespace=namespace, name=name))):
        with pytest.raises(IcebergModuleError) as err:
            fn()
        assert fragment.replace('surrounding spaces', 'starts or ends with a space') in str(err.value) \
            or fragment in str(err.value)
        assert 'without "/", ".", control characters' in str(err.value) and '\n' not in str(err.value)
    assert not os.path.exists(str(params['warehouse'])[len('file://'):])  # nothing was created


def test_valid_identifiers():
    assert split_identifier('a.b', 'my_table-1') == ('a', 'b', 'my_table-1')
    assert split_identifier(['a', 'b'], 't') == ('a', 'b', 't')


def test_hive_identifiers_are_one_level_and_lower_case():
    assert split_identifier('sales', 'orders', 'hive') == ('sales', 'orders')
    for namespace, name, fragment in (('a.b', 't', 'one level of databases'), ('Sales', 't', "use 'sales'"),
                                      ('sales', 'Orders', "use 'orders'")):
        with pytest.raises(IcebergModuleError) as err:
            split_identifier(namespace, name, 'hive')
        assert fragment in str(err.value) and '\n' not in str(err.value)
    assert split_identifier('Sales', 'Orders', 'sql') == ('Sales', 'Orders')  # other catalogs keep their case


def test_hive_uri_must_be_thrift():
    props = catalog_properties(dict(catalog_type='hive', catalog_uri='thrift://127.0.0.1:64083', warehouse='s3://b/w'))
    assert props['type'] == 'hive' and props['uri'] == 'thrift://127.0.0.1:64083' and props['warehouse'] == 's3://b/w'
    for uri in ('http://127.0.0.1:9083', 'thrift://127.0.0.1', '127.0.0.1:9083', 'thrift://h:9083/db'):
        with pytest.raises(IcebergModuleError) as err:
            catalog_properties(dict(catalog_type='hive', catalog_uri=uri))
        assert 'thrift://HOST:PORT' in str(err.value)


def test_hive_namespaces_are_created_under_the_warehouse():
    params = dict(catalog_type='hive', warehouse='s3://bucket/wh/')
    assert namespace_properties(params, ('sales',)) == {'location': 's3://bucket/wh/sales.db'}
    assert namespace_properties(dict(params, catalog_type='sql'), ('sales',)) == {}
    assert namespace_properties(dict(catalog_type='hive'), ('sales',)) == {}


def test_hive_errors_are_one_line_with_the_fix():
    params = dict(catalog_type='hive', catalog_uri='thrift://127.0.0.1:1')
    transport = type('TTransportException', (Exception,), {})
    down = describe_catalog_error(transport("Could not connect to any of [('127.0.0.1', 1)]"), params, 'loading table a.b')
    assert 'could not connect to the Hive metastore at thrift://127.0.0.1:1' in down and 'catalog_uri' in down
    closed = describe_catalog_error(transport('TSocket read 0 bytes'), params, 'loading table a.b')
    assert 'closed the Thrift connection' in closed and "metastore's Thrift port" in closed
    meta = type('MetaException', (Exception,), {})
    text = describe_catalog_error(meta('Got exception: java.io.IOException No FileSystem for scheme "gs"'), params,
                                  'creating namespace a')
    assert 'No FileSystem for that scheme' in text.replace('no Hadoop FileSystem', 'No FileSystem') and '\n' not in text
    gone = describe_catalog_error(FileNotFoundError(2, "Path does not exist 'b/wh/ns.db/t/metadata/00001-x.metadata.json'"),
                                  params, 'loading table ns.t')
    assert 'gone from storage' in gone and 'drop_table' in gone and '\n' not in gone


def test_wrong_sql_catalog_password_says_so():
    exc = type('OperationalError', (Exception,), {})(
        '(psycopg.OperationalError) connection failed: connection to server at "127.0.0.1", port 5544 failed: '
        'FATAL:  password authentication failed for user "iceberg"')
    message = describe_catalog_error(exc, dict(catalog_uri='postgresql+psycopg://iceberg@127.0.0.1:5544/iceberg_catalog'),
                                     'connecting to the catalog')
    assert 'rejected the password of user "iceberg"' in message and 'catalog_password' in message
    assert 'check catalog_uri' not in message


def test_bad_row_filter_is_one_short_line(params):
    run(params, schema=[col('id', 'long')])
    with pytest.raises(IcebergModuleError) as err:
        run_info(dict(params, files=False, snapshots=False, query=dict(filter='id = = 3', limit=10)))
    text = str(err.value)
    assert "cannot parse row filter 'id = = 3'" in text and len(text) < 300 and 'Expected' not in text


def test_row_count_is_the_tables_and_the_limit_is_separate(params):
    run(params, schema=[col('id', 'long')])
    append(params, [dict(id=i) for i in range(150)])
    append(params, [dict(id=i) for i in range(150, 250)])
    info = run_info(dict(params, files=False, snapshots=False, query=dict(limit=100)))
    query = info['query']
    assert query['row_count'] == 250 and query['row_count_source'] == 'snapshot summary'
    assert query['returned_rows'] == len(query['rows']) == 100 and query['limited'] is True
    info = run_info(dict(params, files=False, snapshots=False, query=dict(limit=250)))
    assert info['query']['returned_rows'] == 250 and info['query']['limited'] is False
    info = run_info(dict(params, files=False, snapshots=False, query=dict(filter='id < 10', limit=100)))
    assert info['query']['row_count'] == 250 and info['query']['returned_rows'] == 10
    assert info['query']['limited'] is False
    # after a delete the summary is not exact for v2 position deletes: the rows are then counted
    run(params, data=dict(mode='delete', filter='id < 50', branch='main', format='auto', snapshot_properties={}))
    info = run_info(dict(params, files=False, snapshots=False, query=dict(limit=5)))
    assert info['query']['row_count'] == 200 and info['query']['limited'] is True


class TestOrphanGuard:
    """The orphan removal's guard age: 60 s at least, 1 s only when the caller vouches it is the only writer."""

    class _Table(object):
        def refresh(self):
            raise _GuardPassed()

    def _maintenance(self):
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.maintenance import TableMaintenance
        maintenance = TableMaintenance()
        maintenance.warnings = []
        maintenance.check_mode = False
        maintenance.warn = maintenance.warnings.append
        return maintenance

    @pytest.mark.parametrize('older_than', ['5s', '59s'])
    def test_short_guard_refused_for_a_shared_table(self, older_than):
        with pytest.raises(IcebergModuleError) as info:
            self._maintenance().remove_orphan_files(self._Table(), {'older_than': older_than})
        assert 'at least 60s' in str(info.value) and 'exclusive_writer' in str(info.value)

    def test_short_guard_allowed_for_an_exclusive_writer_without_warning(self):
        maintenance = self._maintenance()
        with pytest.raises(_GuardPassed):
            maintenance.remove_orphan_files(self._Table(), {'older_than': '5s', 'exclusive_writer': True})
        assert maintenance.warnings == []
        with pytest.raises(IcebergModuleError):
            maintenance.remove_orphan_files(self._Table(), {'older_than': '0s', 'exclusive_writer': True})


class _GuardPassed(Exception):
    """Raised by the fake table once the guard check let the removal go on."""
