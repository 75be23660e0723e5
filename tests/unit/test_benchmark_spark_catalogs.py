"""benchmarks/spark_catalogs.py's pure logic: the checkpoint statements of a session and their samples."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                'benchmarks'))

import spark_catalogs  # noqa: E402


def test_checkpoint_sql_is_the_seeds_per_round():
    sql = spark_catalogs.checkpoint_sql(2)
    assert sql[0] == 'CREATE DATABASE IF NOT EXISTS bench_checkpoint'
    assert sql[1:4] == ['CREATE TABLE bench_checkpoint.checkpoint_0 (id BIGINT, data STRING) USING ICEBERG',
                        "INSERT INTO bench_checkpoint.checkpoint_0 VALUES (1, 'test data')",
                        'SELECT * FROM bench_checkpoint.checkpoint_0']
    assert len(sql) == 7 and sql[4].startswith('CREATE TABLE bench_checkpoint.checkpoint_1 ')


def test_samples_by_statement_kind():
    statements = [{'seconds': s} for s in (3.0, 1.0, 2.0, 0.5, 1.1, 2.1, 0.6)]
    assert spark_catalogs.samples_of(statements) == {
        'create database': [3.0], 'create table': [1.0, 1.1], 'insert': [2.0, 2.1], 'select': [0.5, 0.6]}
