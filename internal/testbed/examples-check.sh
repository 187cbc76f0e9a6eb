#!/usr/bin/env bash
# Checks every example as Terraform sees it: `terraform fmt -check` over examples/, and
# `terraform validate` of each example directory against the provider built from this tree
# (through dev_overrides, so no registry is needed). The per-type snippets under
# examples/{resources,data-sources,ephemeral-resources}/ and examples/provider carry no
# required_providers block (the docs show them as they are), so each is validated in a scratch
# copy with one added.
set -euo pipefail
cd "$(dirname "$0")/../.."

terraform fmt -check -recursive -diff examples

work="$(mktemp -d -t tfswarm-examples.XXXXXX)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/bin/terraform-provider-swarm" .
cat >"$work/dev.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "registry.terraform.io/tfswarm/swarm" = "$work/bin"
  }
  direct {}
}
TFRC
export TF_CLI_CONFIG_FILE="$work/dev.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

failed=0
validate() { # name dir [terraform [flag]]
	local out
	if out="$(cd "$2" && "${3:-terraform}" validate -no-color ${4:-} 2>&1)"; then
		echo "examples-check: $1 valid"
	else
		echo "examples-check: $1 is not valid:" >&2
		echo "$out" >&2
		failed=1
	fi
}

for dir in examples/provider examples/resources/* examples/data-sources/* examples/ephemeral-resources/*; do
	[ -d "$dir" ] || continue
	scratch="$work/$(echo "$dir" | tr / _)"
	mkdir -p "$scratch"
	cp "$dir"/*.tf "$scratch"/
	if ! grep -q required_providers "$scratch"/*.tf; then
		printf 'terraform {\n  required_providers {\n    swarm = { source = "tfswarm/swarm" }\n  }\n}\n' >"$scratch/zz_versions.tf"
	fi
	# Import blocks with `identity` need Terraform 1.12 or newer: with TFSWARM_TERRAFORM_NEW (which
	# the test command builds) the import examples are validated with it, as well.
	# A resource takes one import block: the identity example is validated without the ID one.
	if [ -n "${TFSWARM_TERRAFORM_NEW:-}" ] && [ -f "$scratch/import-by-identity.tf" ]; then
		mkdir -p "$scratch-identity"
		cp "$scratch"/*.tf "$scratch-identity"/
		rm -f "$scratch-identity/import-by-string-id.tf"
		validate "$dir (import by identity, $("$TFSWARM_TERRAFORM_NEW" version | head -1))" "$scratch-identity" "$TFSWARM_TERRAFORM_NEW"
	fi
	rm -f "$scratch"/import-by-identity.tf
	validate "$dir" "$scratch"
done

# List resources (`terraform query`) need Terraform 1.14 or newer: with TFSWARM_TERRAFORM_NEW their
# .tfquery.hcl examples are validated with it (`validate -query`).
if [ -n "${TFSWARM_TERRAFORM_NEW:-}" ]; then
	for dir in examples/list-resources/*; do
		[ -d "$dir" ] || continue
		scratch="$work/$(echo "$dir" | tr / _)"
		mkdir -p "$scratch"
		cp "$dir"/*.tfquery.hcl "$scratch"/
		printf 'terraform {\n  required_providers {\n    swarm = { source = "tfswarm/swarm" }\n  }\n}\n' >"$scratch/zz_versions.tf"
		validate "$dir ($("$TFSWARM_TERRAFORM_NEW" version | head -1))" "$scratch" "$TFSWARM_TERRAFORM_NEW" -query
	done
fi

# Whole-stack examples are validated in place (they have their own versions.tf); a scratch copy
# keeps .terraform and lock files out of the tree.
for dir in examples/ecommerce examples/ecommerce-stack; do
	scratch="$work/$(echo "$dir" | tr / _)"
	cp -r "$dir" "$scratch"
	validate "$dir" "$scratch"
done
exit "$failed"
