#!/usr/bin/env bash
# make demo: the seed's e-commerce platform on this machine, for real.
#   1. the test bed: the host engine and two more managers, workers w1 (db=true) and w2;
#   2. the images (build-images.sh; a second run reuses them);
#   3. the provider, built from this repository and used through dev_overrides;
#   4. terraform apply of examples/ecommerce with terraform.tfvars (tf.sh);
#   5. check.sh: HTTPS → nginx → API → PostgreSQL through Redis; Prometheus targets up.
# Set ECOMMERCE_LOADCHECK=1 to also run loadcheck.sh (a rolling update of the API under load).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
start=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$*" "$(($(date +%s) - start))"; }

# The default `make test` bed (3 managers, 1 worker, 3 free engines) plus a second worker: every
# placement of the seed is then real (cache on two workers, the database on w1).
export TESTBED_NODES="${TESTBED_NODES:-3}" TESTBED_WORKERS="${TESTBED_WORKERS:-2}" TESTBED_FREE="${TESTBED_FREE:-3}"
step "test bed: $TESTBED_NODES managers, $TESTBED_WORKERS workers"
bash "$repo/internal/testbed/testbed.sh" up

step "images"
bash "$here/build-images.sh"

step "provider"
"$here/tf.sh" build

step "terraform apply"
"$here/tf.sh" apply -auto-approve -input=false -compact-warnings

step "end-to-end check"
bash "$here/check.sh"

if [ "${ECOMMERCE_LOADCHECK:-0}" = 1 ]; then
	step "load check: rolling update of the API under load"
	bash "$here/loadcheck.sh"
fi

step "done"
