"""The `kind` Molecule scenario cannot run here (no container engine): its configuration is validated instead."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "molecule" / "kind"
# The fields kind's v1alpha4 Cluster accepts at the levels used here (sigs.k8s.io/kind pkg/apis/config/v1alpha4).
CLUSTER_FIELDS = {"kind", "apiVersion", "name", "nodes", "networking", "featureGates", "runtimeConfig",
                  "kubeadmConfigPatches", "kubeadmConfigPatchesJSON6902", "containerdConfigPatches",
                  "containerdConfigPatchesJSON6902"}
NETWORKING_FIELDS = {"ipFamily", "apiServerAddress", "apiServerPort", "podSubnet", "serviceSubnet",
                     "disableDefaultCNI", "kubeProxyMode", "dnsSearch"}
NODE_FIELDS = {"role", "image", "labels", "extraMounts", "extraPortMappings", "kubeadmConfigPatches",
               "kubeadmConfigPatchesJSON6902"}


def load(path):
    return yaml.safe_load(path.read_text())


def test_kind_config_is_a_valid_v1alpha4_cluster_on_loopback_with_our_kubernetes_version():
    config = load(SCENARIO / "kind-config.yaml")
    defaults = load(ROOT / "roles" / "local_stack" / "defaults" / "main.yml")
    assert config["kind"] == "Cluster" and config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    assert set(config) <= CLUSTER_FIELDS
    assert set(config["networking"]) <= NETWORKING_FIELDS
    assert config["networking"]["apiServerAddress"] == "127.0.0.1"
    assert [n["role"] for n in config["nodes"]] == ["control-plane"]
    for node in config["nodes"]:
        assert set(node) <= NODE_FIELDS
        assert node["image"] == "kindest/node:v%s" % defaults["local_stack_kubernetes_version"]


def test_scenario_runs_the_gitops_playbook_with_idempotence_and_verify_and_deletes_its_cluster():
    molecule = load(SCENARIO / "molecule.yml")
    name = load(SCENARIO / "kind-config.yaml")["name"]
    sequence = molecule["scenario"]["test_sequence"]
    assert sequence.index("create") < sequence.index("converge") < sequence.index("idempotence") \
        < sequence.index("verify") < sequence.index("destroy")
    for playbook in molecule["ansible"]["playbooks"].values():
        assert (SCENARIO / playbook).is_file(), playbook
    converge = load(SCENARIO / "converge.yml")
    assert [p["ansible.builtin.import_playbook"] for p in converge] == ["target.yml", "../../playbooks/gitops.yml"]
    verify = load(SCENARIO / "verify.yml")
    assert (SCENARIO / verify[1]["ansible.builtin.import_playbook"]).resolve() == \
        ROOT / "molecule" / "kubernetes" / "verify_release.yml"
    create_argv = [t["ansible.builtin.command"]["argv"] for t in load(SCENARIO / "create.yml")[0]["tasks"]
                   if isinstance(t.get("ansible.builtin.command"), dict)]
    assert ["kind", "create", "cluster", "--config", "{{ playbook_dir }}/kind-config.yaml"] == create_argv[0][:5]
    destroy = load(SCENARIO / "destroy.yml")[0]["tasks"][0]["ansible.builtin.command"]["argv"]
    assert destroy == ["kind", "delete", "cluster", "--name", name]
