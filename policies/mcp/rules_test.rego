# Tests of the operator's rules: allow, deny, require_scopes, their selectors and reasons.
package mcp.authz_test

import rego.v1

import data.mcp.authz

# --- the three operator sentences of README.md --------------------------------------------

# "Read GitHub, never delete."
github_read_never_delete := config({
	"allow": [{"id": "github-read", "backends": "github", "access": "read", "reason": "everyone may read GitHub"}],
	"deny": [{"id": "github-never-delete", "backends": "github", "names": ["*delete*", "*remove*"], "reason": "nothing is ever deleted on GitHub"}],
})

test_read_github_never_delete if {
	d := authz.decision with input as call(nobody, tool("github__search_code", "read"))
		with data.portcullis as github_read_never_delete
	d == {"allow": true, "reasons": ["everyone may read GitHub (allow rule \"github-read\")"]}

	deny := authz.decision with input as call(admin, tool("github__delete_file", "destructive"))
		with data.portcullis as github_read_never_delete
	deny == {"allow": false, "reasons": ["nothing is ever deleted on GitHub (deny rule \"github-never-delete\")"]}

	# other backends and other GitHub tools keep the role mapping
	authz.decision.allow with input as call(admin, tool("jira__delete_issue", "destructive"))
		with data.portcullis as github_read_never_delete
	authz.decision.allow with input as call(editor, tool("github__create_issue", "write"))
		with data.portcullis as github_read_never_delete
	not authz.decision.allow with input as call(nobody, tool("github__create_issue", "write"))
		with data.portcullis as github_read_never_delete
}

# "Only group X may call backend Y."
only_payments_team := config({"deny": [{
	"id": "payments-team-only",
	"backends": "payments",
	"except": {"groups": "payments-team"},
	"reason": "only the payments-team group may use the payments backend",
}]})

test_only_group_x_may_call_backend_y if {
	member := object.union(editor, {"groups": ["payments-team"]})
	authz.decision.allow with input as call(member, tool("payments__refund", "write"))
		with data.portcullis as only_payments_team
	d := authz.decision with input as call(admin, tool("payments__refund", "write"))
		with data.portcullis as only_payments_team
	d == {"allow": false, "reasons": ["only the payments-team group may use the payments backend (deny rule \"payments-team-only\")"]}

	# the whole backend: its resources and prompts too, and its items in lists
	not authz.decision.allow with input as request("resources/read", admin, object.union(resource("payments://ledger"), {"backend": "payments"}))
		with data.portcullis as only_payments_team
	not authz.decision.allow with input as request("tools/list", admin, tool("payments__balance", "read"))
		with data.portcullis as only_payments_team

	# membership does not replace the role: a viewer in the group still cannot write
	not authz.decision.allow with input as call(object.union(viewer, {"groups": ["payments-team"]}), tool("payments__refund", "write"))
		with data.portcullis as only_payments_team
}

# "This tool only with scope Z."
refund_needs_scope := config({"require_scopes": [{
	"id": "refund-scope",
	"names": "payments__refund",
	"scopes": "payments:refund",
}]})

test_this_tool_only_with_scope_z if {
	d := authz.decision with input as call(editor, tool("payments__refund", "write"))
		with data.portcullis as refund_needs_scope
	d == {
		"allow": false,
		"reasons": ["payments__refund requires scope payments:refund (require_scopes rule \"refund-scope\")"],
		"required_scopes": ["payments:refund"],
	}
	scoped := object.union(editor, {"scopes": ["mcp", "payments:refund"]})
	authz.decision.allow with input as call(scoped, tool("payments__refund", "write"))
		with data.portcullis as refund_needs_scope
	authz.decision.allow with input as call(editor, tool("payments__balance", "read"))
		with data.portcullis as refund_needs_scope
}

# --- allow rules -----------------------------------------------------------------------

test_an_allow_rule_grants_beyond_the_role if {
	cfg := config({"allow": [{"names": "ops__restart", "who": {"groups": "oncall"}}]})
	oncall := object.union(viewer, {"groups": ["oncall"]})
	d := authz.decision with input as call(oncall, tool("ops__restart", "destructive")) with data.portcullis as cfg
	d == {"allow": true, "reasons": ["ops__restart is allowed (allow rule data.portcullis.allow[0])"]}
	not authz.decision.allow with input as call(viewer, tool("ops__restart", "destructive")) with data.portcullis as cfg
}

test_an_allow_rule_respects_except if {
	cfg := config({"allow": [{"backends": "wiki", "except": {"subjects": "*@contractor.example"}}]})
	authz.decision.allow with input as call(nobody, tool("wiki__edit", "write")) with data.portcullis as cfg
	not authz.decision.allow with input as call(person("c@contractor.example", []), tool("wiki__edit", "write"))
		with data.portcullis as cfg
}

test_an_allow_rule_does_not_admit_the_unauthenticated if {
	cfg := config({"allow": [{}]})
	not authz.decision.allow with input as call(person("", []), tool("a__b", "read")) with data.portcullis as cfg
}

# --- deny rules ------------------------------------------------------------------------

test_deny_wins_over_roles_and_allow_rules if {
	cfg := config({
		"allow": [{"id": "all", "names": "*"}],
		"deny": [{"id": "no-shell", "names": "*__shell*"}],
	})
	d := authz.decision with input as call(admin, tool("box__shell_exec", "destructive")) with data.portcullis as cfg
	d == {"allow": false, "reasons": ["box__shell_exec is denied (deny rule \"no-shell\")"]}
}

