#!/usr/bin/env bash
# Extract every user-facing string into locales/messages.pot and merge it into the kk, ru and en
# catalogs. Entries are sorted by message and carry no source locations, so that moving code
# does not rewrite the catalogs and two changes that add strings rarely touch the same lines.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F pyproject.toml -c TRANSLATORS: --no-wrap --no-location --sort-output \
    -o locales/messages.pot bot handlers
.venv/bin/pybabel update -i locales/messages.pot -d locales -D messages --no-wrap \
    --ignore-obsolete --no-fuzzy-matching --ignore-pot-creation-date
