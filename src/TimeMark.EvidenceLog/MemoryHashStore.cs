// An in-memory stored-hash array (golang.org/x/mod/sumdb/tlog layout) for tests and benchmarks.

namespace TimeMark.EvidenceLog;

/// <summary>Holds every stored hash of a tree in a list indexed by <see cref="MerkleTree.StoredHashIndex"/>. Not thread-safe.</summary>
internal sealed class MemoryHashStore : IHashReader
{
    private readonly List<Hash> _hashes = [];

    /// <summary>The number of entries appended.</summary>
    public long TreeSize { get; private set; }

    /// <summary>Appends one entry and returns its index.</summary>
    public long Append(ReadOnlySpan<byte> entry)
    {
        long index = TreeSize;
        Span<Hash> stored = stackalloc Hash[MerkleTree.MaxStoredHashesPerEntry];
        int count = MerkleTree.StoredHashes(index, MerkleHash.Leaf(entry), this, stored);
        if (_hashes.Count != MerkleTree.StoredHashIndex(0, index))
        {
            throw Errors.BadMath(nameof(Append));
        }

        foreach (Hash h in stored[..count])
        {
            _hashes.Add(h);
        }

        TreeSize = index + 1;
        return index;
    }

    public void ReadHashes(ReadOnlySpan<long> indexes, Span<Hash> destination)
    {
        if (destination.Length != indexes.Length)
        {
            throw Errors.SpanLength(nameof(destination), destination.Length, indexes.Length);
        }

        for (int i = 0; i < indexes.Length; i++)
        {
            long index = indexes[i];
            if (index < 0 || index >= _hashes.Count)
            {
                throw Errors.OutOfRange(nameof(indexes), index, $"stored hash {index} is not in a store of {_hashes.Count} hashes");
            }

            destination[i] = _hashes[(int)index];
        }
    }
}