test_a_deny_rule_can_target_principals if {
	cfg := config({"deny": [{"who": {"client_ids": "untrusted-agent"}, "access": ["write", "destructive"]}]})
	agent := object.union(editor, {"client_id": "untrusted-agent"})
	d := authz.decision with input as call(agent, tool("a__b", "write")) with data.portcullis as cfg
	d.reasons == ["a__b is denied (deny rule data.portcullis.deny[0])"]
	authz.decision.allow with input as call(agent, tool("a__b", "read")) with data.portcullis as cfg
	authz.decision.allow with input as call(editor, tool("a__b", "write")) with data.portcullis as cfg
}

test_every_deny_rule_that_applies_is_a_reason if {
	cfg := config({"deny": [{"id": "one", "backends": "a"}, {"id": "two", "names": "a__*"}, {"id": "three", "backends": "z"}]})
	authz.rule_denials == {
		"a__b is denied (deny rule \"one\")",
		"a__b is denied (deny rule \"two\")",
	} with input as call(admin, tool("a__b", "read")) with data.portcullis as cfg
}

# --- target selectors ------------------------------------------------------------------

test_target_selectors if {
	t := object.union(resource("file:///docs/guide.md"), {"backend": "files"})
	inp := request("resources/read", viewer, t)
	every rule in [
		{},
		{"kinds": "resource"},
		{"kinds": ["tool", "resource"]},
		{"access": "read"},
		{"backends": "fil*"},
		{"uris": "file:///docs/*"},
		{"kinds": "resource", "backends": "files", "uris": "*.md", "access": ["read"]},
	] {
		authz.applies(rule) with input as inp
	}
	every rule in [
		{"kinds": "tool"},
		{"access": "write"},
		{"backends": ["github"]},
		{"names": "other"},
		{"names": "*"},
		{"uris": "https://*"},
		{"kinds": "resource", "backends": "github"},
		"not an object",
	] {
		not authz.applies(rule) with input as inp
	}
}

test_a_names_selector_matches_tools_and_prompts_never_resources_or_templates if {
	authz.applies({"names": "a__*"}) with input as call(viewer, tool("a__b", "read"))
	authz.applies({"names": "review"}) with input as request("prompts/get", viewer, prompt("review"))
	every target in [resource("file:///README.md"), template("logs")] {
		target.name != null
		not authz.applies({"names": "*"}) with input as request("resources/read", viewer, target)
	}
	not authz.applies({"names": "*"}) with input as request("resources/list", viewer, resource("file:///README.md"))
}

test_a_uris_selector_never_matches_a_tool if {
	not authz.applies({"uris": "*"}) with input as call(viewer, tool("a__b", "read"))
}

test_the_access_selector_uses_the_class_the_target_needs if {
	authz.applies({"access": "destructive"}) with input as call(viewer, object.remove(tool("a__b", "read"), ["access"]))
}

test_who_and_except if {
	inp := call(viewer, tool("a__b", "read"))
	authz.applies({"who": {"roles": "viewer"}}) with input as inp
	not authz.applies({"who": {"roles": "admin"}}) with input as inp
	not authz.applies({"except": {"roles": "viewer"}}) with input as inp
	authz.applies({"except": {"roles": "admin"}}) with input as inp
	not authz.applies({"who": {"roles": "viewer"}, "except": {"subjects": "vera@*"}}) with input as inp
}

# --- require_scopes --------------------------------------------------------------------

test_require_scopes_names_every_missing_scope if {
	cfg := config({"require_scopes": [{"names": "a__*", "scopes": ["mcp", "b", "a"]}]})
	d := authz.decision with input as call(admin, tool("a__b", "read")) with data.portcullis as cfg
	d.required_scopes == ["a", "b"]
	d.reasons == ["a__b requires scopes a, b (require_scopes rule data.portcullis.require_scopes[0])"]
}

test_require_scopes_uses_the_rule_reason if {
	cfg := config({"require_scopes": [{"id": "s", "backends": "a", "scopes": "x", "reason": "a needs consent"}]})
	d := authz.decision with input as call(admin, tool("a__b", "read")) with data.portcullis as cfg
	d.reasons == ["a needs consent: missing scope x (require_scopes rule \"s\")"]
	d.required_scopes == ["x"]
}

test_required_scopes_are_merged_across_rules if {
	cfg := config({"require_scopes": [{"backends": "a", "scopes": ["x", "y"]}, {"names": "a__b", "scopes": ["y", "z"]}]})
	authz.missing_scopes == {"x", "y", "z"} with input as call(admin, tool("a__b", "read")) with data.portcullis as cfg
	count(authz.scope_denials) == 2 with input as call(admin, tool("a__b", "read")) with data.portcullis as cfg
}

test_require_scopes_can_exempt_principals if {
	cfg := config({"require_scopes": [{"backends": "a", "scopes": "x", "except": {"providers": "static"}}]})
	service := object.union(admin, {"provider": "static"})
	authz.decision.allow with input as call(service, tool("a__b", "read")) with data.portcullis as cfg
	not authz.decision.allow with input as call(admin, tool("a__b", "read")) with data.portcullis as cfg
}

test_held_scopes_are_not_missing if {
	cfg := config({"require_scopes": [{"backends": "a", "scopes": ["mcp"]}]})
	authz.scope_denials == set() with input as call(admin, tool("a__b", "read")) with data.portcullis as cfg
	authz.missing_scopes == set() with input as call(admin, tool("a__b", "read")) with data.portcullis as cfg
}

# --- labels ----------------------------------------------------------------------------

test_rule_labels if {
	authz.rule_label("deny", 3, {"id": "x"}) == "deny rule \"x\""
	authz.rule_label("deny", 3, {}) == "deny rule data.portcullis.deny[3]"
	authz.rule_label("allow", 0, {"id": 7}) == "allow rule data.portcullis.allow[0]"
}
