// RFC 6962 §2.1 / RFC 9162 §2.1.1 Merkle Tree Hash, computed from stored subtree hashes.
// Storage layout follows golang.org/x/mod/sumdb/tlog (StoredHashIndex, StoredHashes, TreeHash), which in
// turn follows Crosby and Wallach, "Efficient Data Structures for Tamper-Evident Logging", §3.3:
// the hash of every complete subtree of 2^L leaves starting at leaf n*2^L is stored once, at a dense
// linear index, right after the hashes written for the leaf that completed it.

using System.Diagnostics;
using System.Numerics;

namespace TimeMark.EvidenceLog;

/// <summary>
/// Stored-hash addressing and root computation for the evidence log's Merkle tree.
/// Appending entry n stores <c>1 + trailing ones of n</c> hashes (at most 64, on average under two);
/// the root of any tree size is rebuilt from at most 63 stored hashes.
/// </summary>
/// <remarks>Ranges are half-open, [lo, hi), as in RFC 9162's D[lo:hi].</remarks>
public static class MerkleTree
{
    /// <summary>The largest number of hashes <see cref="StoredHashes(long, in Hash, IHashReader, Span{Hash})"/> writes for one entry.</summary>
    public const int MaxStoredHashesPerEntry = 64;

    /// <summary>The highest tree level: a level-63 subtree holds 2^63 leaves, beyond any long index.</summary>
    public const int MaxLevel = 63;

    /// <summary>
    /// The storage index of the hash of the complete subtree at <paramref name="level"/> (2^level leaves)
    /// and position <paramref name="n"/> within that level, i.e. MTH(D[n*2^level : (n+1)*2^level]).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">level is outside 0..63 or n is negative.</exception>
    /// <exception cref="OverflowException">The subtree lies beyond the largest addressable tree.</exception>
    public static long StoredHashIndex(int level, long n)
    {
        if (level is < 0 or > MaxLevel)
        {
            throw Errors.OutOfRange(nameof(level), level, "tree level must be in 0..63");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(n);

        // Hash (L, n) is written right after its right child (L-1, 2n+1), so walk down the right edge to
        // the subtree's last leaf, whose append completed it; the level count is added back at the end.
        for (int l = level; l > 0; l--)
        {
            n = checked((2 * n) + 1);
        }

        // Level 0's hash n is written at n + n/2 + n/4 + ... (each earlier leaf's completed subtrees).
        long index = 0;
        for (; n > 0; n >>= 1)
        {
            index = checked(index + n);
        }

        return checked(index + level);
    }

    /// <summary>The inverse of <see cref="StoredHashIndex"/>: the (level, n) stored at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">index is negative.</exception>
    public static (int Level, long N) SplitStoredHashIndex(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);

        // StoredHashIndex(0, n) < 2n, so the entry that wrote this hash is in [index/2, index/2 + log2(index)].
        long n = index / 2;
        long indexN = StoredHashIndex(0, n);
        if (indexN > index)
        {
            throw Errors.BadMath(nameof(SplitStoredHashIndex));
        }

        while (true)
        {
            // Entry n writes 1 + trailingZeros(n+1) hashes.
            long next = indexN + 1 + BitOperations.TrailingZeroCount((ulong)(n + 1));
            if (next > index)
            {
                break;
            }

            n++;
            indexN = next;
        }

        // The hash was written with entry n: it is one of (0, n), (1, n/2), (2, n/4), ...
        int level = (int)(index - indexN);
        return (level, n >> level);
    }

    /// <summary>The number of stored hashes a tree of <paramref name="treeSize"/> entries has.</summary>
    public static long StoredHashCount(long treeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        if (treeSize == 0)
        {
            return 0;
        }

        // Up to and including the last leaf hash, plus the subtrees that leaf completed.
        long count = StoredHashIndex(0, treeSize - 1) + 1;
        return count + BitOperations.TrailingZeroCount(~(ulong)(treeSize - 1));
    }

    /// <summary>
    /// The storage indexes of the earlier hashes needed to append entry <paramref name="n"/>:
    /// one per subtree the entry completes, in increasing order.
    /// </summary>
    public static long[] StoredHashesIndexes(long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        long[] indexes = new long[CompletedSubtrees(n)];
        FillStoredHashesIndexes(n, indexes);
        return indexes;
    }

    /// <summary>
    /// Computes the hashes to store when appending entry <paramref name="n"/> with <paramref name="leafHash"/>,
    /// given the earlier hashes read at <see cref="StoredHashesIndexes"/>. They are stored consecutively
    /// from <c>StoredHashIndex(0, n)</c>. Returns the number of hashes written to <paramref name="destination"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static int StoredHashes(long n, in Hash leafHash, ReadOnlySpan<Hash> earlier, Span<Hash> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        int m = CompletedSubtrees(n);
        if (earlier.Length != m)
        {
            throw Errors.SpanLength(nameof(earlier), earlier.Length, m);
        }

        if (destination.Length < m + 1)
        {
            throw Errors.SpanLength(nameof(destination), destination.Length, m + 1);
        }

        // Each completed subtree joins its left sibling (read from storage) with the hash built so far.
        Hash h = leafHash;
        destination[0] = h;
        for (int i = 0; i < m; i++)
        {
            h = MerkleHash.Node(earlier[m - 1 - i], h);
            destination[i + 1] = h;
        }

