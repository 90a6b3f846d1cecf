#!/usr/bin/env bash
# Creates .venv with every pinned dependency and the project in editable mode. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
# uv ignores pip's configuration: hand it pip's local wheel folder, where one is configured, so
# torch==2.13.0 resolves to a local CPU build there; elsewhere PyPI's build (CUDA on Linux) is used.
export UV_FIND_LINKS="${UV_FIND_LINKS:-${PIP_FIND_LINKS:-$(.venv/bin/python -m pip config get global.find-links 2>/dev/null || true)}}"
# Run from the project folder so uv applies [tool.uv] override-dependencies from pyproject.toml.
.venv/bin/uv pip install --python .venv/bin/python --quiet -r requirements.lock -e '.[test]'
echo "environment ready: $(pwd)/.venv"
