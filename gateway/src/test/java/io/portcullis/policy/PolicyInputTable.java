package io.portcullis.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The differential table: input documents (version 1) covering roles, access classes, allow and
 * deny lists, backend groups, scopes, lists, resources, prompts and other methods, each with the
 * outcome the fixture policy (src/test/resources/policies-fixture) should give it.
 */
final class PolicyInputTable {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** One row: a sentence naming the case, the input, and whether the fixture allows it. */
  record Case(String name, ObjectNode input, boolean allowedByFixture) {
    @Override
    public String toString() {
      return name;
    }
  }

  private PolicyInputTable() {
  }

  static List<Case> all() {
    List<Case> c = new ArrayList<>();
    // tools/call: roles against access classes
    c.add(new Case("a viewer calls a read tool", call(who("viewer"), tool("github__get_issue", "github", "read")), true));
    c.add(new Case("a viewer calls a write tool", call(who("viewer"), tool("github__create_issue", "github", "write")), false));
    c.add(new Case("a viewer calls a destructive tool", call(who("viewer"), tool("github__close_repo", "github", "destructive")), false));
    c.add(new Case("an editor calls a read tool", call(who("editor"), tool("github__get_issue", "github", "read")), true));
    c.add(new Case("an editor calls a write tool", call(who("editor"), tool("github__create_issue", "github", "write")), true));
    c.add(new Case("an editor calls a destructive tool", call(who("editor"), tool("github__close_repo", "github", "destructive")), false));
    c.add(new Case("an admin calls a read tool", call(who("admin"), tool("jira__get_ticket", "jira", "read")), true));
    c.add(new Case("an admin calls a write tool", call(who("admin"), tool("jira__create_ticket", "jira", "write")), true));
    c.add(new Case("an admin calls a destructive tool", call(who("admin"), tool("jira__purge_project", "jira", "destructive")), true));
    c.add(new Case("a principal with no roles calls a read tool", call(who(), tool("github__get_issue", "github", "read")), false));
    c.add(new Case("an unknown role calls a read tool", call(who("guest"), tool("github__get_issue", "github", "read")), false));
    c.add(new Case("a viewer who is also an editor calls a write tool",
        call(who("viewer", "editor"), tool("github__create_issue", "github", "write")), true));
    c.add(new Case("an admin without a subject calls a read tool", call(anonymous("admin"), tool("github__get_issue", "github", "read")), false));
    c.add(new Case("a request with no principal calls a read tool", without(call(who("admin"), tool("github__get_issue", "github", "read")),
        "principal"), false));
    c.add(new Case("a tool without an access class is called by an editor", call(who("editor"), tool("github__mystery", "github", null)), false));
    c.add(new Case("a tool with an unknown access class is called by an admin", call(who("admin"), tool("github__odd", "github", "exotic")), false));
    c.add(new Case("a call without a target", without(call(who("admin"), tool("x", "y", "read")), "target"), false));
    // allow and deny lists, deny wins
    c.add(new Case("a viewer calls an allow-listed write tool", call(who("viewer"), tool("search__web", "search", "write")), true));
    c.add(new Case("a principal with no roles calls an allow-listed tool", call(who(), tool("search__docs", "search", "read")), true));
    c.add(new Case("an admin calls a deny-listed delete tool", call(who("admin"), tool("github__delete_repo", "github", "destructive")), false));
    c.add(new Case("an editor calls a deny-listed delete tool of another backend",
        call(who("editor"), tool("files__delete_file", "files", "write")), false));
    c.add(new Case("an admin calls the deny-listed merge tool", call(who("admin"), tool("github__merge_pull_request", "github", "write")), false));
    c.add(new Case("an admin calls a tool whose name only starts like a deny-listed one",
        call(who("admin"), tool("github__merge_pull_requests", "github", "write")), true));
    c.add(new Case("a viewer calls a tool on both the allow and the deny list",
        call(who("viewer"), tool("search__delete_index", "search", "read")), false));
    c.add(new Case("a viewer calls an allow-listed tool with glob characters in its name",
        call(who("viewer"), tool("search__[x]?*", "search", "write")), true));
    c.add(new Case("a viewer calls a read tool whose name is not ASCII", call(who("viewer"), tool("wiki__ñandú_lesen", "wiki", "read")), true));
    // only group X may call backend Y
    c.add(new Case("an editor outside the finance group calls payroll", call(who("editor"), tool("payroll__read_salary", "payroll", "read")), false));
    c.add(new Case("an editor in the finance group calls payroll",
        call(who(List.of("editor"), List.of("finance"), List.of()), tool("payroll__read_salary", "payroll", "read")), true));
    c.add(new Case("a viewer in the finance group calls a payroll write tool",
        call(who(List.of("viewer"), List.of("finance"), List.of()), tool("payroll__update_salary", "payroll", "write")), false));
    // this tool only with scope Z
    c.add(new Case("an admin without the release scope creates a release",
        call(who("admin"), tool("github__create_release", "github", "write")), false));
    c.add(new Case("an admin with the release scope creates a release",
        call(who(List.of("admin"), List.of(), List.of("mcp", "repo:release")), tool("github__create_release", "github", "write")), true));
    c.add(new Case("an editor with the release scope creates a release",
        call(who(List.of("editor"), List.of(), List.of("repo:release")), tool("github__create_release", "github", "write")), true));
    c.add(new Case("a viewer with the release scope creates a release",
        call(who(List.of("viewer"), List.of(), List.of("repo:release")), tool("github__create_release", "github", "write")), false));
    c.add(new Case("an editor with unrelated scopes creates a release",
        call(who(List.of("editor"), List.of(), List.of("mcp", "repo:read")), tool("github__create_release", "github", "write")), false));
    c.add(new Case("a principal with no subject, no group and no scope calls payroll's release tool",
        call(anonymous("admin"), tool("payroll__create_release", "payroll", "write")), false));
    c.add(new Case("an editor calls a read tool with about a kilobyte of arguments",
        withArguments(call(who("editor"), tool("docs__search", "docs", "read"))), true));
    // tools/list items
    c.add(new Case("a viewer lists a read tool", list("tools/list", who("viewer"), tool("github__get_issue", "github", "read")), true));
    c.add(new Case("a viewer lists a write tool", list("tools/list", who("viewer"), tool("github__create_issue", "github", "write")), false));
    c.add(new Case("an editor lists a destructive tool", list("tools/list", who("editor"), tool("jira__purge_project", "jira", "destructive")), false));
    c.add(new Case("an admin lists a deny-listed tool", list("tools/list", who("admin"), tool("files__delete_file", "files", "destructive")), false));
    c.add(new Case("an admin without the release scope lists the release tool",
        list("tools/list", who("admin"), tool("github__create_release", "github", "write")), true));
    c.add(new Case("a principal with no roles lists an allow-listed tool", list("tools/list", who(), tool("search__web", "search", "read")), true));
    // resources
    c.add(new Case("a viewer reads a resource", list("resources/read", who("viewer"), resource("file:///notes.md", "files")), true));
    c.add(new Case("a principal with no roles reads a resource", list("resources/read", who(), resource("file:///notes.md", "files")), false));
    c.add(new Case("an editor lists a resource", list("resources/list", who("editor"), resource("file:///a.txt", "files")), true));
    c.add(new Case("a viewer outside finance reads a payroll resource",
        list("resources/read", who("viewer"), resource("payroll://2026/05", "payroll")), false));
    c.add(new Case("an admin lists resource templates", list("resources/templates/list", who("admin"), resource("file:///{path}", "files")), true));
    // prompts
    c.add(new Case("a viewer gets a prompt", list("prompts/get", who("viewer"), prompt("summarise", "docs")), false));
    c.add(new Case("an editor gets a prompt", list("prompts/get", who("editor"), prompt("summarise", "docs")), true));
    c.add(new Case("an admin lists a prompt", list("prompts/list", who("admin"), prompt("triage", "jira")), true));
    c.add(new Case("a principal with no roles lists a prompt", list("prompts/list", who(), prompt("triage", "jira")), false));
    // other methods
    c.add(new Case("a principal with no roles initializes", other("initialize", who()), true));
    c.add(new Case("a viewer pings", other("ping", who("viewer")), true));
    c.add(new Case("a principal without a subject pings", other("ping", anonymous()), false));
    c.add(new Case("a viewer sets the log level", other("logging/setLevel", who("viewer")), true));
    c.add(new Case("an editor asks for completions", other("completion/complete", who("editor")), true));
    c.add(new Case("a viewer sends the initialized notification", other("notifications/initialized", who("viewer")), true));
    c.add(new Case("an admin uses a method the policy does not know", other("sampling/createMessage", who("admin")), false));
    c.add(new Case("a request without an action", without(other("ping", who("admin")), "action"), false));
    return c;
  }

