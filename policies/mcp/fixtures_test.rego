# Shared fixtures for the policy tests: principals, targets, inputs and data.
package mcp.authz_test

import rego.v1

roles := {
	"viewer": ["read"],
	"editor": ["read", "write"],
	"admin": ["read", "write", "destructive"],
}

# data.portcullis with the shipped role mapping and the given extra settings.
config(extra) := object.union({"roles": roles}, extra)

person(subject, role_list) := {
	"subject": subject,
	"provider": "jwt",
	"client_id": "claude-ai",
	"roles": role_list,
	"groups": [],
	"scopes": ["mcp"],
	"claims": {},
}

viewer := person("vera@example.com", ["viewer"])

editor := person("ed@example.com", ["editor"])

admin := person("ada@example.com", ["admin"])

nobody := person("nico@example.com", [])

tool(name, access) := {
	"kind": "tool",
	"name": name,
	"backend": split(name, "__")[0],
	"upstream_name": split(name, "__")[1],
	"access": access,
	"annotations": {},
}

resource(uri) := {"kind": "resource", "name": "readme", "backend": "docs", "upstream_name": "readme", "uri": uri}

prompt(name) := {"kind": "prompt", "name": name, "backend": "docs", "upstream_name": name}

template(name) := {"kind": "resource_template", "name": name, "backend": "docs", "upstream_name": name}

request(action, principal, target) := {
	"version": 1,
	"action": action,
	"principal": principal,
	"target": target,
	"arguments": {},
	"session": {"client": {"name": "claude-ai", "version": "0.1"}, "protocol_version": "2025-11-25"},
	"request": {"source_ip": "10.0.0.7", "user_agent": "Claude-User"},
}

session_request(action, principal) := {
	"version": 1,
	"action": action,
	"principal": principal,
	"session": {"client": {"name": "claude-ai", "version": "0.1"}, "protocol_version": "2025-11-25"},
	"request": {"source_ip": "10.0.0.7", "user_agent": "Claude-User"},
}

call(principal, target) := request("tools/call", principal, target)
