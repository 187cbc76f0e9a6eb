package provider

// When an update of swarm_secret or swarm_config creates a new version of the object.

import "github.com/hashicorp/terraform-plugin-framework/types"

// rotationDecision says whether an update needs a new version.
type rotationDecision int

const (
	rotateNo rotationDecision = iota
	rotateYes
	rotateMaybe // depends on values not known at plan time; the apply decides
)

func (d rotationDecision) or(o rotationDecision) rotationDecision {
	if d == rotateYes || o == rotateYes {
		return rotateYes
	}
	if d == rotateMaybe || o == rotateMaybe {
		return rotateMaybe
	}
	return rotateNo
}

// stringChanged compares an optional attribute of the prior state with the plan.
func stringChanged(prior, plan types.String) rotationDecision {
	if plan.IsUnknown() {
		return rotateMaybe
	}
	if prior.Equal(plan) {
		return rotateNo
	}
	return rotateYes
}

// secretDataRotation decides for content the Engine cannot return (secrets). An imported object
// (no data and no data_wo_version in state) is adopted as is.
func secretDataRotation(prior, plan, config objectModel) rotationDecision {
	priorData, priorWO := !prior.Data.IsNull(), !prior.DataWOVersion.IsNull()
	planData, planWO := !plan.Data.IsNull(), !plan.DataWOVersion.IsNull()
	switch {
	case !priorData && !priorWO:
		return rotateNo // imported, or a driver-only secret
	case priorData && planData:
		old, _, _, err1 := objectContent(prior, objectModel{})
		cur, _, known, err2 := objectContent(plan, config)
		if !known {
			return rotateMaybe
		}
		if err1 != nil || err2 != nil || string(old) != string(cur) {
			return rotateYes
		}
		return rotateNo
	case priorWO && planWO:
		if plan.DataWOVersion.IsUnknown() {
			return rotateMaybe
		}
		if prior.DataWOVersion.Equal(plan.DataWOVersion) {
			return rotateNo
		}
		return rotateYes
	case !planData && !planWO:
		return rotateNo // content moved to a driver: the driver change decides
	default:
		return rotateYes // from data to data_wo or back
	}
}

// configDataRotation decides for content the Engine returns (configs): by the content hash, and by
// an explicit bump of data_wo_version.
func configDataRotation(prior, plan, config objectModel, priorSHA types.String) rotationDecision {
	d := rotateNo
	if !prior.DataWOVersion.IsNull() && !plan.DataWOVersion.IsNull() {
		if plan.DataWOVersion.IsUnknown() {
			d = rotateMaybe
		} else if !prior.DataWOVersion.Equal(plan.DataWOVersion) {
			return rotateYes
		}
	}
	content, _, known, err := objectContent(plan, config)
	switch {
	case !known:
		return d.or(rotateMaybe)
	case err != nil:
		return rotateYes
	case priorSHA.IsNull() || priorSHA.IsUnknown() || priorSHA.ValueString() != sha256Hex(content):
		return rotateYes
	}
	return d
}
