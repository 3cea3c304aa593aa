using System.Buffers;
using TimeMark.Protocol.Keys;

namespace TimeMark.Protocol.Datagrams;

/// <summary>
/// The BRAID signing rule (design.md): for a signature stored under key K, the
/// input is 0xBF, the raw bytes of every key/value pair before K, then 0xFF:
/// an indefinite-length map of the preceding pairs, sliced and never re-encoded.
/// </summary>
internal static class SigningInput
{
    /// <summary>Inputs up to this size are built on the stack; larger ones in a pooled buffer.</summary>
    private const int StackLimit = 1024;

    public static int Length(int pairsLength) => pairsLength + 2;

    public static void Write(ReadOnlySpan<byte> pairs, Span<byte> destination)
    {
        destination[0] = CborHead.IndefiniteMapStart;
        pairs.CopyTo(destination[1..]);
        destination[pairs.Length + 1] = CborHead.Break;
    }

    public static byte[] ToArray(ReadOnlySpan<byte> pairs)
    {
        var input = new byte[Length(pairs.Length)];
        Write(pairs, input);
        return input;
    }

    /// <summary>Checks <paramref name="signature"/> over the signing input of <paramref name="pairs"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> pairs, ReadOnlySpan<byte> signature, VerifyingKey key)
    {
        int length = Length(pairs.Length);
        byte[]? rented = null;
        Span<byte> input = length <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            input = input[..length];
            Write(pairs, input);
            return key.Verify(input, signature);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Signs the signing input of the pairs <paramref name="before"/> followed by
    /// <paramref name="appended"/> (pairs the signer adds just before its signature).
    /// </summary>
    public static void Sign(ReadOnlySpan<byte> before, ReadOnlySpan<byte> appended, SigningKey key, Span<byte> signature)
    {
        int length = Length(before.Length + appended.Length);
        byte[]? rented = null;
        Span<byte> input = length <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            input = input[..length];
            input[0] = CborHead.IndefiniteMapStart;
            before.CopyTo(input[1..]);
            appended.CopyTo(input[(1 + before.Length)..]);
            input[^1] = CborHead.Break;
            key.Sign(input, signature);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
