# Tests of role grants and the reasons given when no role grants access.
package mcp.authz_test

import rego.v1

import data.mcp.authz

test_shipped_roles_grant_their_access_classes if {
	granted := {[role, class] |
		some role in ["viewer", "editor", "admin", "guest"]
		some class in authz.access_classes
		authz.decision.allow with input as call(person("p@example.com", [role]), tool("a__b", class))
	}
	granted == {
		["viewer", "read"],
		["editor", "read"], ["editor", "write"],
		["admin", "read"], ["admin", "write"], ["admin", "destructive"],
	}
}

test_a_role_grant_names_role_class_and_target if {
	authz.role_grants == {"role admin grants write access to a__b"} with input as call(admin, tool("a__b", "write"))
}

test_every_role_that_grants_is_named if {
	authz.role_grants == {
		"role admin grants read access to a__b",
		"role viewer grants read access to a__b",
	} with input as call(person("p@example.com", ["viewer", "admin", "guest"]), tool("a__b", "read"))
}

test_an_unknown_role_grants_nothing if {
	d := authz.decision with input as call(person("p@example.com", ["guest"]), tool("a__b", "read"))
	d == {"allow": false, "reasons": ["role guest does not grant read access to a__b"]}
}

test_the_role_mapping_comes_from_data if {
	cfg := {"roles": {"auditor": ["read"], "operator": ["read", "write", "destructive"]}}
	authz.decision.allow with input as call(person("p@example.com", ["operator"]), tool("a__b", "destructive"))
		with data.portcullis as cfg
	not authz.decision.allow with input as call(admin, tool("a__b", "read"))
		with data.portcullis as cfg
}

test_without_a_role_mapping_no_role_grants_anything if {
	not authz.decision.allow with input as call(admin, tool("a__b", "read")) with data.portcullis as {}
}

test_a_malformed_role_entry_grants_nothing if {
	authz.role_grants == set() with input as call(admin, tool("a__b", "read"))
		with data.portcullis as {"roles": {"admin": "read"}}
}

test_no_grant_without_roles if {
	authz.no_grant == {"the principal has no role that grants write access to a__b"} with input as call(nobody, tool("a__b", "write"))
}

test_no_grant_with_one_role if {
	authz.no_grant == {"role viewer does not grant write access to a__b"} with input as call(viewer, tool("a__b", "write"))
}

test_no_grant_with_several_roles if {
	authz.no_grant == {"roles guest, viewer do not grant write access to a__b"} with input as call(person("p@example.com", ["viewer", "guest", "viewer"]), tool("a__b", "write"))
}

test_no_grant_is_empty_when_an_allow_rule_grants if {
	authz.no_grant == set() with input as call(viewer, tool("a__b", "write"))
		with data.portcullis as config({"allow": [{"names": "a__b"}]})
}

test_no_grant_names_a_repeated_role_once if {
	authz.no_grant == {"role viewer does not grant write access to a__b"} with input as call(person("p@example.com", ["viewer", "viewer"]), tool("a__b", "write"))
}
