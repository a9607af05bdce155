#!/usr/bin/env bash
# Pin every dependency with its hashes, for deployment: requirements.lock (the bot) and
# requirements-dev.lock (the bot, its tests and tools), resolved from the ranges in
# pyproject.toml plus its [build-system] requirements (the editable install is built without
# downloading anything unhashed). Run it after changing dependencies; commit both files.
# Extra arguments go to `uv pip compile`: `scripts/lock.sh --upgrade` moves every pin to the
# newest release the ranges allow.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
uv=${UV:-$(command -v uv || true)}
if [ -z "$uv" ]; then
    tool=$(mktemp -d)
    trap 'rm -rf "$tool"' EXIT
    echo "Installing uv into a throwaway environment ..." >&2
    "$python" -m venv "$tool"
    "$tool/bin/python" -m pip install --quiet uv
    uv="$tool/bin/uv"
fi
build_requires() {
    "$python" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))'
}
for lock in requirements.lock requirements-dev.lock; do
    extra=()
    [ "$lock" = requirements-dev.lock ] && extra=(--extra dev)
    build_requires | "$uv" pip compile --quiet pyproject.toml - "${extra[@]}" \
        --generate-hashes --universal --python-version 3.11 \
        --custom-compile-command "scripts/lock.sh" --output-file "$lock" "$@"
    echo "wrote $lock" >&2
done
