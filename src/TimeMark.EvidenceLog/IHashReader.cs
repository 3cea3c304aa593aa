// Stored-hash access in the style of golang.org/x/mod/sumdb/tlog.HashReader: one batched read per
// operation, addressed by the storage indexes of MerkleTree.StoredHashIndex.

namespace TimeMark.EvidenceLog;

/// <summary>Reads stored Merkle tree hashes by storage index (see <see cref="MerkleTree.StoredHashIndex"/>).</summary>
/// <remarks>
/// Every tree operation asks for all the hashes it needs in one call, with indexes in the order the math
/// consumes them (usually increasing), so a store can serve them with one query.
/// Stores with asynchronous I/O use the plan/compute pairs instead (for example
/// <see cref="InclusionProof.StoredHashIndexes"/> then <see cref="InclusionProof.FromStoredHashes"/>),
/// reading the planned indexes asynchronously in between.
/// </remarks>
public interface IHashReader
{
    /// <summary>
    /// Writes the hash stored at <c>indexes[i]</c> into <c>destination[i]</c> for every i.
    /// <paramref name="destination"/> has exactly <c>indexes.Length</c> elements.
    /// An implementation that does not hold a requested hash throws; it never leaves an element unwritten.
    /// </summary>
    public void ReadHashes(ReadOnlySpan<long> indexes, Span<Hash> destination);
}
