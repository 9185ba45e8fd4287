# Portcullis authorization policy: data.mcp.authz.decision is the entrypoint the gateway evaluates.
# The input document (version 1) and the decision contract are described in README.md.
# This is the seed policy; per-tool read / write / destructive rules grow here (policy issue).
package mcp.authz

import rego.v1

default decision := {"allow": false, "reasons": ["no rule allows this request"]}

decision := {"allow": true, "reasons": []} if {
	not deny_reasons
}

decision := {"allow": false, "reasons": deny_reasons} if {
	deny_reasons
}

deny_reasons := reasons if {
	reasons := [r | some r in _deny]
	count(reasons) > 0
}

_deny contains "destructive tools are not allowed" if {
	input.action == "tools/call"
	input.target.access == "destructive"
}

_deny contains "the principal has no subject" if {
	not input.principal.subject
}
