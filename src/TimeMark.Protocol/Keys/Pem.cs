// PEM textual encoding, RFC 7468.
using System.Security.Cryptography;

namespace TimeMark.Protocol.Keys;

/// <summary>Finds the one PEM block in a text and decodes its DER bytes.</summary>
internal static class Pem
{
    public const string PublicKeyLabel = "PUBLIC KEY";
    public const string PrivateKeyLabel = "PRIVATE KEY";
    public const string EcPrivateKeyLabel = "EC PRIVATE KEY";

    /// <summary>Decodes the first PEM block; <paramref name="label"/> receives its label.</summary>
    public static byte[] Decode(ReadOnlySpan<char> text, string expected, out string label)
    {
        if (!PemEncoding.TryFind(text, out PemFields fields))
            throw new KeyFormatException(Errors.NoPemBlock(expected));
        label = new string(text[fields.Label]);
        var der = new byte[fields.DecodedDataLength];
        if (!Convert.TryFromBase64Chars(text[fields.Base64Data], der, out int written) || written != der.Length)
            throw new KeyFormatException(Errors.BadKeyEncoding("PEM base64 does not decode"));
        return der;
    }

    public static string Encode(string label, ReadOnlySpan<byte> der) =>
        new string(PemEncoding.Write(label, der)) + "\n";
}
