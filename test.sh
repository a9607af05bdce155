#!/usr/bin/env bash
# Set everything up on a fresh machine, then run the whole test suite.
# On SQLite by default; set DATABASE_URL=postgresql://... to run it on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh --dev >&2
exec .venv/bin/python -m pytest "$@"