  /** The rows whose action is a list method (decided item by item). */
  static List<Case> listItems() {
    return all().stream().filter(c -> c.input().path("action").asText().endsWith("/list")).toList();
  }

  static ObjectNode who(String... roles) {
    return who(List.of(roles), List.of(), List.of("mcp"));
  }

  static ObjectNode who(List<String> roles, List<String> groups, List<String> scopes) {
    ObjectNode p = JSON.objectNode();
    p.put("subject", "alice@example.com").put("provider", "jwt").put("client_id", "claude-ai");
    strings(p.putArray("roles"), roles);
    strings(p.putArray("groups"), groups);
    strings(p.putArray("scopes"), scopes);
    p.putObject("claims").put("email", "alice@example.com");
    return p;
  }

  static ObjectNode anonymous(String... roles) {
    ObjectNode p = who(roles);
    p.remove("subject");
    return p;
  }

  static ObjectNode tool(String name, String backend, String access) {
    ObjectNode t = JSON.objectNode().put("kind", "tool").put("name", name).put("backend", backend)
        .put("upstream_name", name.contains("__") ? name.substring(name.indexOf("__") + 2) : name);
    if (access != null) {
      t.put("access", access);
    }
    t.putObject("annotations").put("readOnlyHint", "read".equals(access));
    return t;
  }

