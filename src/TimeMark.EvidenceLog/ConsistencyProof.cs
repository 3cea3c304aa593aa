// RFC 9162 §2.1.4 (Merkle consistency proofs; RFC 6962 §2.1.2).
// Production follows §2.1.4.1 PROOF(m, D[n]) / SUBPROOF(m, D[n], b) using stored subtree hashes;
// verification follows the §2.1.4.2 algorithm step by step. Compatible with
// golang.org/x/mod/sumdb/tlog ProveTree/CheckTree.
//
// RFC 9162 defines proofs only for 0 < m < n. For the two trivial cases this log issues and accepts
// an empty proof: m == n (the roots must be equal) and m == 0 (the old root must be the empty-tree
// hash), because a log's first checkpoint may be of the empty tree.

using System.Collections.Immutable;

namespace TimeMark.EvidenceLog;

/// <summary>
/// A proof that the tree of <see cref="OldSize"/> entries is a prefix of the tree of <see cref="NewSize"/>
/// entries. <see cref="Path"/> is RFC 9162's consistency_path.
/// </summary>
public sealed class ConsistencyProof
{
    private ConsistencyProof(long oldSize, long newSize, ImmutableArray<Hash> path)
    {
        OldSize = oldSize;
        NewSize = newSize;
        Path = path;
    }

    /// <summary>The size of the earlier tree.</summary>
    public long OldSize { get; }

    /// <summary>The size of the later tree.</summary>
    public long NewSize { get; }

    /// <summary>The consistency path, in RFC 9162 order.</summary>
    public ImmutableArray<Hash> Path { get; }

    /// <summary>The storage indexes whose hashes <see cref="FromStoredHashes"/> needs, in that order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ oldSize ≤ newSize.</exception>
    public static long[] StoredHashIndexes(long oldSize, long newSize)
    {
        CheckInputs(oldSize, newSize);
        var need = new List<long>();
        if (0 < oldSize && oldSize < newSize)
        {
            PlanSubproof(0, newSize, oldSize, need);
        }

        return [.. need];
    }

    /// <summary>Builds the proof from the hashes read at <see cref="StoredHashIndexes"/>.</summary>
    /// <exception cref="ArgumentException">storedHashes does not match the plan.</exception>
    public static ConsistencyProof FromStoredHashes(long oldSize, long newSize, ReadOnlySpan<Hash> storedHashes)
    {
        int expected = StoredHashIndexes(oldSize, newSize).Length;
        if (storedHashes.Length != expected)
        {
            throw Errors.SpanLength(nameof(storedHashes), storedHashes.Length, expected);
        }

        var path = ImmutableArray.CreateBuilder<Hash>();
        if (0 < oldSize && oldSize < newSize)
        {
            int position = 0;
            BuildSubproof(0, newSize, oldSize, storedHashes, ref position, path);
            if (position != storedHashes.Length)
            {
                throw Errors.BadMath(nameof(FromStoredHashes));
            }
        }

        return new ConsistencyProof(oldSize, newSize, path.ToImmutable());
    }

