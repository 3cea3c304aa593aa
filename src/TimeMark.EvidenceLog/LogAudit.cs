// A full audit of a stored evidence log: every leaf hash (RFC 6962 §2.1, SHA-256(0x00 || entry)) and every stored
// subtree hash (golang.org/x/mod/sumdb/tlog layout, MerkleTree.StoredHashIndex) is recomputed from the stored entry
// bytes alone, and every stored C2SP tlog-checkpoint is checked against the recomputed tree. Nothing the store
// holds besides the entry bytes is trusted. The work is one sequential pass: O(n) hashing, O(log n) memory.
//
// Order of checks, so that "the first inconsistency" is well defined: entries by index (each entry's CBOR, then its
// stored leaf hash, then the stored hashes its append wrote), then extra stored hashes, then checkpoints by size.

using System.Numerics;
using System.Runtime.InteropServices;

namespace TimeMark.EvidenceLog;

/// <summary>The outcome of recomputing a stored log from its entries: the summary, or the first inconsistency found.</summary>
public sealed class LogAudit
{
    /// <summary>Entries read per query: large enough that query overhead is negligible, small enough to stay in cache.</summary>
    private const int BatchSize = 4096;

    private LogAudit(long entryCount, Hash rootHash, IReadOnlyList<long> checkpointSizes, string? origin, bool signaturesChecked, string? failure)
    {
        EntryCount = entryCount;
        RootHash = rootHash;
        CheckpointSizes = checkpointSizes;
        Origin = origin;
        SignaturesChecked = signaturesChecked;
        Failure = failure;
    }

    /// <summary>Whether every check passed.</summary>
    public bool Passed => Failure is null;

    /// <summary>The first inconsistency, naming the entry index, storage index or checkpoint size, with expected and found values; null if none.</summary>
    public string? Failure { get; }

    /// <summary>The number of entries checked (all of them when <see cref="Passed"/>).</summary>
    public long EntryCount { get; }

    /// <summary>The number of stored hashes a tree of <see cref="EntryCount"/> entries has (all checked when <see cref="Passed"/>).</summary>
    public long StoredHashCount => MerkleTree.StoredHashCount(EntryCount);

    /// <summary>The root recomputed from the entries (meaningful when <see cref="Passed"/>).</summary>
    public Hash RootHash { get; }

    /// <summary>The sizes of the stored checkpoints, in increasing order.</summary>
    public IReadOnlyList<long> CheckpointSizes { get; }

    /// <summary>The checkpoints' origin line, or null if there is no checkpoint (or the audit stopped before reading one).</summary>
    public string? Origin { get; }

    /// <summary>Whether checkpoint signatures were checked (a verifier was given).</summary>
    public bool SignaturesChecked { get; }

