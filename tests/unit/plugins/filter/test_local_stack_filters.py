"""Units for the local_stack role's filters: Maven failure explanation and the status report."""
from ansible_collections.dataplatform.lakehouse.plugins.filter.maven_failure import maven_failure
from ansible_collections.dataplatform.lakehouse.plugins.filter.stack_report import stack_report

MISSING_PARENT = """
[WARNING] The POM for org.apache.polaris:polaris-relational-jdbc:jar:1.4.1 is missing, no dependency information available
[ERROR] Failed to execute goal on project lakehouse-polaris-server: Could not collect dependencies for project x
[ERROR] Failed to read artifact descriptor for org.apache.polaris:polaris-runtime-service:jar:1.4.1
[ERROR]   Caused by: The following artifacts could not be resolved: org.apache.polaris:polaris:pom:1.4.1 (absent): \
Could not find artifact org.apache.polaris:polaris:pom:1.4.1 in central (https://repo.maven.apache.org/maven2)
"""

TRANSFER = """[ERROR] Plugin io.quarkus.platform:quarkus-maven-plugin:3.32.3 or one of its dependencies could not be resolved:
[ERROR] Could not transfer artifact io.quarkus:quarkus-core:jar:3.32.3 from/to lakehouse-central \
(https://repo1.maven.org/maven2): Connection refused
"""


def test_missing_artifact_names_it_and_the_fix():
    message = maven_failure(MISSING_PARENT, 'https://repo1.maven.org/maven2')
    assert 'org.apache.polaris:polaris:pom:1.4.1 is not served there (HTTP 404)' in message
    assert 'local_stack_maven_repositories' in message
    assert 'local_stack_polaris_dependency_pins' in message
    assert 'local_stack_polaris_prebuilt_app_dir' in message
    assert '\n' not in message


def test_transfer_failure_says_check_reachability():
    message = maven_failure(TRANSFER, 'https://repo1.maven.org/maven2')
    assert message.startswith('Polaris build failed downloading from https://repo1.maven.org/maven2')
    assert 'Connection refused' in message
    assert 'reachable' in message


def test_old_java():
    assert 'JDK 21+' in maven_failure('java.lang.UnsupportedClassVersionError: foo has been compiled by a more recent')


def test_unknown_error_uses_first_error_line():
    message = maven_failure('[INFO] x\n[ERROR] Something odd happened\n[ERROR] more\n')
    assert 'Something odd happened' in message and 'build.log' in message


def test_empty_output():
    assert maven_failure('') == 'Polaris build failed: no output; see build.log in the build directory.'


def test_stack_report_lines():
    services = [
        {'name': 'postgresql', 'running': True, 'healthy': True, 'pid': 10, 'rss_mib': 28.5,
         'endpoint': 'postgresql://127.0.0.1:5544/polaris'},
        {'name': 'ceph', 'running': True, 'healthy': False, 'endpoint': 'http://127.0.0.1:7480',
         'daemons': {'mon': {'pid': 1, 'rss_mib': 30.0}, 'osd': {'pid': None}, 'rgw': {'pid': 3, 'rss_mib': 50.0}}},
        {'name': 'polaris', 'running': False, 'healthy': False, 'unavailable': 'cannot be built'},
        {'name': 'other', 'running': False, 'healthy': False, 'endpoint': 'x'},
    ]
    assert stack_report(services) == [
        'postgresql: healthy, postgresql://127.0.0.1:5544/polaris (pid 10 28.5 MiB)',
        'ceph: running but NOT healthy, http://127.0.0.1:7480 (mon pid 1 30.0 MiB, rgw pid 3 50.0 MiB)',
        'polaris: UNAVAILABLE: cannot be built',
        'other: stopped, x',
    ]
