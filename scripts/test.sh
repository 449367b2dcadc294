#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run it.
#   bash scripts/test.sh [pytest args...]
# - a virtualenv in .venv with rlscale and its lab, test, bench, trl, tensorboard and ray extras
#   (torch 2.13.0 CPU build; transformers for the Hugging Face weight-mapping test; TRL and
#   tensorboard for the importer tests' GRPO run and event files; ray for `lab sweep`)
# - Debian's chromium for the browser tests of the HTML report (skipped with a reason if it
#   cannot be installed, e.g. without root)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
log=$(mktemp)
if ! .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[lab,test,bench,trl,tensorboard,ray]' >"$log" 2>&1; then
  grep -v -E "^WARNING: Location .* is ignored" "$log" >&2
  echo "scripts/test.sh: installing rlscale's test dependencies failed (see above)" >&2
  exit 1
fi
rm -f "$log"
.venv/bin/python -c "import rlscale, torch, transformers, trl, tensorboard, ray.tune" >/dev/null

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "could not install chromium: browser tests will be skipped"
  else
    echo "chromium is not installed and cannot be installed here: browser tests will be skipped"
  fi
fi

exec .venv/bin/python -m pytest "$@"
