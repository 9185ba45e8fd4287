package io.portcullis.config;

/** One MCP server behind the gateway: exactly one of {@code http} and {@code stdio} is set. */
public record BackendConfig(String name, HttpBackendConfig http, StdioBackendConfig stdio) {
}
