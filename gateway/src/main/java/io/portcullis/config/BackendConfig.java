package io.portcullis.config;

/**
 * One MCP server behind the gateway: exactly one of {@code http} and {@code stdio} is set.
 * {@code prefix} says whether its tool and prompt names are shown as {@code <name><separator><tool>}
 * and its resource URIs as {@code <name>+<uri>}; left out, it is true when several backends are
 * configured and false for a lone backend.
 */
public record BackendConfig(String name, Boolean prefix, HttpBackendConfig http, StdioBackendConfig stdio) {
}
