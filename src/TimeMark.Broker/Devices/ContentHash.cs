using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using TimeMark.Protocol.Datagrams;

namespace TimeMark.Broker.Devices;

/// <summary>SHA-256 of a datagram's signed pairs: what a replay repeats exactly.</summary>
[InlineArray(Length)]
public struct ContentHash : IEquatable<ContentHash>
{
    public const int Length = 32;

    private byte _first;

    public static ContentHash Of(in Datagram datagram)
    {
        var hash = new ContentHash();
        SHA256.HashData(datagram.DevicePairs, hash);
        return hash;
    }

    public readonly bool Equals(ContentHash other) =>
        ((ReadOnlySpan<byte>)this).SequenceEqual(other);

    public override readonly bool Equals(object? obj) => obj is ContentHash other && Equals(other);

    public override readonly int GetHashCode() => BitConverter.ToInt32(this);

    public static bool operator ==(ContentHash left, ContentHash right) => left.Equals(right);
    public static bool operator !=(ContentHash left, ContentHash right) => !left.Equals(right);
}
