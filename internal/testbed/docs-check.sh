#!/usr/bin/env bash
# Fails when `make generate` would change docs/ or the examples: docs are generated, never edited.
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory generate >/dev/null
if ! git diff --quiet -- docs examples || [ -n "$(git status --porcelain --untracked-files=all -- docs examples)" ]; then
  echo "docs-check: \`make generate\` changed these files; run it and commit the result:" >&2
  git status --porcelain --untracked-files=all -- docs examples >&2
  git diff --stat -- docs examples >&2
  exit 1
fi
echo "docs-check: docs/ and examples/ are up to date"
