# Test fixture for the policy engines' differential and fail-closed tests: the same entrypoints
# and role -> access-class logic as the default policy, frozen so the tests do not follow edits
# to policies/. Reasons are sorted so that both engines list them in one order.
package mcp.authz

import rego.v1

default decision := {"allow": false, "reasons": ["no rule allows this request"]}

decision := {"allow": false, "reasons": sort(deny_reasons), "required_scopes": sort(missing_scopes)} if {
	count(deny_reasons) > 0
	count(missing_scopes) > 0
} else := {"allow": false, "reasons": sort(deny_reasons)} if {
	count(deny_reasons) > 0
} else := {"allow": true, "reasons": sort(allow_reasons)} if {
	count(allow_reasons) > 0
}

decisions := [d | some item in input.items; d := decision with input as item]

gated_actions := {"tools/call", "tools/list"}

resource_actions := {"resources/read", "resources/list", "resources/templates/list"}

prompt_actions := {"prompts/get", "prompts/list"}

open_actions := {"initialize", "ping", "notifications/initialized", "logging/setLevel", "completion/complete"}

roles := {r | some r in input.principal.roles}

classes contains c if {
	some r in roles
	some c in data.portcullis.roles[r]
}

tool := input.target.name

allow_reasons contains sprintf("role grants %s access", [input.target.access]) if {
	input.action in gated_actions
	input.target.access in classes
}

allow_reasons contains sprintf("%s is on the allow list", [tool]) if {
	input.action in gated_actions
	some pattern in data.portcullis.allow_tools
	glob.match(pattern, ["_"], tool)
}

allow_reasons contains "resources are readable by any role" if {
	input.action in resource_actions
	count(classes) > 0
}

allow_reasons contains "prompts are available to editors and admins" if {
	input.action in prompt_actions
	"write" in classes
}

allow_reasons contains sprintf("%s is open to every principal", [input.action]) if {
	input.action in open_actions
}

deny_reasons contains "the principal has no subject" if {
	not input.principal.subject
}

deny_reasons contains sprintf("%s is on the deny list", [tool]) if {
	input.action in gated_actions
	some pattern in data.portcullis.deny_tools
	glob.match(pattern, ["_"], tool)
}

deny_reasons contains sprintf("backend %s is limited to group %s", [input.target.backend, group]) if {
	some backend, group in data.portcullis.backend_groups
	input.target.backend == backend
	not group in input.principal.groups
}

deny_reasons contains sprintf("%s needs scope %s", [tool, scope]) if {
	some scope in missing_scopes
}

missing_scopes contains scope if {
	input.action == "tools/call"
	some pattern, scope in data.portcullis.tool_scopes
	glob.match(pattern, ["_"], tool)
	not scope in input.principal.scopes
}
