"""Units for the duration_seconds filter (the iceberg_tables role's Spark maintenance cut-offs)."""
import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.dataplatform.lakehouse.plugins.filter.duration_seconds import duration_seconds


@pytest.mark.parametrize('value, seconds', [('7d', 604800.0), ('36h', 129600.0), ('90m', 5400.0), ('1s', 1.0),
                                            ('250ms', 0.25), ('0s', 0.0), (30, 30.0), ('2w', 1209600.0)])
def test_durations(value, seconds):
    assert duration_seconds(value) == seconds


def test_bad_duration_names_the_variable():
    with pytest.raises(AnsibleFilterError, match="iceberg_tables_expire_older_than: 'soon' is not a duration"):
        duration_seconds('soon', 'iceberg_tables_expire_older_than')