        return m + 1;
    }

    /// <summary>
    /// Computes the hashes to store when appending entry <paramref name="n"/>, reading the earlier
    /// hashes it needs in one batch. Allocation-free. Returns the number of hashes written.
    /// </summary>
    public static int StoredHashes(long n, in Hash leafHash, IHashReader reader, Span<Hash> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentNullException.ThrowIfNull(reader);
        int m = CompletedSubtrees(n);
        Span<long> indexes = stackalloc long[m];
        Span<Hash> earlier = stackalloc Hash[m];
        FillStoredHashesIndexes(n, indexes);
        reader.ReadHashes(indexes, earlier);
        return StoredHashes(n, leafHash, earlier, destination);
    }

    /// <summary>The storage indexes needed to compute the root of a tree of <paramref name="treeSize"/> entries.</summary>
    public static long[] TreeHashIndexes(long treeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        var need = new List<long>(BitOperations.PopCount((ulong)treeSize));
        SubtreeIndexes(0, treeSize, need);
        return [.. need];
    }

    /// <summary>
    /// The root hash MTH(D[0:treeSize]) from the hashes read at <see cref="TreeHashIndexes"/>.
    /// The empty tree's root is <see cref="MerkleHash.Empty"/>.
    /// </summary>
    public static Hash TreeHash(long treeSize, ReadOnlySpan<Hash> storedHashes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        if (treeSize == 0)
        {
            return MerkleHash.Empty;
        }

        int expected = BitOperations.PopCount((ulong)treeSize);
        if (storedHashes.Length != expected)
        {
            throw Errors.SpanLength(nameof(storedHashes), storedHashes.Length, expected);
        }

        int position = 0;
        Hash root = SubtreeHash(0, treeSize, storedHashes, ref position);
        if (position != storedHashes.Length)
        {
            throw Errors.BadMath(nameof(TreeHash));
        }

        return root;
    }

    /// <summary>The root hash MTH(D[0:treeSize]), read in one batch of at most 63 hashes. Allocation-free.</summary>
    /// <summary>The root hash from asynchronous storage: one batched read of the hashes <see cref="TreeHashIndexes"/> names.</summary>
    public static async Task<Hash> TreeHashAsync(long treeSize, Func<long[], CancellationToken, Task<Hash[]>> readHashes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readHashes);
        Hash[] hashes = await readHashes(TreeHashIndexes(treeSize), cancellationToken).ConfigureAwait(false);
        return TreeHash(treeSize, hashes);
    }

    public static Hash TreeHash(long treeSize, IHashReader reader)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        ArgumentNullException.ThrowIfNull(reader);
        int count = BitOperations.PopCount((ulong)treeSize);
        Span<long> indexes = stackalloc long[count];
        Span<Hash> hashes = stackalloc Hash[count];
        int filled = 0;
        for (long lo = 0; lo < treeSize;)
        {
            // Same decomposition as SubtreeIndexes, without the list.
            (long k, int level) = MaxPow2(treeSize - lo + 1);
            indexes[filled++] = StoredHashIndex(level, lo >> level);
            lo += k;
        }

        if (count > 0)
        {
            reader.ReadHashes(indexes, hashes);
        }

        return TreeHash(treeSize, hashes);
    }

    /// <summary>
    /// Appends the storage indexes needed for MTH(D[lo:hi]): the complete subtrees that the range
    /// decomposes into, largest (leftmost) first. Requires lo to be aligned to the first subtree.
    /// </summary>
    internal static void SubtreeIndexes(long lo, long hi, List<long> need)
    {
        while (lo < hi)
        {
            (long k, int level) = MaxPow2(hi - lo + 1);
            if ((lo & (k - 1)) != 0)
            {
                throw Errors.BadMath(nameof(SubtreeIndexes));
            }

            need.Add(StoredHashIndex(level, lo >> level));
            lo += k;
        }
    }

    /// <summary>
    /// Computes MTH(D[lo:hi]) from the hashes that <see cref="SubtreeIndexes"/> planned,
    /// consuming them from <paramref name="hashes"/> at <paramref name="position"/>.
    /// </summary>
    internal static Hash SubtreeHash(long lo, long hi, ReadOnlySpan<Hash> hashes, ref int position)
    {
        // The range splits into complete subtrees of decreasing size; RFC 6962 §2.1 hashes them right to left.
        int count = 0;
        for (long at = lo; at < hi; count++)
        {
            (long k, _) = MaxPow2(hi - at + 1);
            if ((at & (k - 1)) != 0)
            {
                throw Errors.BadMath(nameof(SubtreeHash));
            }

            at += k;
        }

        if (count == 0 || hashes.Length - position < count)
        {
            throw Errors.BadMath(nameof(SubtreeHash));
        }

        ReadOnlySpan<Hash> parts = hashes.Slice(position, count);
        Hash h = parts[count - 1];
        for (int i = count - 2; i >= 0; i--)
        {
            h = MerkleHash.Node(parts[i], h);
        }

        position += count;
        return h;
    }

    /// <summary>k, the largest power of two smaller than n (n ≥ 2), and log2 k: RFC 9162's split point.</summary>
    internal static (long K, int Level) MaxPow2(long n)
    {
        Debug.Assert(n >= 2, "MaxPow2 needs n >= 2");
        int level = BitOperations.Log2((ulong)(n - 1));
        return (1L << level, level);
    }

    // Each trailing 1 bit of n completes a subtree (and consumes one earlier stored hash).
    private static int CompletedSubtrees(long n) => BitOperations.TrailingZeroCount(~(ulong)n);

    private static void FillStoredHashesIndexes(long n, Span<long> indexes)
    {
        int m = indexes.Length;
        for (int i = 0; i < m; i++)
        {
            // n >> i is odd here, so (n >> i) - 1 is the left sibling at level i; sorted ascending.
            indexes[m - 1 - i] = StoredHashIndex(i, (n >> i) - 1);
        }
    }
}
