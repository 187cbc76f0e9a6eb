#!/usr/bin/env bash
# The example's load check: a steady, bounded stream of HTTPS requests through nginx on loopback
# during five events, each measured on its own:
#   1-2. rolling updates of the API's image tag, v1 → v2 → v1 (start-first);
#   3.   a rotation of the database password (the role the API does not use gets the new password
#        in PostgreSQL, then the API moves to that role and a new db_password secret version);
#   4.   a change of nginx's configuration (a new config object, nginx tasks replaced);
#   5.   the loss of a worker that runs an API task (its engine stopped, then started again).
# Prints requests, failures and p50/p99/max latency per event and for the whole run, and fails if
# any request failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
module="$(cd "$here/.." && pwd)" # examples/ecommerce, a Go module of its own
build_dir="${ECOMMERCE_BUILD_DIR:-/var/tmp/tfswarm-ecommerce}"
rate="${LOADCHECK_RATE:-40}"
stack=ecommerce
events="$build_dir/loadcheck.events"
: >"$events"

(cd "$module" && go build -o "$build_dir/loadcheck" ./local/loadcheck)
"$build_dir/loadcheck" -url "https://localhost:${HTTPS_PORT:-443}/products" -cacert "$build_dir/tls/cert.pem" \
	-rate "$rate" -duration 20m -max-requests 60000 -events "$events" >"$build_dir/loadcheck.out" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT
sleep 3

now() { date -u +%Y-%m-%dT%H:%M:%S.%NZ; }

# event NAME COMMAND...: runs COMMAND and records its span (and 3 s after it) as an event.
event() {
	local name=$1 start
	shift
	echo "loadcheck: $name"
	start="$(now)"
	"$@"
	sleep 3
	printf '%s\t%s\t%s\n' "$name" "$start" "$(now)" >>"$events"
}

# apply LOG ARGS...: terraform apply of the example, its output in the build directory. Every apply
# passes the role and secret version the API uses now (a later event must not move it back).
db_version=1
db_user=postgres
apply() {
	local log="$build_dir/loadcheck-apply-$1.log"
	shift
	"$here/tf.sh" apply -auto-approve -input=false -compact-warnings \
		-var "secret_versions={db_password=$db_version}" -var "db_user=$db_user" "$@" >"$log" 2>&1 ||
		{ tail -30 "$log" >&2; return 1; }
}

# rotate_db_password: PostgreSQL keeps one password per role, so the rotation alternates between
# two roles (variables.tf, db_user): the role the API does not use gets the new password in the
# database, then one apply moves the API (start-first) to that role and a new db_password secret
# version. The old tasks keep their role and password until they stop; the database is untouched.
rotate_db_password() {
	local node ctr new next
	next=shop_a
	[ "$db_user" = shop_a ] && next=shop_b
	node="$(docker service ps "${stack}_db" --filter desired-state=running --format '{{.Node}}' | head -1)"
	ctr="$(docker -H "$(node_host "$node")" ps -q --filter "label=com.docker.swarm.service.name=${stack}_db" | head -1)"
	new="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
	docker -H "$(node_host "$node")" exec -i "$ctr" sh -c \
		'exec /usr/lib/postgresql/*/bin/psql -h /tmp -U postgres -d postgres -v ON_ERROR_STOP=1 -q' >/dev/null <<SQL
DO \$\$ BEGIN
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = '$next') THEN ALTER ROLE $next LOGIN PASSWORD '$new';
	ELSE CREATE ROLE $next LOGIN PASSWORD '$new' IN ROLE postgres; END IF;
END \$\$;
SQL
	(umask 077 && printf '%s\n' "$new" >"$build_dir/db_password")
	db_version=$((db_version + 1))
	db_user=$next
	apply db-rotation
}

# node_host NODE: the Docker host of a test bed node, from the bed's node list.
node_host() {
	awk -v n="$1" '$1 == n || (n == h && $1 == "host") { print $4 }' h="$(hostname)" /run/tfswarm-testbed/nodes
}

# lose_worker: stops the engine of a worker that runs an API task (not the database's node,
# whose loss is an outage of the database), waits until the managers see it down and the API's
# tasks moved, then starts it again and waits until it is ready.
lose_worker() {
	local db_node worker pidfile i
	db_node="$(docker service ps "${stack}_db" --filter desired-state=running --format '{{.Node}}' | head -1)"
	worker="$(docker service ps "${stack}_api" --filter desired-state=running --format '{{.Node}}' |
		sort -u | while read -r n; do
			if [ "$n" != "$db_node" ] && [ "$(docker node inspect -f '{{.Spec.Role}}' "$n")" = worker ]; then echo "$n"; fi
		done | head -1)"
	[ -n "$worker" ] || { echo "loadcheck: no worker other than $db_node runs an API task" >&2; return 1; }
	pidfile="/run/tfswarm-testbed/$worker.pid"
	echo "loadcheck: stopping the engine of $worker"
	kill -TERM "$(cat "$pidfile")"
	for ((i = 0; i < 60; i++)); do
		[ "$(docker node inspect -f '{{.Status.State}}' "$worker")" = down ] && break
		sleep 1
	done
	sleep 15 # the API's tasks move to the other nodes
	echo "loadcheck: starting $worker again"
	bash "$repo/internal/testbed/testbed.sh" up >"$build_dir/loadcheck-testbed-up.log" 2>&1
	for ((i = 0; i < 120; i++)); do
		[ "$(docker node inspect -f '{{.Status.State}}' "$worker")" = ready ] && return 0
		sleep 1
	done
	echo "loadcheck: $worker is not ready again" >&2
	return 1
}

event "rolling update of the API to v2" apply v2 -var api_image_tag=v2
event "rolling update of the API to v1" apply v1 -var api_image_tag=v1
event "rotation of the database password" rotate_db_password
event "change of nginx's configuration" apply nginx -var domain=shop.localhost
event "loss of a worker running an API task" lose_worker

kill -INT "$pid"
trap - EXIT
rc=0
wait "$pid" || rc=$?
echo "loadcheck: figures at $rate requests/s:"
cat "$build_dir/loadcheck.out"
[ "$rc" = 0 ] || { echo "loadcheck: FAILED: requests were lost" >&2; exit 1; }
echo "loadcheck: no request lost"
