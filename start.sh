#!/usr/bin/env bash
# Set everything up on a fresh machine, then start: the bot when BOT_TOKEN is configured
# (in the environment or in .env), otherwise the offline console demo.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh >&2
if [ -n "${BOT_TOKEN:-}" ] || grep -qsE '^\s*(export\s+)?BOT_TOKEN=\S' .env; then
    exec .venv/bin/oss-bot run
fi
echo "No BOT_TOKEN configured: starting the offline demo (see README: Going live)." >&2
exec .venv/bin/oss-bot demo
