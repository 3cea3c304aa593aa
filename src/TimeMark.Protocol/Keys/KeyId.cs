using System.Security.Cryptography;

namespace TimeMark.Protocol.Keys;

/// <summary>
/// Names a public key: SHA-256 of its DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
/// Shown short (first 8 bytes, 16 hex digits) where people read it.
/// </summary>
public readonly struct KeyId : IEquatable<KeyId>
{
    private readonly byte[] _hash;

    private KeyId(byte[] hash) => _hash = hash;

    public static KeyId FromSubjectPublicKeyInfo(ReadOnlySpan<byte> spki) => new(SHA256.HashData(spki));

    /// <summary>The 32-byte hash.</summary>
    public ReadOnlySpan<byte> Hash => _hash;

    /// <summary>All 64 hex digits, lower case.</summary>
    public string ToFullHex() => Convert.ToHexStringLower(_hash);

    /// <summary>The first 16 hex digits, lower case.</summary>
    public override string ToString() => Convert.ToHexStringLower(_hash, 0, 8);

    public bool Equals(KeyId other) => _hash.AsSpan().SequenceEqual(other._hash);
    public override bool Equals(object? obj) => obj is KeyId other && Equals(other);
    public override int GetHashCode() => BitConverter.ToInt32(_hash, 0);
    public static bool operator ==(KeyId left, KeyId right) => left.Equals(right);
    public static bool operator !=(KeyId left, KeyId right) => !left.Equals(right);
}
