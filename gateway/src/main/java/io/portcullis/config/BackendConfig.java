package io.portcullis.config;

/**
 * One MCP server behind the gateway: exactly one of {@code http} (Streamable HTTP), {@code sse}
 * (the HTTP+SSE transport of 2024-11-05; its {@code url} is the SSE endpoint) and {@code stdio}
 * is set.
 * {@code prefix} says whether its tool and prompt names are shown as {@code <name><separator><tool>}
 * and its resource URIs as {@code <name>+<uri>}; left out, it is true when several backends are
 * configured and false for a lone backend.
 */
public record BackendConfig(String name, Boolean prefix, HttpBackendConfig http, HttpBackendConfig sse, StdioBackendConfig stdio) {
}
