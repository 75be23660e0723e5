# The two commands of the README:
#   make phase1   set up .venv and run `ansible-playbook phase1.yml` on the embedded local stack
#   make test     set up everything and run the whole test suite (what CI runs)
SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
# The complete Polaris release on machines whose Maven Central mirror is partial (see scripts/maven-repositories).
LAKEHOUSE_MAVEN_REPOSITORIES ?= $(shell scripts/maven-repositories)
export LAKEHOUSE_MAVEN_REPOSITORIES

.PHONY: phase1 test venv venv-test stack-stop stack-absent lint sanity units integration molecule benchmarks

venv:
	@scripts/bootstrap.sh

venv-test:
	@scripts/bootstrap.sh --test

phase1: venv
	ansible-playbook phase1.yml

test: venv-test
	scripts/test.sh

lint: venv-test
	scripts/test.sh lint

sanity: venv-test
	scripts/test.sh sanity

units: venv-test
	scripts/test.sh units

integration: venv-test
	scripts/test.sh integration

molecule: venv-test
	scripts/test.sh molecule

stack-stop: venv
	ansible-playbook playbooks/local_stack.yml -e local_stack_state=stopped

stack-absent: venv
	ansible-playbook playbooks/local_stack.yml -e local_stack_state=absent
