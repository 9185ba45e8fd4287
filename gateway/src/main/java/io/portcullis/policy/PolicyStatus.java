package io.portcullis.policy;

/**
 * The engine's health for /readyz: whether a policy is loaded (decisions can be made), its
 * revision, and the last load or reload failure (null if none; a failed reload keeps the last
 * good policy, so {@code loaded} can be true with an error).
 */
public record PolicyStatus(boolean loaded, String revision, String lastError) {
}
