# What a request is about: its action (the MCP method), its target, the access class that
# target needs, and how reasons name it.
package mcp.authz

import rego.v1

# Methods decided without a target: allowed for any authenticated principal. The tasks methods
# need no target here: the gateway keeps each task to the principal that created it.
session_actions := {
	"initialize",
	"ping",
	"logging/setLevel",
	"resources/unsubscribe",
	"tasks/get",
	"tasks/result",
	"tasks/list",
	"tasks/cancel",
}

# Methods decided on a target, with the target kinds each accepts. The list methods are
# decided per item (action = the list method); without a target they are a session action.
# resources/subscribe is decided like resources/read, completion/complete like a read of its
# ref (a prompt, a resource, or a resource template).
action_kinds := {
	"tools/call": {"tool"},
	"tools/list": {"tool"},
	"resources/read": {"resource", "resource_template"},
	"resources/subscribe": {"resource", "resource_template"},
	"resources/list": {"resource"},
	"resources/templates/list": {"resource_template"},
	"prompts/get": {"prompt"},
	"prompts/list": {"prompt"},
	"completion/complete": {"prompt", "resource", "resource_template"},
}

list_actions := {"tools/list", "resources/list", "resources/templates/list", "prompts/list"}

has_target if is_object(input.target)

session_request if input.action in session_actions

session_request if {
	is_string(input.action)
	startswith(input.action, "notifications/")
}

session_request if {
	input.action in list_actions
	not has_target
}

target_request if {
	has_target
	_kind_fits
}

_kind_fits if input.target.kind in action_kinds[input.action]

# Why a request cannot be decided on its merits (each is a deny).
request_problems contains "the request has no authenticated principal" if not authenticated

request_problems contains "the input document is not version 1" if {
	_ = input.version
	input.version != 1
}

request_problems contains concat("", ["the policy does not allow action ", _quoted(_action)]) if {
	not session_request
	not _known_action
}

request_problems contains concat("", [input.action, " needs a target"]) if {
	_known_action
	not has_target
	not input.action in list_actions
}

request_problems contains concat("", ["target kind ", _quoted(target_field("kind")), " does not fit action ", input.action]) if {
	has_target
	_known_action
	not _kind_fits
}

_known_action if action_kinds[input.action]

default _action := null

_action := input.action

_quoted(x) := concat("", ["\"", x, "\""]) if is_string(x)

else := "(missing or not a string)"

# The access class the target needs: a tool's own (destructive when missing or unknown, the
# spec's default), the configured class of its kind for resources, prompts, templates.
default required_access := "destructive"

required_access := input.target.access if {
	input.target.kind == "tool"
	input.target.access in access_classes
}

required_access := kind_access(input.target.kind) if input.target.kind != "tool"

# The target as reasons name it: a tool by its name, others by kind and uri or name.
default target_label := "the target"

target_label := input.target.name if {
	input.target.kind == "tool"
	is_string(input.target.name)
}

target_label := concat(" ", [_kind_labels[input.target.kind], _resource_id]) if input.target.kind != "tool"

_kind_labels := {"resource": "resource", "prompt": "prompt", "resource_template": "resource template"}

_resource_id := input.target.uri if is_string(input.target.uri)

else := input.target.name if is_string(input.target.name)

# A target field for matching, null when absent.
target_field(key) := object.get(input.target, key, null)
