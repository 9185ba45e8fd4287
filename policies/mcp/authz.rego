# Portcullis authorization policy. Entrypoints:
#   data.mcp.authz.decision  - the decision for one input document (version 1)
#   data.mcp.authz.decisions - one decision per element of input.items, in order (lists)
# A decision is {"allow": bool, "reasons": [string]} plus "required_scopes": [string] when a
# missing scope is the only thing standing in the way. The contract is in README.md.
package mcp.authz

import rego.v1

# Never undefined: whatever no rule below decides is denied.
default decision := {"allow": false, "reasons": ["no rule allows this request"]}

decision := {"allow": false, "reasons": problems} if count(problems) > 0

decision := {"allow": true, "reasons": [concat("", [input.action, " is allowed for any authenticated principal"])]} if {
	count(problems) == 0
	session_request
}

decision := {"allow": true, "reasons": grants} if {
	count(problems) == 0
	target_request
	count(grants) > 0
	count(denials) == 0
}

decision := {"allow": false, "reasons": denials} if {
	count(problems) == 0
	target_request
	count(denials) > 0
	not step_up
}

decision := {"allow": false, "reasons": denials, "required_scopes": sort(missing_scopes)} if {
	count(problems) == 0
	target_request
	step_up
}

decisions := [d | some item in input.items; d := decision with input as item]

# Invalid data or an undecidable request: deny with only these reasons.
problems := sort({concat("", ["policy data is invalid: ", e]) | some e in data_errors} | request_problems)

# Why access is granted: the roles that grant the target's access class, the allow rules.
grants := array.concat(sort(role_grants), sort(allow_grants))

# Why it is denied: nothing grants it, a deny rule, a missing scope.
denials := array.concat(array.concat(sort(no_grant), sort(rule_denials)), sort(scope_denials))

# A missing scope is the only thing standing in the way: the client can step up.
step_up if {
	count(grants) > 0
	count(rule_denials) == 0
	count(missing_scopes) > 0
}
