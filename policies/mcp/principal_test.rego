# Tests of principal facts and principal selectors.
package mcp.authz_test

import rego.v1

import data.mcp.authz

test_a_principal_with_a_subject_is_authenticated if {
	authz.authenticated with input as {"principal": viewer}
}

test_a_principal_without_a_usable_subject_is_not_authenticated if {
	not authz.authenticated with input as {"principal": {"roles": ["admin"]}}
	not authz.authenticated with input as {"principal": {"subject": ""}}
	not authz.authenticated with input as {"principal": {"subject": 42}}
	not authz.authenticated with input as {}
}

test_principal_lists_keep_only_strings if {
	authz.principal_roles == ["viewer", "admin"] with input as {"principal": {"roles": ["viewer", 7, null, "admin"]}}
	authz.principal_groups == [] with input as {"principal": {"groups": "ops"}}
	authz.principal_scopes == [] with input as {"principal": {}}
}

alice := {
	"subject": "alice@example.com",
	"provider": "jwt",
	"client_id": "cursor",
	"roles": ["viewer"],
	"groups": ["eng"],
	"scopes": ["mcp", "repo"],
}

test_selectors_match_any_listed_trait if {
	every selector in [
		{"roles": "viewer"},
		{"roles": ["admin", "viewer"]},
		{"groups": "eng"},
		{"groups": ["ops", "eng"]},
		{"scopes": "repo"},
		{"subjects": "*@example.com"},
		{"subjects": ["bob@example.com", "alice@*"]},
		{"client_ids": "cursor"},
		{"providers": ["static", "jwt"]},
		{"roles": "admin", "groups": "eng"},
	] {
		authz.selects(selector) with input as {"principal": alice}
	}
}

test_selectors_do_not_match_other_principals if {
	every selector in [
		{},
		{"roles": "admin"},
		{"groups": []},
		{"scopes": "admin"},
		{"subjects": "*@other.org"},
		{"client_ids": ["claude-ai"]},
		{"providers": "static"},
		{"roles": 42},
	] {
		not authz.selects(selector) with input as {"principal": alice}
	}
}

test_glob_matches_across_dots_and_slashes if {
	authz.glob_matches("github__*", "github__search_code")
	authz.glob_matches("github__*", "github__a.b/c")
	authz.glob_matches("file:///docs/*", "file:///docs/a/b.md")
	authz.glob_matches("github__delete_?", "github__delete_x")
	authz.glob_matches("{github,gitlab}__*", "gitlab__merge")
	authz.glob_matches("*__delete_*", "github__delete_repo")
	not authz.glob_matches("github__*", "gitlab__search")
	not authz.glob_matches("github__*", 42)
	not authz.glob_matches(["github__*"], "github__search")
}
