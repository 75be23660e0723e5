"""benchmarks/engines.py's pure logic: summaries, Spark / PyIceberg ratios, the markdown table."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                'benchmarks'))

import engines  # noqa: E402


def test_summary_median_min_max():
    assert engines.summary([3.0, 1.0, 2.0004]) == dict(median_s=2.0, min_s=1.0, max_s=3.0, runs=[3.0, 1.0, 2.0])
    assert engines.summary([1.0, 4.0])['median_s'] == 2.5


def test_ratio_spark_over_pyiceberg():
    assert engines.ratio(6.0, 2.0) == 3.0
    assert engines.ratio(1.0, 3.0) == 0.33
    assert engines.ratio(1.0, 0) is None


def test_operation_rows_in_order_and_skip_missing():
    samples = {'spark': {'create': [2.0, 4.0], 'append': [10.0], 'scan': [1.0]},
               'pyiceberg': {'create': [1.0, 1.0], 'append': [5.0]}}
    rows = engines.operation_rows(samples)
    assert [r['operation'] for r in rows] == ['create', 'append']
    assert rows[0]['spark']['median_s'] == 3.0 and rows[0]['ratio_spark_over_pyiceberg'] == 3.0
    assert rows[1]['ratio_spark_over_pyiceberg'] == 2.0


def test_markdown_has_every_figure():
    results = dict(rows=1000, rounds=2, cpus=2, load_average_at_start=[0.5, 0.4, 0.3],
                   load_average_at_end=[1.5, 1.0, 0.5],
                   operations=engines.operation_rows({'spark': {'scan': [2.0, 4.0]}, 'pyiceberg': {'scan': [1.0, 1.0]}}),
                   compaction_files={'spark': dict(before=200, after=1), 'pyiceberg': dict(before=200, after=2)},
                   spark_session=dict(cold_start_s=12.5, first_statement_s=3.25, warm_statement_s=0.4))
    text = engines.markdown(results)
    assert '| scan | 3.000 (2.000-4.000) | 1.000 (1.000-1.000) | 3.00 |' in text
    assert '| spark | 200 | 1 |' in text and '| pyiceberg | 200 | 2 |' in text
    assert 'not available in PyIceberg 0.12' in text
    assert 'cold start (JVM + jars + session) 12.500 s' in text and 'warm second statement 0.400 s' in text
    assert 'at start [0.5, 0.4, 0.3], at end [1.5, 1.0, 0.5], on 2 CPUs (shared machine)' in text


@pytest.mark.parametrize('spark,py,expected', [(0.0, 1.0, '0.00'), (1.0, 0.0, '-')])
def test_markdown_ratio_edge_cases(spark, py, expected):
    results = dict(rows=1, rounds=1, operations=engines.operation_rows({'spark': {'create': [spark]},
                                                                        'pyiceberg': {'create': [py]}}))
    assert engines.markdown(results).splitlines()[2].endswith('| %s |' % expected)
