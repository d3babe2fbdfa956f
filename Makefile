# business-accounts: every task a developer or CI runs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# A Python 3.13 found on its own: PATH first, then pyenv's and the usual install places.
PYTHON313 ?= $(shell for p in python3.13 $$HOME/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do \
	if "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1; then command -v "$$p"; break; fi; done)

VENV := .venv
RUN_VENV := .venv-run
TOOLS_VENV := .venv-sam
PY := $(VENV)/bin/python
RUN_PY := $(RUN_VENV)/bin/python
SAM := $(TOOLS_VENV)/bin/sam
# The PATH make was started with: `make build` runs sam build on it, as CI would (docs/deploy.md, step 6).
STARTING_PATH := $(PATH)
# Every other task runs the project venv's tools first.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help setup run invoke browser screenshots test lint typecheck cfn-lint validate build openapi catalogs bench fuzz smoke clean

help: ## List the tasks
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

PYTHON_NEEDED := Python 3.13 is needed: install it (pyenv install 3.13) or set PYTHON313=/path/to/python3.13

# What running the stack needs and nothing else (requirements-run.txt): make run and make invoke.
$(RUN_VENV)/.installed: requirements-run.txt layers/shared/requirements.txt
	@test -n "$(PYTHON313)" || { echo "$(PYTHON_NEEDED)" >&2; exit 1; }
	$(PYTHON313) -m venv $(RUN_VENV)
	@# Python's own pip installs these wheels (upgrading it first costs seconds), and compileall compiles them on
	@# every core instead of pip's one.
	$(RUN_PY) -m pip install --quiet --no-compile -r requirements-run.txt
	$(RUN_PY) -m compileall -q -j 0 $(RUN_VENV)/lib >/dev/null
	touch $@

# Everything the checks, tests and benchmarks use (requirements-dev.txt, which includes requirements-run.txt).
$(VENV)/.installed: requirements-dev.txt requirements-run.txt layers/shared/requirements.txt
	@test -n "$(PYTHON313)" || { echo "$(PYTHON_NEEDED)" >&2; exit 1; }
	$(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(TOOLS_VENV)/.installed: requirements-sam.txt
	@test -n "$(PYTHON313)" || { echo "Python 3.13 is needed" >&2; exit 1; }
	$(PYTHON313) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet --upgrade pip
	$(TOOLS_VENV)/bin/pip install --quiet -r requirements-sam.txt
	touch $@

setup: $(RUN_VENV)/.installed $(VENV)/.installed $(TOOLS_VENV)/.installed ## Create the virtual environments with pinned versions

run: $(RUN_VENV)/.installed ## The whole application on this machine: API :3000, Lambda :3001, AWS (moto) :5000
	$(RUN_PY) -m local $(if $(ENV_VARS),--env-vars $(ENV_VARS)) $(if $(API_PORT),--api-port $(API_PORT)) \
		$(if $(LAMBDA_PORT),--lambda-port $(LAMBDA_PORT)) $(if $(AWS_PORT),--aws-port $(AWS_PORT))

# Silent recipe: stdout carries the function's answer alone, for jq or a file.
invoke: $(RUN_VENV)/.installed ## One function, one event, no Docker: make invoke FUNCTION=JoinFunction EVENT=events/join.json
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || \
		{ echo "usage: make invoke FUNCTION=LogicalId EVENT=events/file.json [ENV_VARS=env.json]" >&2; exit 2; }
	@$(RUN_PY) -m local.invoke $(FUNCTION) --event $(EVENT) $(if $(ENV_VARS),--env-vars $(ENV_VARS)) \
		$(if $(API_PORT),--api-port $(API_PORT)) $(if $(AWS_PORT),--aws-port $(AWS_PORT))

browser: ## Debian's Chromium for the browser test (installs it when root and missing)
	@if ! command -v chromium >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		log=$$(mktemp); \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
			>"$$log" 2>&1 || { cat "$$log" >&2; echo "apt-get could not install chromium (its output is above)" >&2; exit 1; }; \
		rm -f "$$log"; \
	fi; \
	if command -v chromium >/dev/null 2>&1; then echo "chromium is ready: $$(command -v chromium); the browser test runs"; \
	else echo "chromium is missing: install Debian's chromium package, or the browser test is skipped"; fi

screenshots: $(VENV)/.installed ## Refresh docs/pages/*.png from the browser tests (pngquant, when installed, shrinks them)
	mkdir -p docs/pages
	PAGES_SCREENSHOTS=docs/pages $(VENV)/bin/pytest -q -n 0 tests/e2e/test_browser.py tests/e2e/test_register_browser.py
	if command -v pngquant >/dev/null 2>&1; then pngquant --force --ext .png --quality 60-90 --strip docs/pages/*.png; fi

lint: $(VENV)/.installed ## ruff on everything
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed ## mypy on the shared package
	$(VENV)/bin/mypy

cfn-lint: $(VENV)/.installed ## cfn-lint (with the serverless rules) on template.yaml
	$(VENV)/bin/cfn-lint template.yaml -a cfn_lint_serverless.rules

validate: $(TOOLS_VENV)/.installed ## sam validate --lint
	$(SAM) validate --lint --template template.yaml --region eu-west-1 --language-extensions

# Only the SAM CLI and a bare Python 3.13 (the one found above, first on PATH, as the build's python3.13): no .venv.
build: $(TOOLS_VENV)/.installed ## sam build (no Docker) into .aws-sam/, with the SAM CLI and Python 3.13 only
	PATH="$(dir $(PYTHON313)):$(CURDIR)/$(TOOLS_VENV)/bin:$(STARTING_PATH)" $(SAM) build --template template.yaml \
		--language-extensions

openapi: $(VENV)/.installed ## Regenerate functions/openapi/openapi.json from the routes, docs/events/ from the events
	PYTHONPATH=layers/shared $(PY) -m tools.openapi > functions/openapi/openapi.json
	PYTHONPATH=layers/shared $(PY) -m tools.event_schemas

# The files whose texts are marked with N_() for the catalogs (layers/shared/business_accounts/locales/).
TRANSLATED := logic/invitation_email.py models/wording.py web/page_texts.py
LOCALES := layers/shared/business_accounts/locales

catalogs: $(VENV)/.installed ## Extract the texts into locales/messages.pot and merge them into every catalog (then translate)
	cd $(LOCALES)/.. && $(CURDIR)/$(VENV)/bin/pybabel -q extract --no-location --omit-header -k N_ \
		-c Translators: -o locales/messages.pot $(TRANSLATED)
	for catalog in $(wildcard $(LOCALES)/*.po); do \
		tag=$$(basename $$catalog .po); \
		$(VENV)/bin/pybabel -q update --ignore-pot-creation-date -i $(LOCALES)/messages.pot -o $$catalog -l $${tag/-/_}; \
	done

# The run environment too: the tests call make run and make invoke, which must not build it in parallel.
test: lint typecheck cfn-lint validate build $(RUN_VENV)/.installed ## Every check: ruff, mypy, cfn-lint, sam validate, sam build, the test suite
	$(VENV)/bin/pytest -n 2

fuzz: $(VENV)/.installed ## Schemathesis against the local stack's OpenAPI document, long: FUZZ_EXAMPLES=300 [FUZZ_SEED=n]
	FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),300) $(VENV)/bin/pytest -q -s -n 0 tests/e2e/test_openapi_fuzz.py

# The README's story against a stack, checked and cleaned up (tests/smoke/story.py); it needs AWS credentials that may
# describe the stack and call its internal routes (execute-api:Invoke), and REGION unless the shell has a default one.
smoke: $(VENV)/.installed ## The story against a deployed stack: make smoke STACK=name [REGION=eu-west-1], or API=http://127.0.0.1:3000
	@test -n "$(STACK)$(API)" || { echo "usage: make smoke STACK=stack-name [REGION=region] | make smoke API=http://127.0.0.1:3000" >&2; exit 2; }
	SMOKE_STACK="$(STACK)" SMOKE_REGION="$(REGION)" SMOKE_API="$(API)" $(VENV)/bin/pytest -q -n 0 -rA tests/smoke

bench: $(VENV)/.installed build ## Every figure side by side (cold starts, calls, cleanup and its drain, sizes, memory, local API) -> docs/performance.md
	PYTHONPATH=layers/shared $(PY) -m benchmarks

clean: ## Remove the environments and build output
	rm -rf $(VENV) $(RUN_VENV) $(TOOLS_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
