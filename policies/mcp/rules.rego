# The operator's rules in data.portcullis: allow (grant access regardless of role), deny (deny
# wins over every grant), require_scopes (the principal must hold every listed scope; when a
# missing scope is all that stands in the way, the decision names it in required_scopes).
#
# A rule applies to a request when its target selector matches the target (kinds, backends,
# names, uris, access: each absent key matches anything, each present key must match) and its
# "who" selects the principal (absent: everyone) and its "except" does not.
package mcp.authz

import rego.v1

applies(rule) if {
	is_object(rule)
	_target_selected(rule)
	_who(rule)
	not _excepted(rule)
}

_target_selected(rule) if {
	_one_of(rule, "kinds", input.target.kind)
	_one_of(rule, "access", required_access)
	_glob_any(rule, "backends", target_field("backend"))
	_glob_any(rule, "names", _rule_name)
	_glob_any(rule, "uris", target_field("uri"))
}

# The name a names selector matches: a tool's or a prompt's. Resources and templates are matched
# by uri: a read or a completion carries only the uri, so their list items are not decided on a
# name either (a name is a label its backend chose, not necessarily unique).
default _rule_name := null

_rule_name := target_field("name") if input.target.kind in _named_kinds

_named_kinds := {"tool", "prompt"}

_one_of(rule, key, _) if not _has(rule, key)

_one_of(rule, key, value) if value in as_list(rule[key])

_glob_any(rule, key, _) if not _has(rule, key)

_glob_any(rule, key, value) if {
	some pattern in as_list(rule[key])
	glob_matches(pattern, value)
}

_who(rule) if not _has(rule, "who")

_who(rule) if selects(rule.who)

_excepted(rule) if selects(rule.except)

_has(obj, key) if {
	_ = obj[key]
}

# How a reason names a rule: by its id, else by its place in data.
rule_label(list, i, rule) := concat("", [list, " rule \"", rule.id, "\""]) if {
	is_string(rule.id)
} else := concat("", [list, " rule data.portcullis.", list, _index(i)])

# The rule's own reason, else the fallback; then which rule it was.
_explained(text, list, i, rule) := concat("", [_reason_or(rule, text), " (", rule_label(list, i, rule), ")"])

_reason_or(rule, text) := rule.reason if {
	is_string(rule.reason)
} else := text

allow_grants contains _explained(concat("", [target_label, " is allowed"]), "allow", i, rule) if {
	some i, rule in rules("allow")
	applies(rule)
}

rule_denials contains _explained(concat("", [target_label, " is denied"]), "deny", i, rule) if {
	some i, rule in rules("deny")
	applies(rule)
}

# Scopes a require_scopes rule that applies needs and the principal lacks.
_missing(rule) := {scope |
	some scope in as_list(rule.scopes)
	is_string(scope)
	not scope in principal_scopes
}

missing_scopes contains scope if {
	some rule in rules("require_scopes")
	applies(rule)
	some scope in _missing(rule)
}

scope_denials contains msg if {
	some i, rule in rules("require_scopes")
	applies(rule)
	missing := sort(_missing(rule))
	count(missing) > 0
	text := concat("", [target_label, " requires ", _scopes_phrase(missing)])
	msg := concat("", [_scope_reason(rule, text, missing), " (", rule_label("require_scopes", i, rule), ")"])
}

_scopes_phrase(scopes) := concat("", ["scope ", scopes[0]]) if count(scopes) == 1

_scopes_phrase(scopes) := concat("", ["scopes ", concat(", ", scopes)]) if count(scopes) > 1

_scope_reason(rule, text, missing) := concat("", [rule.reason, ": missing ", _scopes_phrase(missing)]) if {
	is_string(rule.reason)
} else := text
