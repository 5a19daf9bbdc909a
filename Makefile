# Developer entry points. Everything runs through hack/run.sh, which creates its
# venvs under $(HUBSPOT_MARKETING_CACHE) (default ~/.cache/hubspot-marketing) and
# tests a copy of the git-visible tree staged at .../ansible_collections/hubspot/marketing.
#
#   make test                 everything (what CI runs)
#   make setup                create/update the venvs only
#   make sanity|units|integration [CORE=2.19] [TARGETS="name ..."] (integration targets)
#                             integration: every target on the newest core (two lanes), the `all_cores` ones on the others
#   make emulator-tests       the emulator's contract tests and tests/functional (emulator processes)
#   make complexity           flake8's C90 gate (max-complexity in .flake8)
#   make lint                 build/install, ansible-lint, antsibull-docs, changelog, galaxy-importer, ansible-builder
#   make docs                 build the HTML docs site offline into build/docs (fails on broken references)
#   make awx-test             run the demo through ansible-runner (AWX's engine) from the built tarball
#   make demo                 start the HubSpot emulator and run playbooks/demo.yml against it
#   make sandbox[-stop]       leave a seeded emulator running, the collection installed, print the exports
#   make bench [PROFILE=fast] benchmark against the alternatives (not a test); PROFILE realistic|starter|fast
#   make mutation [FILES=...]  mutation testing of plugins/module_utils (not part of make test)
#   make clean                remove build and test leftovers from the work tree
#   make distclean            also remove the cached venvs
#
# CORE restricts the ansible-core versions under test (2.16, 2.19, 2.21; default all).
# With CI=true a supported core that cannot be set up (no suitable Python) fails the run.

SHELL := /bin/bash
RUN := bash hack/run.sh
CACHE := $(or $(HUBSPOT_MARKETING_CACHE),$(HOME)/.cache/hubspot-marketing)

export CORE TARGETS BENCH_ARGS PROFILE FILES

.PHONY: help test setup complexity sanity units integration emulator-tests lint docs awx-test demo sandbox sandbox-stop bench mutation clean distclean

help:
	@sed -n '2,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

test:
	@$(RUN) test

setup:
	@$(RUN) setup

sanity:
	@$(RUN) sanity

units:
	@$(RUN) units

integration:
	@$(RUN) integration

emulator-tests:
	@$(RUN) emulator

complexity:
	@$(RUN) complexity

lint:
	@$(RUN) lint

docs:
	@$(RUN) docs

awx-test:
	@$(RUN) awx

demo:
	@bash hack/demo.sh

sandbox:
	@bash hack/sandbox.sh start

sandbox-stop:
	@bash hack/sandbox.sh stop

bench:
	@bash hack/bench.sh

mutation:
	@bash hack/mutation.sh

clean:
	rm -rf build tests/output tests/integration/inventory tests/integration/integration_config.yml .ansible .pytest_cache
	rm -f hubspot-marketing-*.tar.gz
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +

distclean: clean
	rm -rf "$(CACHE)/venvs"
