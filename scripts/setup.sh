#!/usr/bin/env bash
# Create .venv and install the project into it, once per change of pyproject.toml or the lock:
# every dependency at the version pinned in requirements.lock (requirements-dev.lock with
# --dev), checked against its hashes, then the project itself (editable, nothing else fetched).
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
lock=requirements.lock
if [ "${1:-}" = "--dev" ]; then
    extras="[dev]"
    lock=requirements-dev.lock
fi
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Python 3.11 or newer is needed (found: $("$python" --version 2>&1))." >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    echo "Creating the virtual environment in .venv ..."
    "$python" -m venv .venv
fi
stamp=".venv/.installed${extras}"
want="$(cat pyproject.toml "$lock" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing oss-bot${extras} and its dependencies (pinned in $lock) ..."
    .venv/bin/python -m pip install --quiet --require-hashes -r "$lock"
    .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
    echo "$want" > "$stamp"
fi