    /// <summary>Proves that the tree of <paramref name="oldSize"/> entries is a prefix of the tree of <paramref name="newSize"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ oldSize ≤ newSize.</exception>
    /// <summary>
    /// Proves from asynchronous storage: one batched read of the stored hashes <see cref="StoredHashIndexes"/> names.
    /// </summary>
    public static async Task<ConsistencyProof> ProveAsync(long oldSize, long newSize, Func<long[], CancellationToken, Task<Hash[]>> readHashes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readHashes);
        Hash[] hashes = await readHashes(StoredHashIndexes(oldSize, newSize), cancellationToken).ConfigureAwait(false);
        return FromStoredHashes(oldSize, newSize, hashes);
    }

    public static ConsistencyProof Prove(long oldSize, long newSize, IHashReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        long[] indexes = StoredHashIndexes(oldSize, newSize);
        var hashes = new Hash[indexes.Length];
        if (indexes.Length > 0)
        {
            reader.ReadHashes(indexes, hashes);
        }

        return FromStoredHashes(oldSize, newSize, hashes);
    }

    /// <summary>
    /// Checks that <paramref name="path"/> proves the tree (<paramref name="oldSize"/>, <paramref name="oldRoot"/>)
    /// is a prefix of the tree (<paramref name="newSize"/>, <paramref name="newRoot"/>).
    /// Returns false for any bad input (including negative sizes or oldSize &gt; newSize); it never says why.
    /// </summary>
    public static bool Verify(long oldSize, long newSize, ReadOnlySpan<Hash> path, in Hash oldRoot, in Hash newRoot)
    {
        if (oldSize < 0 || newSize < oldSize)
        {
            return false;
        }

        // The trivial cases RFC 9162 leaves out (see the file header).
        if (oldSize == 0)
        {
            return path.IsEmpty && oldRoot == MerkleHash.Empty;
        }

        if (oldSize == newSize)
        {
            return path.IsEmpty && oldRoot == newRoot;
        }

        // RFC 9162 §2.1.4.2, step 1.
        if (path.IsEmpty)
        {
            return false;
        }

        // Step 2: when first is a power of two, first_hash is prepended to the path. Rather than copy the
        // path, "seed" is its first value and "rest" the values that follow it.
        bool prepend = (oldSize & (oldSize - 1)) == 0;
        Hash seed = prepend ? oldRoot : path[0];
        ReadOnlySpan<Hash> rest = prepend ? path : path[1..];

        // Step 3.
        long fn = oldSize - 1;
        long sn = newSize - 1;

        // Step 4.
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        // Step 5.
        Hash fr = seed;
        Hash sr = seed;

        // Step 6.
        foreach (Hash c in rest)
        {
            // 6a.
            if (sn == 0)
            {
                return false;
            }

            // 6b.
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = MerkleHash.Node(c, fr);
                sr = MerkleHash.Node(c, sr);
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
                sr = MerkleHash.Node(sr, c);
            }

            // 6c.
            fn >>= 1;
            sn >>= 1;
        }

        // Step 7.
        return fr == oldRoot && sr == newRoot && sn == 0;
    }

    private static void CheckInputs(long oldSize, long newSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        if (newSize < oldSize)
        {
            throw Errors.OutOfRange(nameof(newSize), newSize, $"consistency proof needs oldSize ({oldSize}) <= newSize");
        }
    }

    // SUBPROOF(m, D[lo:hi], b) of RFC 9162 §2.1.4.1 as storage indexes; b is "lo == 0".
    // Requires lo < m <= hi.
    private static void PlanSubproof(long lo, long hi, long m, List<long> need)
    {
        if (!(lo < m && m <= hi))
        {
            throw Errors.BadMath(nameof(PlanSubproof));
        }

        if (m == hi)
        {
            if (lo != 0)
            {
                MerkleTree.SubtreeIndexes(lo, hi, need);
            }

            return;
        }

        (long k, _) = MerkleTree.MaxPow2(hi - lo);
        if (m <= lo + k)
        {
            PlanSubproof(lo, lo + k, m, need);
            MerkleTree.SubtreeIndexes(lo + k, hi, need);
        }
        else
        {
            MerkleTree.SubtreeIndexes(lo, lo + k, need);
            PlanSubproof(lo + k, hi, m, need);
        }
    }

    // SUBPROOF(m, D[lo:hi], b), consuming hashes in the order PlanSubproof listed them.
    private static void BuildSubproof(long lo, long hi, long m, ReadOnlySpan<Hash> hashes, ref int position, ImmutableArray<Hash>.Builder path)
    {
        if (!(lo < m && m <= hi))
        {
            throw Errors.BadMath(nameof(BuildSubproof));
        }

        if (m == hi)
        {
            // With b true (lo == 0) this subtree is the old tree, whose root the verifier already has.
            if (lo != 0)
            {
                path.Add(MerkleTree.SubtreeHash(lo, hi, hashes, ref position));
            }

            return;
        }

        (long k, _) = MerkleTree.MaxPow2(hi - lo);
        if (m <= lo + k)
        {
            BuildSubproof(lo, lo + k, m, hashes, ref position, path);
            path.Add(MerkleTree.SubtreeHash(lo + k, hi, hashes, ref position));
        }
        else
        {
            Hash left = MerkleTree.SubtreeHash(lo, lo + k, hashes, ref position);
            BuildSubproof(lo + k, hi, m, hashes, ref position, path);
            path.Add(left);
        }
    }
}
