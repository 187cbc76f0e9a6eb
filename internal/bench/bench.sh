#!/usr/bin/env bash
# Refresh benchmark (`make bench`; not part of `make test`).
#
# For each N in BENCH_SIZES (default "10 50 100") it applies N swarm_service resources (the test
# image, 1 replica, the default wait for convergence), times a refresh-only plan of them, and
# counts the Engine API calls that plan made through a counting proxy; then it does the same with
# N terraform_data resources, Terraform's own floor, and destroys everything. It prints a table.
#
# Needs: the local test bed up (`make testbed`), Terraform on PATH, Go.
# Environment: BENCH_SIZES, BENCH_UPSTREAM (the engine's socket, default /var/run/docker.sock),
# BENCH_PARALLELISM (terraform -parallelism, default 10), BENCH_KEEP=1 keeps the work directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SIZES="${BENCH_SIZES:-10 50 100}"
UPSTREAM="${BENCH_UPSTREAM:-/var/run/docker.sock}"
PARALLELISM="${BENCH_PARALLELISM:-10}"
WORK="$(mktemp -d -t tfswarm-bench.XXXXXX)"
PREFIX="tfacc-bench-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PROXY_PID=""

log() { printf '%s\n' "$*" >&2; }

cleanup() {
	local rc=$?
	# Whatever a failed run left behind: only this run's services, by their prefix.
	local left
	left="$(docker -H "unix://$UPSTREAM" service ls -q --filter "name=$PREFIX" 2>/dev/null || true)"
	if [[ -n "$left" ]]; then
		log "removing leftover services of $PREFIX"
		# shellcheck disable=SC2086
		docker -H "unix://$UPSTREAM" service rm $left >/dev/null 2>&1 || true
	fi
	if [[ -n "$PROXY_PID" ]]; then
		kill "$PROXY_PID" 2>/dev/null || true
		wait "$PROXY_PID" 2>/dev/null || true
	fi
	if [[ "${BENCH_KEEP:-}" == 1 ]]; then
		log "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

log "building the provider and the counting proxy"
mkdir -p "$WORK/bin"
(cd "$ROOT" && go build -o "$WORK/bin/terraform-provider-swarm" . && go build -o "$WORK/countproxy" ./internal/bench/countproxy)

cat >"$WORK/terraformrc" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/tfswarm/swarm" = "$WORK/bin"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="$WORK/terraformrc"
export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1

"$WORK/countproxy" -listen "$WORK/docker.sock" -control "$WORK/control.sock" -upstream "$UPSTREAM" 2>"$WORK/countproxy.log" &
PROXY_PID=$!
for _ in $(seq 1 50); do
	[[ -S "$WORK/control.sock" && -S "$WORK/docker.sock" ]] && break
	sleep 0.1
done

count_reset() { curl -fsS --unix-socket "$WORK/control.sock" -X POST http://proxy/reset >/dev/null; }
count_get() { curl -fsS --unix-socket "$WORK/control.sock" http://proxy/count; }

# The swarm_service configuration: N services of the test image, one replica each.
write_services() {
	local dir="$1"
	mkdir -p "$dir"
	cat >"$dir/main.tf" <<'EOF'
terraform {
  required_providers {
    swarm = {
      source = "tfswarm/swarm"
    }
  }
}

variable "host" {
  type = string
}

variable "n" {
  type = number
}

variable "prefix" {
  type = string
}

provider "swarm" {
  host = var.host
}

resource "swarm_service" "bench" {
  count = var.n
  name  = "${var.prefix}-${count.index}"

  mode {
    replicated {
      replicas = 1
    }
  }

  task_template {
    container_spec {
      image = "tfswarm/testapp:v1"
    }
  }

  endpoint_spec {
    mode = "dnsrr"
  }
}
EOF
}

# The floor: N terraform_data resources.
write_data() {
	local dir="$1"
	mkdir -p "$dir"
	cat >"$dir/main.tf" <<'EOF'
variable "n" {
  type = number
}

resource "terraform_data" "bench" {
  count = var.n
  input = "item-${count.index}"
}
EOF
}

# tf runs terraform in a directory, its output into terraform.log there; any failure ends the run.
tf() {
	local dir="$1" rc=0
	shift
	echo "+ terraform $*" >>"$dir/terraform.log"
	terraform -chdir="$dir" "$@" -no-color -input=false -parallelism="$PARALLELISM" >>"$dir/terraform.log" 2>&1 || rc=$?
	if [[ $rc -ne 0 ]]; then
		log "terraform $* exited with $rc in $dir:"
		tail -60 "$dir/terraform.log" >&2
		exit 1
	fi
}

declare -a ROWS=()
BREAKDOWN=""
for n in $SIZES; do
	sdir="$WORK/services-$n"
	write_services "$sdir"
	vars=(-var "host=unix://$WORK/docker.sock" -var "n=$n" -var "prefix=$PREFIX-$n")

	log "N=$n: applying $n swarm_service resources"
	t1=$(now)
	tf "$sdir" apply -auto-approve "${vars[@]}"
	t2=$(now)
	apply_s=$(elapsed "$t1" "$t2")

	log "N=$n: refresh-only plan of $n swarm_service resources"
	count_reset
	t1=$(now)
	# Not -detailed-exitcode: Terraform 1.11 exits 2 from this refresh-only plan although it finds
	# no drift and shows "No changes" (the normal plan exits 0); the text is checked instead.
	tf "$sdir" plan -refresh-only "${vars[@]}"
	if ! tail -8 "$sdir/terraform.log" | grep -q "No changes"; then
		log "the refresh-only plan right after apply is not empty:"
		tail -60 "$sdir/terraform.log" >&2
		exit 1
	fi
	t2=$(now)
	refresh_s=$(elapsed "$t1" "$t2")
	counts="$(count_get)"
	total=$(printf '%s' "$counts" | sed -E 's/.*"total":([0-9]+).*/\1/')
	per=$(awk -v t="$total" -v n="$n" 'BEGIN { printf "%.2f", t / n }')
	# GET /services/{id} is the Read itself; the rest is the provider's Configure (ping, version).
	reads=$(printf '%s' "$counts" | grep -oE '"GET /services/\{id\}":[0-9]+' | sed -E 's/.*://' || echo 0)
	BREAKDOWN="$counts"

	log "N=$n: destroying"
	t1=$(now)
	tf "$sdir" destroy -auto-approve "${vars[@]}"
	t2=$(now)
	destroy_s=$(elapsed "$t1" "$t2")

	ddir="$WORK/data-$n"
	write_data "$ddir"
	log "N=$n: terraform_data floor"
	t1=$(now)
	tf "$ddir" apply -auto-approve -var "n=$n"
	t2=$(now)
	dapply_s=$(elapsed "$t1" "$t2")
	t1=$(now)
	tf "$ddir" plan -refresh-only -var "n=$n"
	t2=$(now)
	drefresh_s=$(elapsed "$t1" "$t2")
	tf "$ddir" destroy -auto-approve -var "n=$n"

	ROWS+=("$(printf '%5s | %13s | %17s | %11s | %13s | %16s | %11s | %20s' \
		"$n" "$apply_s" "$refresh_s" "$total" "$per" "${reads:-0}" "$destroy_s" "$dapply_s / $drefresh_s")")
done

echo
echo "swarm_service refresh benchmark (parallelism $PARALLELISM; Engine calls counted by a proxy during the refresh-only plan only)"
printf '%5s | %13s | %17s | %11s | %13s | %16s | %11s | %20s\n' \
	"N" "apply (s)" "refresh plan (s)" "API calls" "calls/service" "service reads" "destroy (s)" "terraform_data (s)"
printf '%5s | %13s | %17s | %11s | %13s | %16s | %11s | %20s\n' \
	"" "" "" "(refresh)" "" "(GET service)" "" "apply / refresh"
for r in "${ROWS[@]}"; do
	echo "$r"
done
echo
echo "Engine calls of the last refresh-only plan, by method and path: $BREAKDOWN"
