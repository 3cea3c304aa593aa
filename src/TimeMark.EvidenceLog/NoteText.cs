// C2SP signed-note (https://c2sp.org/signed-note) syntax rules shared by notes, keys and checkpoints:
// text is valid UTF-8 without ASCII control characters other than newline; key names are non-empty and
// hold no Unicode space and no '+'; key ID = SHA-256(name || 0x0A || signature type || public key)[:4].

using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace TimeMark.EvidenceLog;

internal static class NoteText
{
    /// <summary>The signed-note signature type byte of Ed25519 (signed-note, "Signature types").</summary>
    public const byte Ed25519Type = 0x01;

    /// <summary>The size of an Ed25519 public key (RFC 8032).</summary>
    public const int Ed25519PublicKeySize = 32;

    /// <summary>The size of an Ed25519 signature (RFC 8032).</summary>
    public const int Ed25519SignatureSize = 64;

    /// <summary>Whether <paramref name="text"/> is well-formed UTF-16 with no control character but newline.</summary>
    public static bool IsValidText(ReadOnlySpan<char> text) => CheckText(text) == ParseError.None;

    /// <summary>Why <paramref name="text"/> is not valid note text, or <see cref="ParseError.None"/>.</summary>
    public static ParseError CheckText(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(text, out Rune rune, out int consumed) != OperationStatus.Done)
            {
                return ParseError.InvalidEncoding;
            }

            if (rune.Value < 0x20 && rune.Value != '\n')
            {
                return ParseError.ControlCharacter;
            }

            text = text[consumed..];
        }

        return ParseError.None;
    }

    /// <summary>Whether <paramref name="line"/> is non-empty valid text without a newline.</summary>
    public static bool IsValidLine(string? line) =>
        !string.IsNullOrEmpty(line) && !line.Contains('\n', StringComparison.Ordinal) && IsValidText(line);

    /// <summary>
    /// Whether <paramref name="name"/> is a valid key name: non-empty, no Unicode space, no '+'.
    /// Control characters are refused too, since no valid note could carry them.
    /// </summary>
    public static bool IsValidKeyName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !IsValidText(name))
        {
            return false;
        }

        foreach (Rune rune in name.EnumerateRunes())
        {
            if (rune.Value == '+' || rune.Value < 0x20 || Rune.IsWhiteSpace(rune))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The key ID: SHA-256(name || 0x0A || 0x01 || public key)[:4], read big-endian.</summary>
    public static uint Ed25519KeyId(string name, ReadOnlySpan<byte> publicKey)
    {
        int nameLength = Encoding.UTF8.GetByteCount(name);
        byte[] input = new byte[nameLength + 2 + publicKey.Length];
        Encoding.UTF8.GetBytes(name, input);
        input[nameLength] = 0x0A;
        input[nameLength + 1] = Ed25519Type;
        publicKey.CopyTo(input.AsSpan(nameLength + 2));
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(input, digest);
        return BinaryPrimitives.ReadUInt32BigEndian(digest);
    }

    /// <summary>Decodes standard base64 only if <paramref name="text"/> is exactly its canonical encoding.</summary>
    public static bool TryDecodeCanonicalBase64(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        // Convert skips whitespace and ignores non-zero padding bits; the round trip rejects both.
        byte[] buffer = new byte[(text.Length / 4 * 3) + 3];
        if (text.IsEmpty || !Convert.TryFromBase64Chars(text, buffer, out int written))
        {
            return false;
        }

        byte[] decoded = buffer[..written];
        if (!Convert.ToBase64String(decoded).AsSpan().SequenceEqual(text))
        {
            return false;
        }

        bytes = decoded;
        return true;
    }
}
