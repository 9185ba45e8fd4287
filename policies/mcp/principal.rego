# Facts about the principal (input.principal), and principal selectors: the "who" and
# "except" objects of rules in data.portcullis.
package mcp.authz

import rego.v1

# Authenticated: a provider verified a credential and named a subject.
authenticated if {
	is_string(input.principal.subject)
	input.principal.subject != ""
}

principal_roles := _strings("roles")

principal_groups := _strings("groups")

principal_scopes := _strings("scopes")

# The string elements of one of the principal's lists; [] for anything else (absent included).
_strings(key) := [s | some s in input.principal[key]; is_string(s)] if {
	is_array(input.principal[key])
} else := []

# A selector names principals; one matches when it has any listed role, group or scope, or its
# subject matches any listed glob, or its client_id or provider is listed.
selects(selector) if {
	some role in as_list(selector.roles)
	role in principal_roles
}

selects(selector) if {
	some group in as_list(selector.groups)
	group in principal_groups
}

selects(selector) if {
	some scope in as_list(selector.scopes)
	scope in principal_scopes
}

selects(selector) if {
	some pattern in as_list(selector.subjects)
	glob_matches(pattern, input.principal.subject)
}

selects(selector) if {
	some client_id in as_list(selector.client_ids)
	client_id == input.principal.client_id
}

selects(selector) if {
	some provider in as_list(selector.providers)
	provider == input.principal.provider
}

# Glob matching for names, subjects and URIs: no delimiters, so * matches any characters.
glob_matches(pattern, value) if {
	is_string(pattern)
	is_string(value)
	glob.match(pattern, null, value)
}
