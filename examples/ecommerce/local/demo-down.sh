#!/usr/bin/env bash
# make demo-down: destroys everything examples/ecommerce made on the local test bed (services,
# secrets, configs, networks, the database volume) and checks that nothing of the stack is left.
# The test bed and the images stay (`make testbed-down` removes the bed).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="${ECOMMERCE_BUILD_DIR:-/var/tmp/tfswarm-ecommerce}"
stack=ecommerce

# tf.sh keeps the state in its working directory (workdir/); older versions kept it in the build
# directory itself, and tf.sh moves it in.
if [ -s "$build_dir/workdir/terraform.tfstate" ] || [ -s "$build_dir/terraform.tfstate" ]; then
	"$here/tf.sh" destroy -auto-approve -input=false -compact-warnings
else
	echo "demo-down: no state in $build_dir: nothing to destroy"
fi

# Anything of the stack still there is an error (the stack label is on every object).
left=0
for kind in service secret config network; do
	names="$(docker "$kind" ls --filter "label=com.docker.stack.namespace=$stack" --format '{{.Name}}' 2>/dev/null || true)"
	if [ -n "$names" ]; then
		echo "demo-down: $kind left behind: $names" >&2
		left=1
	fi
done
[ "$left" = 0 ] || exit 1
echo "demo-down: no service, secret, config or network of the stack \"$stack\" is left"
