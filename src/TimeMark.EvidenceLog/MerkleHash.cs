// RFC 6962 §2.1 and RFC 9162 §2.1.1 (Merkle Hash Trees), with SHA-256:
//   MTH({})      = SHA-256()                       (the empty tree)
//   leaf hash    = SHA-256(0x00 || entry)
//   node hash    = SHA-256(0x01 || left || right)
// The distinct prefixes give leaves and interior nodes separate domains (second-preimage resistance).

using System.Buffers;
using System.Security.Cryptography;

namespace TimeMark.EvidenceLog;

/// <summary>The RFC 6962 / RFC 9162 hash functions of the evidence log's Merkle tree.</summary>
public static class MerkleHash
{
    // Entries up to this size are prefixed on the stack; larger ones use a pooled buffer.
    // Both paths allocate nothing once the pool is warm. 1 KiB covers typical log entries (~300 bytes).
    private const int StackThreshold = 1024;

    /// <summary>The root hash of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1).</summary>
    public static Hash Empty { get; } = ComputeEmpty();

    /// <summary>The leaf hash of one log entry: SHA-256(0x00 || entry).</summary>
    public static Hash Leaf(ReadOnlySpan<byte> entry)
    {
        int length = entry.Length + 1;
        byte[]? rented = null;
        Span<byte> input = length <= StackThreshold
            ? stackalloc byte[StackThreshold]
            : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            input[0] = 0x00;
            entry.CopyTo(input[1..]);
            Span<byte> digest = stackalloc byte[Hash.Size];
            SHA256.HashData(input[..length], digest);
            return new Hash(digest);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The hash of an interior node: SHA-256(0x01 || left || right).</summary>
    public static Hash Node(in Hash left, in Hash right)
    {
        Span<byte> input = stackalloc byte[1 + (2 * Hash.Size)];
        input[0] = 0x01;
        left.AsSpan().CopyTo(input[1..]);
        right.AsSpan().CopyTo(input[(1 + Hash.Size)..]);
        Span<byte> digest = stackalloc byte[Hash.Size];
        SHA256.HashData(input, digest);
        return new Hash(digest);
    }

    private static Hash ComputeEmpty()
    {
        Span<byte> digest = stackalloc byte[Hash.Size];
        SHA256.HashData(ReadOnlySpan<byte>.Empty, digest);
        return new Hash(digest);
    }
}
