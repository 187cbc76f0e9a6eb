#!/usr/bin/env bash
# The example's load check: a steady, bounded stream of HTTPS requests through nginx on loopback
# while the API's image tag rolls from v1 to v2 and back (two rolling updates, start-first);
# prints requests, failures and p50/p99 latency, and fails if any request failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module="$(cd "$here/.." && pwd)" # examples/ecommerce, a Go module of its own
build_dir="${ECOMMERCE_BUILD_DIR:-/var/tmp/tfswarm-ecommerce}"
rate="${LOADCHECK_RATE:-40}"

(cd "$module" && go build -o "$build_dir/loadcheck" ./local/loadcheck)
"$build_dir/loadcheck" -url "https://localhost:${HTTPS_PORT:-443}/products" -cacert "$build_dir/tls/cert.pem" \
	-rate "$rate" -duration 8m -max-requests 25000 >"$build_dir/loadcheck.out" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT
sleep 3

for tag in v2 v1; do
	echo "loadcheck: rolling update of the API to $tag"
	"$here/tf.sh" apply -auto-approve -input=false -compact-warnings -var "api_image_tag=$tag" >"$build_dir/loadcheck-apply-$tag.log" 2>&1 ||
		{ tail -30 "$build_dir/loadcheck-apply-$tag.log" >&2; exit 1; }
	sleep 3
done

kill -INT "$pid"
trap - EXIT
rc=0
wait "$pid" || rc=$?
echo "loadcheck: figures (two rolling updates, v1 → v2 → v1, at $rate requests/s):"
cat "$build_dir/loadcheck.out"
[ "$rc" = 0 ] || { echo "loadcheck: FAILED: requests were lost" >&2; exit 1; }
echo "loadcheck: no request lost"