    /// <summary>
    /// Recomputes the whole log in <paramref name="snapshot"/>. With <paramref name="verifier"/>, every checkpoint must also carry a
    /// valid signature by that key. Stops at the first inconsistency. Storage errors (unreadable file) throw; inconsistencies do not.
    /// </summary>
    /// <exception cref="InvalidDataException">The snapshot cannot be read.</exception>
    public static async Task<LogAudit> RunAsync(SqliteLogSnapshot snapshot, NoteVerifier? verifier, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        long entryCount = snapshot.EntryCount;
        long[] sizes = await snapshot.ReadCheckpointSizesAsync(cancellationToken).ConfigureAwait(false);
        var roots = new Dictionary<long, Hash>();
        int nextCheckpoint = 0;
        while (nextCheckpoint < sizes.Length && sizes[nextCheckpoint] <= 0)
        {
            roots[sizes[nextCheckpoint++]] = MerkleHash.Empty;
        }

        LogAudit Fail(long checkedEntries, string failure) =>
            new(checkedEntries, default, sizes, null, verifier is not null, failure);

        // The right edge of the tree built so far: the roots of its complete subtrees, largest (leftmost) first,
        // which is exactly what MerkleTree.TreeHash needs and what StoredHashes needs as "earlier" hashes.
        var frontier = new List<Hash>(MerkleTree.MaxLevel + 1);
        var stored = new Hash[(2 * BatchSize) + MerkleTree.MaxStoredHashesPerEntry];
        var recomputed = new Hash[MerkleTree.MaxStoredHashesPerEntry];
        for (long start = 0; start < entryCount;)
        {
            int want = (int)Math.Min(BatchSize, entryCount - start);
            IReadOnlyList<StoredEntry> entries = await snapshot.ReadEntriesAsync(start, want, cancellationToken).ConfigureAwait(false);
            if (entries.Count == 0)
            {
                return Fail(start, $"entry {start}: missing (the entries table has rows up to index {entryCount - 1})");
            }

            long hashStart = MerkleTree.StoredHashCount(start);
            int hashWant = checked((int)(MerkleTree.StoredHashCount(start + entries.Count) - hashStart));
            int hashCount = await snapshot.ReadStoredHashesAsync(hashStart, stored.AsMemory(0, hashWant), cancellationToken).ConfigureAwait(false);
            foreach (StoredEntry entry in entries)
            {
                long n = entry.Index;
                if (!LogEntry.TryParse(entry.Bytes, out _, out ParseError error))
                {
                    return Fail(n, $"entry {n}: not a valid log entry ({error})");
                }

                Hash leaf = MerkleHash.Leaf(entry.Bytes);
                if (leaf != entry.LeafHash)
                {
                    return Fail(n, $"entry {n}: stored leaf hash {entry.LeafHash} but SHA-256(0x00 || entry) is {leaf}");
                }

                int completed = BitOperations.TrailingZeroCount(~(ulong)n);
                Span<Hash> earlier = CollectionsMarshal.AsSpan(frontier)[^completed..];
                int count = MerkleTree.StoredHashes(n, leaf, earlier, recomputed);
                long first = MerkleTree.StoredHashIndex(0, n);
                for (int j = 0; j < count; j++)
                {
                    long index = first + j;
                    int position = checked((int)(index - hashStart));
                    if (position >= hashCount)
                    {
                        return Fail(n, $"stored hash {index} (level {j}, written with entry {n}): missing");
                    }

                    if (stored[position] != recomputed[j])
                    {
                        return Fail(n, $"stored hash {index} (level {j}, written with entry {n}): stored {stored[position]} but recomputed {recomputed[j]}");
                    }
                }

                frontier.RemoveRange(frontier.Count - completed, completed);
                frontier.Add(recomputed[count - 1]);
                while (nextCheckpoint < sizes.Length && sizes[nextCheckpoint] == n + 1)
                {
                    roots[n + 1] = MerkleTree.TreeHash(n + 1, CollectionsMarshal.AsSpan(frontier));
                    nextCheckpoint++;
                }
            }

            start += entries.Count;
        }

        long hashTotal = MerkleTree.StoredHashCount(entryCount);
        Hash[] extra = new Hash[1];
        if (await snapshot.ReadStoredHashesAsync(hashTotal, extra, cancellationToken).ConfigureAwait(false) > 0)
        {
            return Fail(entryCount, $"stored hash {hashTotal}: present, but {entryCount} entries have only {hashTotal} stored hashes");
        }

        Hash root = MerkleTree.TreeHash(entryCount, CollectionsMarshal.AsSpan(frontier));
        string? origin = null;
        foreach (long size in sizes)
        {
            (string? problem, string? checkpointOrigin) = await CheckCheckpointAsync(snapshot, size, entryCount, roots, verifier, origin, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                return new LogAudit(entryCount, root, sizes, origin, verifier is not null, $"checkpoint {size}: {problem}");
            }

            origin = checkpointOrigin;
        }

        return new LogAudit(entryCount, root, sizes, origin, verifier is not null, null);
    }

    // Returns the first problem with the checkpoint stored under `size` (null if none), and its origin.
    private static async Task<(string? Problem, string? Origin)> CheckCheckpointAsync(
        SqliteLogSnapshot snapshot, long size, long entryCount, Dictionary<long, Hash> roots, NoteVerifier? verifier, string? origin, CancellationToken cancellationToken)
    {
        byte[]? bytes = await snapshot.ReadCheckpointAsync(size, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return ("missing", null);
        }

        if (!SignedNote.TryParse(bytes, out SignedNote? note, out ParseError error))
        {
            return ($"not a signed note ({error})", null);
        }

        if (!Checkpoint.TryParse(note.Text, out Checkpoint? checkpoint, out error))
        {
            return ($"not a checkpoint ({error})", null);
        }

        if (checkpoint.TreeSize != size)
        {
            return ($"stored under tree size {size} but its text says {checkpoint.TreeSize}", null);
        }

        if (size > entryCount)
        {
            return ($"tree size {size} is beyond the {entryCount} stored entries", null);
        }

        if (origin is not null && checkpoint.Origin != origin)
        {
            return ($"origin \"{checkpoint.Origin}\" differs from the earlier checkpoints' \"{origin}\"", null);
        }

        Hash expected = roots[size];
        if (checkpoint.RootHash != expected)
        {
            return ($"root {checkpoint.RootHash.ToBase64()} but the entries give {expected.ToBase64()}", null);
        }

        if (verifier is not null && !note.Verify([verifier]))
        {
            return ($"signature does not verify with {verifier}", null);
        }

        return (null, checkpoint.Origin);
    }
}
