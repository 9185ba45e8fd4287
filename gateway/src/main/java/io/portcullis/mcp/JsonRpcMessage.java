package io.portcullis.mcp;

/**
 * One JSON-RPC 2.0 message as MCP uses it: a request, a notification or a response.
 * Ids are kept as Jackson nodes (a string or an integer) so that they round-trip exactly.
 */
public sealed interface JsonRpcMessage permits JsonRpcRequest, JsonRpcNotification, JsonRpcResponse {
}
