// RFC 6962 §2.1 / RFC 9162 §2.1.1: every Merkle Tree Hash in the log is a SHA-256 output.
// The value type mirrors Go's golang.org/x/mod/sumdb/tlog.Hash so that hashes travel
// on the stack and in spans instead of as heap arrays.

using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace TimeMark.EvidenceLog;

/// <summary>A 32-byte SHA-256 hash identifying a log entry, an interior node or a tree root.</summary>
public readonly struct Hash : IEquatable<Hash>
{
    /// <summary>The size of a hash in bytes.</summary>
    public const int Size = 32;

    // Standard base64 of 32 bytes: 43 digits and one '=' of padding.
    private const int Base64Length = 44;

    // Inline storage keeps Hash unmanaged, so hashes can be stackalloc'ed and compared without allocation.
    private readonly HashBuffer _bytes;

    /// <summary>Copies a 32-byte hash value.</summary>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes long.</exception>
    public Hash(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw Errors.HashLength(nameof(bytes), bytes.Length);
        }

        bytes.CopyTo(_bytes);
    }

    /// <summary>The hash bytes, without copying.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> AsSpan() => _bytes;

    /// <summary>The hash in standard base64 (RFC 4648 §4), as used in checkpoints.</summary>
    public string ToBase64() => Convert.ToBase64String(AsSpan());

    /// <summary>The hash in lowercase hex, for logs and test output.</summary>
    public override string ToString() => Convert.ToHexStringLower(AsSpan());

    public bool Equals(Hash other) => AsSpan().SequenceEqual(other.AsSpan());

    public override bool Equals(object? obj) => obj is Hash other && Equals(other);

    // The bytes are a SHA-256 output, so any four of them are already well distributed.
    public override int GetHashCode() => BinaryPrimitives.ReadInt32LittleEndian(AsSpan());

    public static bool operator ==(Hash left, Hash right) => left.Equals(right);

    public static bool operator !=(Hash left, Hash right) => !left.Equals(right);

    /// <summary>Decodes a hash from canonical base64: exactly 44 characters that re-encode identically.</summary>
    internal static bool TryParseBase64(ReadOnlySpan<char> text, out Hash hash)
    {
        hash = default;
        // Convert.TryFromBase64Chars skips whitespace and ignores non-zero padding bits;
        // the re-encoding comparison below rejects both, so only the canonical form parses.
        Span<byte> bytes = stackalloc byte[Size];
        if (text.Length != Base64Length || !Convert.TryFromBase64Chars(text, bytes, out int written) || written != Size)
        {
            return false;
        }

        Span<char> canonical = stackalloc char[Base64Length];
        if (!Convert.TryToBase64Chars(bytes, canonical, out _) || !canonical.SequenceEqual(text))
        {
            return false;
        }

        hash = new Hash(bytes);
        return true;
    }

    [InlineArray(Size)]
    private struct HashBuffer
    {
        private byte _element0;
    }
}
