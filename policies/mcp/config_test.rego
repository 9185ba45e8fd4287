# Tests of the operator's settings: defaults, accessors and validation.
package mcp.authz_test

import rego.v1

import data.mcp.authz

test_the_shipped_data_is_valid_and_maps_the_documented_roles if {
	# no `with data.portcullis`: policies/data.json as shipped
	authz.data_errors == set()
	authz.role_access == roles
	authz.rules("allow") == []
	authz.rules("deny") == []
	authz.rules("require_scopes") == []
}

test_absent_settings_mean_nothing if {
	authz.data_errors == set() with data.portcullis as {}
	authz.role_access == {} with data.portcullis as {}
	authz.rules("deny") == [] with data.portcullis as {}
	authz.kind_access("prompt") == "read" with data.portcullis as {}
}

test_kind_access_is_read_unless_configured if {
	authz.kind_access("resource") == "write" with data.portcullis as {"kind_access": {"resource": "write"}}
	authz.kind_access("prompt") == "read" with data.portcullis as {"kind_access": {"resource": "write"}}
	authz.kind_access("resource") == "read" with data.portcullis as {"kind_access": {"resource": "everything"}}
}

test_as_list if {
	authz.as_list("a") == ["a"]
	authz.as_list(["a", "b"]) == ["a", "b"]
	not authz.as_list(7)
}

errors_for(cfg) := errors if {
	errors := authz.data_errors with data.portcullis as cfg
}

test_portcullis_must_be_an_object if {
	authz.data_errors == {"data.portcullis must be an object"} with data.portcullis as ["roles"]
	authz.role_access == {} with data.portcullis as ["roles"]
}

test_unknown_settings_are_errors if {
	errors_for({"role": {}}) == {"data.portcullis.role is not a known setting"}
}

test_roles_must_map_names_to_access_classes if {
	errors_for({"roles": []}) == {"data.portcullis.roles must be an object"}
	errors_for({"roles": {"a": "read", "b": ["read", "admin"], "c": ["read"]}}) == {
		"data.portcullis.roles.a must be an array of read, write, destructive",
		"data.portcullis.roles.b must be an array of read, write, destructive",
	}
}

test_kind_access_must_map_kinds_to_access_classes if {
	errors_for({"kind_access": "read"}) == {"data.portcullis.kind_access must be an object"}
	errors_for({"kind_access": {"tool": "read", "prompt": "all", "resource": "write"}}) == {
		"data.portcullis.kind_access.tool must name a kind (resource, prompt, resource_template) and one of read, write, destructive",
		"data.portcullis.kind_access.prompt must name a kind (resource, prompt, resource_template) and one of read, write, destructive",
	}
}

test_rule_lists_must_be_arrays_of_objects if {
	errors_for({"deny": {"names": "*"}}) == {"data.portcullis.deny must be an array of rules"}
	errors_for({"allow": ["github__*"]}) == {"data.portcullis.allow[0] must be an object"}
}

test_rule_keys_are_checked if {
	errors_for({"allow": [{"name": "github__search"}], "deny": [{"scopes": "x"}]}) == {
		"data.portcullis.allow[0].name is not a known rule key",
		"data.portcullis.deny[0].scopes is not a known rule key",
	}
}

test_rule_values_are_checked if {
	errors_for({"deny": [
		{"names": 7},
		{"backends": ["a", 7]},
		{"kinds": "tools"},
		{"access": ["read", "delete"]},
		{"id": 1, "reason": ["x"]},
	]}) == {
		"data.portcullis.deny[0].names must be a string or an array of strings",
		"data.portcullis.deny[1].backends must be a string or an array of strings",
		"data.portcullis.deny[2].kinds has an unknown value",
		"data.portcullis.deny[3].access has an unknown value",
		"data.portcullis.deny[4].id must be a string",
		"data.portcullis.deny[4].reason must be a string",
	}
}

test_principal_selectors_are_checked if {
	errors_for({"deny": [
		{"who": "admins"},
		{"except": {"group": "x"}},
		{"who": {"roles": {"admin": true}}},
		{"who": {"groups": "x", "subjects": ["*@example.com"]}},
	]}) == {
		"data.portcullis.deny[0].who must be an object",
		"data.portcullis.deny[1].except.group is not a known principal selector",
		"data.portcullis.deny[2].who.roles must be a string or an array of strings",
	}
}

test_require_scopes_needs_scopes if {
	errors_for({"require_scopes": [{"names": "a"}, {"names": "a", "scopes": []}, {"names": "a", "scopes": [1]}, {"names": "a", "scopes": "x"}]}) == {
		"data.portcullis.require_scopes[0].scopes must name at least one scope",
		"data.portcullis.require_scopes[1].scopes must name at least one scope",
		"data.portcullis.require_scopes[2].scopes must name at least one scope",
	}
}

test_a_valid_configuration_has_no_errors if {
	errors_for(config({
		"kind_access": {"resource": "read", "prompt": "write", "resource_template": "read"},
		"allow": [{"id": "a", "reason": "r", "kinds": "tool", "backends": ["x"], "names": "x__*", "access": "read", "who": {"roles": "viewer"}}],
		"deny": [{"uris": "secret://*", "except": {"groups": ["g"], "subjects": "s", "client_ids": "c", "providers": "jwt", "scopes": "z", "roles": "admin"}}],
		"require_scopes": [{"backends": "x", "scopes": ["s1", "s2"]}],
	})) == set()
}

test_a_malformed_rule_list_has_no_rules if {
	authz.rules("deny") == [] with data.portcullis as {"deny": {"names": "*"}}
}

test_invalid_glob_patterns_are_errors if {
	errors_for({
		"deny": [{"names": ["github__*", "["]}, {"backends": "{a,b"}, {"uris": "file:///*"}],
		"allow": [{"who": {"subjects": ["*@example.com", "a\\"]}}],
	}) == {
		"data.portcullis.deny[0].names has an invalid glob pattern: [",
		"data.portcullis.deny[1].backends has an invalid glob pattern: {a,b",
		"data.portcullis.allow[0].who.subjects has an invalid glob pattern: a\\",
	}
}

test_names_on_a_rule_only_for_resources_or_templates_is_an_error if {
	errors_for({"deny": [
		{"kinds": "resource", "names": "secret-*"},
		{"kinds": ["resource", "resource_template"], "names": ["a", "b"]},
		{"kinds": ["resource", "prompt"], "names": "internal-*"},
		{"names": "secret-*"},
		{"kinds": "resource", "uris": "vault://*"},
	]}) == {
		"data.portcullis.deny[0].names never matches a resource or resource template: select them by uris",
		"data.portcullis.deny[1].names never matches a resource or resource template: select them by uris",
	}
}

test_an_invalid_glob_in_a_deny_rule_denies_everything if {
	d := authz.decision with input as call(admin, tool("a__b", "read"))
		with data.portcullis as config({"deny": [{"names": "a__["}]})
	d == {"allow": false, "reasons": ["policy data is invalid: data.portcullis.deny[0].names has an invalid glob pattern: a__["]}
}

test_glob_validity if {
	every pattern in ["*", "github__*", "{a,b}__*", "[a-z]*", "a\\{b", "a\\\\", "a\\[", "file:///*"] {
		authz._valid_glob(pattern)
	}
	every pattern in ["[", "{a,b", "a\\", "a\\\\\\", "a}", "a]"] {
		not authz._valid_glob(pattern)
	}
}
