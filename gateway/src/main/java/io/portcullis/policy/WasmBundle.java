package io.portcullis.policy;

/**
 * A policy built to Wasm: the module, the data document it evaluates against, the revision
 * (the short content hash of the policy directory it was built from), and what its Rego reads.
 */
record WasmBundle(String revision, String contentHash, byte[] wasm, String data, PolicyReads reads) {
}
