#!/usr/bin/env bash
# The whole test suite — what the README's test command runs and .ci/run calls.
# Installs what the tests need when it is missing (Debian's python3 client libraries,
# PostgreSQL for the fleet store's tests, chromium, the Python linters),
# builds, then runs the TypeScript suite and the Python suite on every interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-debian-packages.sh python3-httpx python3-requests python3-aiohttp python3-zmq python3-msgpack python3-mypy python3-botocore chromium black flake8 prometheus postgresql

echo "== Python lint (black --check, flake8)"
bash scripts/lint-python.sh


echo "== Format and lint (biome, biome.jsonc)"
npx biome format src test bench scripts dashboard
npx biome lint --error-on-warnings src test bench scripts dashboard

echo "== Import rules (dependency-cruiser, .dependency-cruiser.cjs)"
npm run --silent check:deps

echo "== TypeScript tests (vitest)"
npx vitest run

echo "== Python shim tests (every interpreter)"
bash scripts/test-python.sh
