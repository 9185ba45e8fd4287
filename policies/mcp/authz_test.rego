package mcp.authz_test

import rego.v1

import data.mcp.authz

alice := {"subject": "alice@example.com", "provider": "static", "roles": ["editor"]}

test_read_tool_call_is_allowed if {
	authz.decision.allow with input as {"action": "tools/call", "principal": alice, "target": {"kind": "tool", "access": "read"}}
}

test_destructive_tool_call_is_denied_with_a_reason if {
	d := authz.decision with input as {"action": "tools/call", "principal": alice, "target": {"kind": "tool", "access": "destructive"}}
	not d.allow
	"destructive tools are not allowed" in d.reasons
}

test_request_without_subject_is_denied if {
	not authz.decision.allow with input as {"action": "tools/list", "principal": {}}
}
