# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The Spark session options (argument spec: plugins/module_utils/spark/options.py spark_argument_spec()), listed
    # after the iceberg and s3 fragments, whose catalog and S3 options the Spark layer reuses.
    DOCUMENTATION = r'''
options:
  spark_catalog_name:
    description:
      - Name of the Iceberg catalog inside Spark (C(spark.sql.catalog.<name>)); it is also Spark's default catalog,
        so C(lakehouse.sample_data) means namespace C(lakehouse), table C(sample_data) of this catalog (with
        O(catalog_type=hive) the default catalog is C(spark_catalog) instead, see the notes).
      - Do not name it like a namespace the SQL uses (C(lakehouse)), or Spark reads C(lakehouse.sample_data) as
        catalog C(lakehouse), table C(sample_data). V(spark_catalog) (Spark's session catalog) is refused.
      - Procedures are called as C(CALL <name>.system.rewrite_data_files(...)).
    type: str
    default: iceberg
  spark_master:
    description: Spark master; only local mode (V(local), V(local[N]), V(local[*])) is supported.
    type: str
    default: local[2]
  spark_driver_memory:
    description: Driver JVM heap (C(spark.driver.memory)).
    type: str
    default: 1g
  iceberg_version:
    description:
      - Version of C(org.apache.iceberg:iceberg-spark-runtime-3.5_2.12) and C(org.apache.iceberg:iceberg-aws-bundle)
        that Spark resolves from Maven Central (C(spark.jars.packages)).
    type: str
    default: 1.10.1
  spark_packages:
    description: More Maven coordinates (C(group:artifact:version)) for C(spark.jars.packages).
    type: list
    elements: str
    default: []
  spark_conf:
    description:
      - More Spark configuration entries, applied last (an escape hatch; values are not hidden from logs).
    type: dict
    default: {}
  spark_cache_dir:
    description:
      - Directory of the Ivy cache of the jars (C(ivy/), kept across runs), the Spark log files (C(logs/), the 20
        newest kept) and Spark's scratch space (C(work/)).
      - Falls back to E(LAKEHOUSE_SPARK_CACHE_DIR).
    type: path
    default: ~/.cache/dataplatform-lakehouse/spark
  java_home:
    description: Java 17 installation to run Spark with. Falls back to E(JAVA_HOME); else C(java) on PATH.
    type: path
requirements:
  - pyspark >= 3.5.9, < 3.6 (C(requirements-spark.txt)) and Java 17
  - Maven Central reachable the first time (the jars are then in the Ivy cache)
notes:
  - The catalog options are the ones of M(dataplatform.lakehouse.iceberg_table), mapped to Iceberg's Java catalog
    properties; the S3 options configure Iceberg's S3FileIO (C(s3.endpoint), C(s3.path-style-access),
    C(s3.access-key-id), C(s3.secret-access-key), C(client.region)); O(request_checksum_calculation) and
    O(response_checksum_validation) reach the JVM as E(AWS_REQUEST_CHECKSUM_CALCULATION) and
    E(AWS_RESPONSE_CHECKSUM_VALIDATION) (Ceph RGW 16 needs V(when_required)).
  - No C(X-Iceberg-Access-Delegation) header is sent unless O(catalog_properties) asks for one.
  - For O(catalog_type=sql) Spark uses Iceberg's JDBC catalog on the same PostgreSQL tables as PyIceberg's SQL
    catalog (PostgreSQL only, not SQLite).
  - For O(catalog_type=hive) (a Hive Metastore, O(catalog_uri) C(thrift://HOST:PORT)) Spark's session catalog
    C(spark_catalog) is Iceberg's C(SparkSessionCatalog) on the metastore (C(spark.sql.catalogImplementation=hive)) and
    Spark's default catalog, so C(lakehouse.sample_data) is database C(lakehouse) of the metastore; O(spark_catalog_name)
    is an Iceberg catalog on the same metastore (for C(CALL <name>.system...)). O(warehouse) (C(s3://BUCKET/PREFIX))
    is required, since databases are created under it through S3A; so the session also resolves
    C(org.apache.hadoop:hadoop-aws:3.3.4) and its C(com.amazonaws:aws-java-sdk-bundle:1.12.262) (274 MB, once).
'''
