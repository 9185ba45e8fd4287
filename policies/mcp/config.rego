# The operator's settings, read from data.portcullis (policies/data.json), and their validation.
#
# Absent settings mean "nothing": no role grants anything, no allow, deny or require_scopes
# rule exists, resources, prompts and resource templates need read access. Settings of the
# wrong shape or with unknown keys are reported by data_errors, and every decision is then a
# deny: a typo must never widen access silently (see README.md for the schema).
package mcp.authz

import rego.v1

access_classes := {"read", "write", "destructive"}

target_kinds := {"tool", "resource", "prompt", "resource_template"}

_config_keys := {"roles", "kind_access", "allow", "deny", "require_scopes"}

_rule_keys := {"id", "reason", "kinds", "backends", "names", "uris", "access", "who", "except"}

_selector_keys := {"roles", "groups", "scopes", "subjects", "client_ids", "providers"}

_list_keys := {"kinds", "backends", "names", "uris", "access"}

_rule_lists := {"allow", "deny", "require_scopes"}

default _config := {}

_config := data.portcullis if is_object(data.portcullis)

# Role name -> the access classes it grants.
default role_access := {}

role_access := _config.roles if is_object(_config.roles)

# Target kind (other than tool) -> the access class reading it needs. Tools carry their own.
kind_access(kind) := _config.kind_access[kind] if {
	is_object(_config.kind_access)
	_config.kind_access[kind] in access_classes
} else := "read"

# The rules of one list (allow, deny, require_scopes); [] when absent or not an array.
rules(list) := _config[list] if is_array(_config[list])

else := []

# A selector value: one string, or an array of strings.
as_list(x) := [x] if is_string(x)

as_list(x) := x if is_array(x)

_string_list(x) if is_string(x)

_string_list(x) if {
	is_array(x)
	every e in x {
		is_string(e)
	}
}

_path(parts) := concat("", array.concat(["data.portcullis"], parts))

_index(i) := concat("", ["[", format_int(i, 10), "]"])

# --- validation -------------------------------------------------------------------------

data_errors contains "data.portcullis must be an object" if {
	_ = data.portcullis
	not is_object(data.portcullis)
}

data_errors contains concat("", [_path([".", key]), " is not a known setting"]) if {
	some key, _ in _config
	not key in _config_keys
}

data_errors contains concat("", [_path([".roles"]), " must be an object"]) if {
	_ = _config.roles
	not is_object(_config.roles)
}

data_errors contains concat("", [_path([".roles.", role]), " must be an array of read, write, destructive"]) if {
	some role, classes in role_access
	not _access_list(classes)
}

data_errors contains concat("", [_path([".kind_access"]), " must be an object"]) if {
	_ = _config.kind_access
	not is_object(_config.kind_access)
}

data_errors contains concat("", [_path([".kind_access.", kind]), " must name a kind (resource, prompt, resource_template) and one of read, write, destructive"]) if {
	is_object(_config.kind_access)
	some kind, class in _config.kind_access
	not _kind_access_entry(kind, class)
}

data_errors contains concat("", [_path([".", list]), " must be an array of rules"]) if {
	some list in _rule_lists
	_ = _config[list]
	not is_array(_config[list])
}

data_errors contains msg if {
	some list in _rule_lists
	some i, rule in rules(list)
	some problem in _rule_problems(list, rule)
	msg := concat("", [_path([".", list, _index(i)]), problem])
}

_access_list(classes) if {
	is_array(classes)
	every c in classes {
		c in access_classes
	}
}

_kind_access_entry(kind, class) if {
	kind in (target_kinds - {"tool"})
	class in access_classes
}

_rule_problems(_, rule) := {" must be an object"} if not is_object(rule)

_rule_problems(list, rule) := problems if {
	is_object(rule)
	problems := {problem |
		some found in [
			_unknown_keys(list, rule), _bad_lists(rule), _bad_values(rule), _bad_globs(rule), _unmatchable_names(rule),
			_bad_text(rule), _bad_selectors(rule), _bad_scopes(list, rule),
		]
		some problem in found
	}
}

_allowed_rule_keys("require_scopes") := _rule_keys | {"scopes"}

_allowed_rule_keys(list) := _rule_keys if list != "require_scopes"

_unknown_keys(list, rule) := {concat("", [".", key, " is not a known rule key"]) |
	some key, _ in rule
	not key in _allowed_rule_keys(list)
}

_bad_lists(rule) := {concat("", [".", key, " must be a string or an array of strings"]) |
	some key in _list_keys
	_ = rule[key]
	not _string_list(rule[key])
}

_bad_values(rule) := {concat("", [".", key, " has an unknown value"]) |
	some key, valid in {"kinds": target_kinds, "access": access_classes}
	_string_list(rule[key])
	some value in as_list(rule[key])
	not value in valid
}

_bad_globs(rule) := {concat("", [".", key, " has an invalid glob pattern: ", pattern]) |
	some key in {"backends", "names", "uris"}
	_string_list(rule[key])
	some pattern in as_list(rule[key])
	not _valid_glob(pattern)
}

# A pattern glob.match can compile (it is undefined, not false, on one it cannot), with
# balanced {} and [] and no dangling escape: the Wasm engine's glob.match does not reject
# those, and a deny rule that silently never matches would widen access.
_valid_glob(pattern) if {
	is_boolean(glob.match(pattern, null, ""))
	plain := _unescaped(pattern)
	count(split(plain, "{")) == count(split(plain, "}"))
	count(split(plain, "[")) == count(split(plain, "]"))
	not endswith(plain, "\\")
}

# The pattern without escaped backslashes and escaped brackets.
_unescaped(pattern) := replace(replace(replace(replace(replace(pattern, "\\\\", ""), "\\{", ""), "\\}", ""), "\\[", ""), "\\]", "")

# names on a rule only for resources and templates, which names never match (rules.rego): an
# error, not a rule that silently does nothing.
_unmatchable_names(rule) := {".names never matches a resource or resource template: select them by uris" |
	_ = rule.names
	_string_list(rule.kinds)
	every kind in as_list(rule.kinds) {
		kind in {"resource", "resource_template"}
	}
}

_bad_text(rule) := {concat("", [".", key, " must be a string"]) |
	some key in {"id", "reason"}
	_ = rule[key]
	not is_string(rule[key])
}

_bad_selectors(rule) := {msg |
	some key in {"who", "except"}
	_ = rule[key]
	some problem in _selector_problems(rule[key])
	msg := concat("", [".", key, problem])
}

_selector_problems(selector) := {" must be an object"} if not is_object(selector)

_selector_problems(selector) := {problem |
	some key, value in selector
	some problem in _selector_entry_problems(key, value)
} if is_object(selector)

_selector_entry_problems(key, _) := {concat("", [".", key, " is not a known principal selector"])} if not key in _selector_keys

_selector_entry_problems(key, value) := {concat("", [".", key, " must be a string or an array of strings"])} if {
	key in _selector_keys
	not _string_list(value)
}

_selector_entry_problems("subjects", value) := {concat("", [".subjects has an invalid glob pattern: ", pattern]) |
	some pattern in as_list(value)
	not _valid_glob(pattern)
} if _string_list(value)

_bad_scopes("require_scopes", rule) := {".scopes must name at least one scope"} if not _scopes_present(rule)

_bad_scopes(list, _) := set() if list != "require_scopes"

_bad_scopes("require_scopes", rule) := set() if _scopes_present(rule)

_scopes_present(rule) if {
	_string_list(rule.scopes)
	count(as_list(rule.scopes)) > 0
}
