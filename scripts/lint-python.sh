#!/usr/bin/env bash
# Python lint, run by `npm test`: black (check mode) and flake8 over the shim, its tests and the
# Python scripts, with Debian's packages (installed offline like the interop libraries), configured
# by pyproject.toml [tool.black] and .flake8. To fix formatting: black python test/python scripts
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-debian-packages.sh black flake8
targets=(python test/python scripts/*.py)
black --config pyproject.toml --check --quiet "${targets[@]}" || {
  echo "black: the files above are not formatted; run: black --config pyproject.toml ${targets[*]}" >&2
  exit 1
}
flake8 "${targets[@]}"
echo "python lint: black and flake8 clean"
