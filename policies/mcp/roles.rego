# Roles grant access classes: data.portcullis.roles maps a role name to the classes it grants
# (shipped: viewer -> read; editor -> read, write; admin -> read, write, destructive).
package mcp.authz

import rego.v1

role_grants contains concat("", ["role ", role, " grants ", required_access, " access to ", target_label]) if {
	some role in principal_roles
	_access_list(role_access[role])
	required_access in role_access[role]
}

# Why no role grants the target's access class (only when nothing else grants it either).
no_grant contains concat("", [_roles_phrase, " ", required_access, " access to ", target_label]) if {
	count(grants) == 0
}

_roles_phrase := "the principal has no role that grants" if count(_role_names) == 0

_roles_phrase := concat("", ["role ", _role_names[0], " does not grant"]) if count(_role_names) == 1

_roles_phrase := concat("", ["roles ", concat(", ", _role_names), " do not grant"]) if count(_role_names) > 1

_role_names := sort({role | some role in principal_roles})
