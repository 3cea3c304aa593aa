// One row of the evidence log's entries table as stored: the entry bytes and the leaf hash stored beside them.
// Nothing here is trusted: `timemark log verify` recomputes SHA-256(0x00 || Bytes) (RFC 6962 §2.1) and compares.

namespace TimeMark.EvidenceLog;

/// <summary>An entry read back from a store, with the leaf hash the store holds for it (not recomputed).</summary>
/// <param name="Index">The entry's log index.</param>
/// <param name="LeafHash">The leaf hash stored beside the entry.</param>
/// <param name="Bytes">The stored entry bytes (the deterministic CBOR of <see cref="LogEntry"/>).</param>
public readonly record struct StoredEntry(long Index, Hash LeafHash, byte[] Bytes);