  static ObjectNode resource(String uri, String backend) {
    return JSON.objectNode().put("kind", "resource").put("name", uri).put("backend", backend);
  }

  static ObjectNode prompt(String name, String backend) {
    return JSON.objectNode().put("kind", "prompt").put("name", name).put("backend", backend);
  }

  static ObjectNode call(ObjectNode principal, ObjectNode target) {
    ObjectNode in = base("tools/call", principal);
    in.set("target", target);
    in.putObject("arguments").put("title", "Crash on start").put("count", 3);
    return in;
  }

  static ObjectNode list(String action, ObjectNode principal, ObjectNode target) {
    ObjectNode in = base(action, principal);
    in.set("target", target);
    return in;
  }

  static ObjectNode other(String action, ObjectNode principal) {
    return base(action, principal);
  }

  /** A tools/call input of about 1 KB, as the benchmark uses. */
  static ObjectNode withArguments(ObjectNode in) {
    ObjectNode args = in.putObject("arguments");
    args.put("query", "how do I configure the gateway's policy engine for an OPA sidecar fed by bundles?");
    ArrayNode filters = args.putArray("filters");
    for (int i = 0; i < 8; i++) {
      filters.addObject().put("field", "label" + i).put("op", "eq").put("value", "portcullis-" + i).put("weight", i * 0.5);
    }
    args.put("limit", 20).put("highlight", true).put("cursor", "eyJvZmZzZXQiOjQwLCJzb3J0IjoicmVsZXZhbmNlIn0=");
    return in;
  }

  static ObjectNode without(ObjectNode in, String field) {
    in.remove(field);
    return in;
  }

  private static ObjectNode base(String action, ObjectNode principal) {
    ObjectNode in = JSON.objectNode().put("action", action);
    in.set("principal", principal);
    ObjectNode session = in.putObject("session");
    session.putObject("client").put("name", "claude-ai").put("version", "0.1");
    session.put("protocol_version", "2025-11-25");
    in.putObject("request").put("source_ip", "10.0.0.7").put("user_agent", "Claude-User");
    return in;
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }
}
