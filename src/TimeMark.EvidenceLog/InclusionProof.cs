// RFC 9162 §2.1.3 (Merkle inclusion proofs; RFC 6962 §2.1.1 calls them "Merkle audit paths").
// Production follows §2.1.3.1 PATH(m, D[n]) using stored subtree hashes; verification follows the
// §2.1.3.2 algorithm step by step. Compatible with golang.org/x/mod/sumdb/tlog ProveRecord/CheckRecord.

using System.Collections.Immutable;

namespace TimeMark.EvidenceLog;

/// <summary>
/// A proof that the entry at <see cref="LeafIndex"/> is in the tree of <see cref="TreeSize"/> entries.
/// <see cref="Path"/> lists sibling hashes from the leaf up to the root, as RFC 9162's inclusion_path.
/// </summary>
public sealed class InclusionProof
{
    private InclusionProof(long leafIndex, long treeSize, ImmutableArray<Hash> path)
    {
        LeafIndex = leafIndex;
        TreeSize = treeSize;
        Path = path;
    }

    /// <summary>The 0-based index of the proven entry.</summary>
    public long LeafIndex { get; }

    /// <summary>The size of the tree the proof leads to.</summary>
    public long TreeSize { get; }

    /// <summary>The audit path, leaf side first.</summary>
    public ImmutableArray<Hash> Path { get; }

    /// <summary>The storage indexes whose hashes <see cref="FromStoredHashes"/> needs, in that order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ leafIndex &lt; treeSize.</exception>
    public static long[] StoredHashIndexes(long leafIndex, long treeSize)
    {
        CheckInputs(leafIndex, treeSize);
        var need = new List<long>();
        PlanPath(0, treeSize, leafIndex, need);
        return [.. need];
    }

    /// <summary>Builds the proof from the hashes read at <see cref="StoredHashIndexes"/>.</summary>
    /// <exception cref="ArgumentException">storedHashes does not match the plan.</exception>
    public static InclusionProof FromStoredHashes(long leafIndex, long treeSize, ReadOnlySpan<Hash> storedHashes)
    {
        int expected = StoredHashIndexes(leafIndex, treeSize).Length;
        if (storedHashes.Length != expected)
        {
            throw Errors.SpanLength(nameof(storedHashes), storedHashes.Length, expected);
        }

        var path = ImmutableArray.CreateBuilder<Hash>();
        int position = 0;
        BuildPath(0, treeSize, leafIndex, storedHashes, ref position, path);
        if (position != storedHashes.Length)
        {
            throw Errors.BadMath(nameof(FromStoredHashes));
        }

        return new InclusionProof(leafIndex, treeSize, path.ToImmutable());
    }

    /// <summary>Proves that entry <paramref name="leafIndex"/> is in the tree of <paramref name="treeSize"/> entries.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ leafIndex &lt; treeSize.</exception>
    /// <summary>
    /// Proves from asynchronous storage: one batched read of the stored hashes <see cref="StoredHashIndexes"/> names.
    /// </summary>
    public static async Task<InclusionProof> ProveAsync(long leafIndex, long treeSize, Func<long[], CancellationToken, Task<Hash[]>> readHashes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readHashes);
        Hash[] hashes = await readHashes(StoredHashIndexes(leafIndex, treeSize), cancellationToken).ConfigureAwait(false);
        return FromStoredHashes(leafIndex, treeSize, hashes);
    }

    public static InclusionProof Prove(long leafIndex, long treeSize, IHashReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        long[] indexes = StoredHashIndexes(leafIndex, treeSize);
        var hashes = new Hash[indexes.Length];
        if (indexes.Length > 0)
        {
            reader.ReadHashes(indexes, hashes);
        }

        return FromStoredHashes(leafIndex, treeSize, hashes);
    }

    /// <summary>
    /// Checks that <paramref name="path"/> proves the entry with <paramref name="leafHash"/> is at
    /// <paramref name="leafIndex"/> in the tree of <paramref name="treeSize"/> entries with <paramref name="rootHash"/>.
    /// Returns false for any bad input (including negative or out-of-range numbers); it never says why.
    /// </summary>
    public static bool Verify(long leafIndex, long treeSize, ReadOnlySpan<Hash> path, in Hash leafHash, in Hash rootHash)
    {
        // RFC 9162 §2.1.3.2, step 1: the index must lie inside the tree.
        if (leafIndex < 0 || leafIndex >= treeSize)
        {
            return false;
        }

        // Step 2 and 3.
        long fn = leafIndex;
        long sn = treeSize - 1;
        Hash r = leafHash;

        // Step 4.
        foreach (Hash p in path)
        {
            // 4a: a path longer than the tree is tall.
            if (sn == 0)
            {
                return false;
            }

            // 4b.
            if ((fn & 1) == 1 || fn == sn)
            {
                r = MerkleHash.Node(p, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                r = MerkleHash.Node(r, p);
            }

            // 4c.
            fn >>= 1;
            sn >>= 1;
        }

        // Step 5.
        return sn == 0 && r == rootHash;
    }

    private static void CheckInputs(long leafIndex, long treeSize)
    {
        if (leafIndex < 0 || leafIndex >= treeSize)
        {
            throw Errors.OutOfRange(nameof(leafIndex), leafIndex, $"inclusion proof needs 0 <= leafIndex < treeSize ({treeSize})");
        }
    }

    // PATH(m, D[lo:hi]) of RFC 9162 §2.1.3.1, as the storage indexes it needs. Requires lo <= m < hi.
    private static void PlanPath(long lo, long hi, long m, List<long> need)
    {
        if (!(lo <= m && m < hi))
        {
            throw Errors.BadMath(nameof(PlanPath));
        }

        if (lo + 1 == hi)
        {
            return;
        }

        (long k, _) = MerkleTree.MaxPow2(hi - lo);
        if (m < lo + k)
        {
            PlanPath(lo, lo + k, m, need);
            MerkleTree.SubtreeIndexes(lo + k, hi, need);
        }
        else
        {
            MerkleTree.SubtreeIndexes(lo, lo + k, need);
            PlanPath(lo + k, hi, m, need);
        }
    }

    // PATH(m, D[lo:hi]): the path to the left subtree then MTH of the right, or the other way round.
    // Consumes hashes in exactly the order PlanPath listed them. Requires lo <= m < hi.
    private static void BuildPath(long lo, long hi, long m, ReadOnlySpan<Hash> hashes, ref int position, ImmutableArray<Hash>.Builder path)
    {
        if (!(lo <= m && m < hi))
        {
            throw Errors.BadMath(nameof(BuildPath));
        }

        if (lo + 1 == hi)
        {
            // The verifier knows the leaf hash, so the path stops here.
            return;
        }

        (long k, _) = MerkleTree.MaxPow2(hi - lo);
        if (m < lo + k)
        {
            BuildPath(lo, lo + k, m, hashes, ref position, path);
            path.Add(MerkleTree.SubtreeHash(lo + k, hi, hashes, ref position));
        }
        else
        {
            Hash left = MerkleTree.SubtreeHash(lo, lo + k, hashes, ref position);
            BuildPath(lo + k, hi, m, hashes, ref position, path);
            path.Add(left);
        }
    }
}
