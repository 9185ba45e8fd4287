# Tests of the entrypoints: decision (every way it comes out) and decisions.
package mcp.authz_test

import rego.v1

import data.mcp.authz

test_viewer_calls_a_read_tool if {
	d := authz.decision with input as call(viewer, tool("github__search_code", "read"))
	d == {"allow": true, "reasons": ["role viewer grants read access to github__search_code"]}
}

test_viewer_may_not_call_a_write_tool if {
	d := authz.decision with input as call(viewer, tool("github__create_issue", "write"))
	d == {"allow": false, "reasons": ["role viewer does not grant write access to github__create_issue"]}
}

test_editor_calls_a_write_tool if {
	d := authz.decision with input as call(editor, tool("github__create_issue", "write"))
	d.allow
	d.reasons == ["role editor grants write access to github__create_issue"]
}

test_editor_may_not_call_a_destructive_tool if {
	d := authz.decision with input as call(editor, tool("github__delete_repo", "destructive"))
	not d.allow
	d.reasons == ["role editor does not grant destructive access to github__delete_repo"]
}

test_admin_calls_a_destructive_tool if {
	d := authz.decision with input as call(admin, tool("github__delete_repo", "destructive"))
	d.allow
}

test_shipped_data_is_used_when_not_overridden if {
	# no `with data.portcullis`: policies/data.json is loaded by `opa test policies/`
	authz.decision.allow with input as call(editor, tool("github__create_issue", "write"))
	not authz.decision.allow with input as call(viewer, tool("github__create_issue", "write"))
}

test_unauthenticated_request_is_denied_with_that_reason_only if {
	d := authz.decision with input as call(person("", ["admin"]), tool("github__search_code", "read"))
	d == {"allow": false, "reasons": ["the request has no authenticated principal"]}
}

test_invalid_data_denies_everything if {
	d := authz.decision with input as session_request("ping", admin)
		with data.portcullis as config({"allow": {}})
	d == {"allow": false, "reasons": ["policy data is invalid: data.portcullis.allow must be an array of rules"]}
}

test_session_action_is_allowed_with_a_reason if {
	d := authz.decision with input as session_request("initialize", nobody)
	d == {"allow": true, "reasons": ["initialize is allowed for any authenticated principal"]}
}

test_several_grants_are_all_reasons if {
	d := authz.decision with input as call(person("x@example.com", ["viewer", "editor"]), tool("github__search_code", "read"))
		with data.portcullis as config({"allow": [{"id": "gh", "backends": "github"}]})
	d.allow
	d.reasons == [
		"role editor grants read access to github__search_code",
		"role viewer grants read access to github__search_code",
		"github__search_code is allowed (allow rule \"gh\")",
	]
}

test_missing_scope_alone_asks_for_a_step_up if {
	d := authz.decision with input as call(admin, tool("github__delete_repo", "destructive"))
		with data.portcullis as config({"require_scopes": [{"id": "gh-admin", "names": "github__delete_*", "scopes": ["repo:admin"]}]})
	d == {
		"allow": false,
		"reasons": ["github__delete_repo requires scope repo:admin (require_scopes rule \"gh-admin\")"],
		"required_scopes": ["repo:admin"],
	}
}

test_no_step_up_when_the_role_is_missing_too if {
	d := authz.decision with input as call(viewer, tool("github__delete_repo", "destructive"))
		with data.portcullis as config({"require_scopes": [{"id": "gh-admin", "names": "github__delete_*", "scopes": ["repo:admin"]}]})
	not d.allow
	not d.required_scopes
	d.reasons == [
		"role viewer does not grant destructive access to github__delete_repo",
		"github__delete_repo requires scope repo:admin (require_scopes rule \"gh-admin\")",
	]
}

test_no_step_up_when_a_deny_rule_applies_too if {
	d := authz.decision with input as call(admin, tool("github__delete_repo", "destructive"))
		with data.portcullis as config({
			"deny": [{"id": "no-delete", "names": "*delete*", "reason": "nothing is ever deleted"}],
			"require_scopes": [{"names": "github__*", "scopes": "repo:admin"}],
		})
	not d.allow
	not d.required_scopes
	d.reasons == [
		"nothing is ever deleted (deny rule \"no-delete\")",
		"github__delete_repo requires scope repo:admin (require_scopes rule data.portcullis.require_scopes[0])",
	]
}

test_default_decision_is_a_deny if {
	# Unreachable through the rules above; the default is the safety net that keeps the
	# entrypoint defined whatever happens.
	d := authz.decision with input as call(admin, tool("github__search_code", "read"))
		with authz.target_request as false
	d == {"allow": false, "reasons": ["no rule allows this request"]}
}

test_decision_is_defined_for_an_empty_input if {
	d := authz.decision with input as {}
	d.allow == false
	"the request has no authenticated principal" in d.reasons
}

test_decisions_decides_each_item_in_order if {
	items := [
		request("tools/list", viewer, tool("github__search_code", "read")),
		request("tools/list", viewer, tool("github__create_issue", "write")),
		session_request("ping", viewer),
		request("tools/list", {}, tool("github__search_code", "read")),
	]
	ds := authz.decisions with input as {"items": items}
	count(ds) == 4
	ds[0] == {"allow": true, "reasons": ["role viewer grants read access to github__search_code"]}
	ds[1] == {"allow": false, "reasons": ["role viewer does not grant write access to github__create_issue"]}
	ds[2].allow
	ds[3] == {"allow": false, "reasons": ["the request has no authenticated principal"]}
}

test_decisions_match_decision_item_by_item if {
	items := [request(action, p, t) |
		some action in ["tools/list", "tools/call"]
		some p in [viewer, editor, admin, nobody]
		some t in [tool("a__r", "read"), tool("a__w", "write"), tool("a__d", "destructive")]
	]
	ds := authz.decisions with input as {"items": items}
	every i, item in items {
		ds[i] == authz.decision with input as item
	}
}

test_decisions_without_items_is_empty if {
	authz.decisions == [] with input as {}
	authz.decisions == [] with input as {"items": []}
}

test_listing_a_tool_is_allowed_exactly_when_calling_it_is if {
	cfg := config({
		"allow": [{"names": "ops__restart", "who": {"groups": "oncall"}}],
		"deny": [{"backends": "github", "names": "*delete*"}],
		"require_scopes": [{"names": "billing__*", "scopes": "billing"}],
	})
	oncall := object.union(viewer, {"groups": ["oncall"]})
	every p in [viewer, editor, admin, nobody, oncall] {
		every t in [
			tool("github__search", "read"), tool("github__create_issue", "write"),
			tool("github__delete_repo", "destructive"), tool("ops__restart", "destructive"),
			tool("billing__refund", "write"),
		] {
			listed := authz.decision with input as request("tools/list", p, t) with data.portcullis as cfg
			called := authz.decision with input as call(p, t) with data.portcullis as cfg
			listed == called
		}
	}
}
