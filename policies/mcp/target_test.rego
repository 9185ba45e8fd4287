# Tests of actions, targets, the access class a target needs and how reasons name it.
package mcp.authz_test

import rego.v1

import data.mcp.authz

test_every_session_action_is_allowed if {
	every action in authz.session_actions {
		authz.decision.allow with input as session_request(action, nobody)
	}
}

test_notifications_are_allowed if {
	authz.decision.allow with input as session_request("notifications/initialized", nobody)
	authz.decision.allow with input as session_request("notifications/cancelled", viewer)
}

test_a_list_method_without_a_target_is_a_session_action if {
	every action in authz.list_actions {
		authz.session_request with input as session_request(action, nobody)
		authz.decision.allow with input as session_request(action, nobody)
	}
}

test_an_unknown_action_is_denied if {
	d := authz.decision with input as session_request("sampling/createMessage", admin)
	d == {"allow": false, "reasons": ["the policy does not allow action \"sampling/createMessage\""]}
}

test_a_missing_action_is_denied if {
	d := authz.decision with input as {"version": 1, "principal": admin}
	d == {"allow": false, "reasons": ["the policy does not allow action (missing or not a string)"]}
}

test_a_target_action_without_a_target_is_denied if {
	d := authz.decision with input as session_request("tools/call", admin)
	d == {"allow": false, "reasons": ["tools/call needs a target"]}
}

test_a_target_of_the_wrong_kind_is_denied if {
	d := authz.decision with input as request("tools/call", admin, prompt("review"))
	d == {"allow": false, "reasons": ["target kind \"prompt\" does not fit action tools/call"]}
}

test_a_target_without_a_kind_is_denied if {
	d := authz.decision with input as request("tools/call", admin, {"name": "x"})
	d == {"allow": false, "reasons": ["target kind (missing or not a string) does not fit action tools/call"]}
}

test_only_input_version_1_is_read if {
	d := authz.decision with input as object.union(call(admin, tool("a__b", "read")), {"version": 2})
	d == {"allow": false, "reasons": ["the input document is not version 1"]}
	authz.decision.allow with input as object.remove(call(admin, tool("a__b", "read")), ["version"])
}

test_resources_and_prompts_are_read_by_viewers if {
	every action_target in [
		["resources/read", resource("file:///README.md")],
		["resources/read", template("logs")],
		["resources/subscribe", resource("file:///README.md")],
		["resources/list", resource("file:///README.md")],
		["resources/templates/list", template("logs")],
		["prompts/get", prompt("review")],
		["prompts/list", prompt("review")],
		["completion/complete", prompt("review")],
		["completion/complete", template("logs")],
	] {
		authz.decision.allow with input as request(action_target[0], viewer, action_target[1])
		not authz.decision.allow with input as request(action_target[0], nobody, action_target[1])
	}
}

test_reading_a_resource_names_it_by_uri if {
	d := authz.decision with input as request("resources/read", nobody, resource("file:///README.md"))
	d.reasons == ["the principal has no role that grants read access to resource file:///README.md"]
}

test_a_tool_needs_its_access_class if {
	authz.required_access == "write" with input as call(viewer, tool("a__b", "write"))
}

test_a_tool_without_a_known_access_class_needs_destructive if {
	authz.required_access == "destructive" with input as call(viewer, object.remove(tool("a__b", "read"), ["access"]))
	authz.required_access == "destructive" with input as call(viewer, tool("a__b", "sideways"))
	not authz.decision.allow with input as call(editor, object.remove(tool("a__b", "read"), ["access"]))
}

test_a_resource_needs_read_unless_data_says_otherwise if {
	authz.required_access == "read" with input as request("resources/read", viewer, resource("file:///x"))
	authz.required_access == "write" with input as request("resources/read", viewer, resource("file:///x"))
		with data.portcullis as config({"kind_access": {"resource": "write"}})
	authz.required_access == "read" with input as request("prompts/get", viewer, prompt("p"))
		with data.portcullis as config({"kind_access": {"resource": "write"}})
}

test_a_resource_access_tool_field_is_ignored if {
	authz.required_access == "read" with input as request("resources/read", viewer, object.union(resource("file:///x"), {"access": "destructive"}))
}

test_target_labels if {
	authz.target_label == "github__search" with input as call(viewer, tool("github__search", "read"))
	authz.target_label == "resource file:///x" with input as request("resources/read", viewer, resource("file:///x"))
	authz.target_label == "resource readme" with input as request("resources/read", viewer, object.remove(resource("file:///x"), ["uri"]))
	authz.target_label == "prompt review" with input as request("prompts/get", viewer, prompt("review"))
	authz.target_label == "resource template logs" with input as request("resources/read", viewer, template("logs"))
	authz.target_label == "the target" with input as call(viewer, object.remove(tool("a__b", "read"), ["name"]))
	authz.target_label == "the target" with input as request("prompts/get", viewer, {"kind": "prompt"})
}

test_target_field_is_null_when_absent if {
	authz.target_field("uri") == null with input as call(viewer, tool("a__b", "read"))
	authz.target_field("backend") == "a" with input as call(viewer, tool("a__b", "read"))
}
