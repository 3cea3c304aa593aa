// RFC 8017 §7.1.1 RSAES-OAEP-ENCRYPT with SHA-256 and MGF1-SHA-256, and a label.

using System.Numerics;
using System.Security.Cryptography;

namespace TimeMark.Attestation.Credentials;

/// <summary>
/// RSA-OAEP encryption with a label. The TPM protects a credential's seed under the label "IDENTITY\0"
/// (TPM 2.0 Part 1 §24 and Annex B), and .NET's <see cref="RSA.Encrypt(byte[], RSAEncryptionPadding)"/> only ever uses the
/// empty label, so the encoding is done here and the public-key operation with <see cref="BigInteger.ModPow"/>.
/// Only public data is processed (the seed is random and is what gets encrypted), so timing does not matter.
/// </summary>
internal static class RsaOaep
{
    private const int HashLength = SHA256.HashSizeInBytes;

    /// <summary>RSAES-OAEP-ENCRYPT((n, e), message, label) with SHA-256 for the label hash and for MGF1.</summary>
    public static byte[] EncryptSha256(RSAParameters publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> label)
    {
        byte[] modulus = publicKey.Modulus ?? throw new ArgumentException("RSA-OAEP: the public key has no modulus", nameof(publicKey));
        byte[] exponent = publicKey.Exponent ?? throw new ArgumentException("RSA-OAEP: the public key has no exponent", nameof(publicKey));
        int k = modulus.Length;
        // RFC 8017 §7.1.1 step 1b: mLen <= k - 2hLen - 2.
        if (message.Length > k - 2 * HashLength - 2)
            throw new ArgumentException($"RSA-OAEP: a {message.Length}-byte message does not fit a {k * 8}-bit key", nameof(message));

        // Step 2: EM = 0x00 || maskedSeed || maskedDB, DB = lHash || PS || 0x01 || M.
        byte[] encoded = new byte[k];
        Span<byte> seed = encoded.AsSpan(1, HashLength);
        Span<byte> db = encoded.AsSpan(1 + HashLength);
        SHA256.HashData(label, db[..HashLength]);
        db[db.Length - message.Length - 1] = 0x01;
        message.CopyTo(db[(db.Length - message.Length)..]);
        RandomNumberGenerator.Fill(seed);
        XorMgf1(seed, db);
        XorMgf1(db, seed);

        // RFC 8017 §5.1.1 RSAEP: c = m^e mod n, then I2OSP(c, k).
        var m = new BigInteger(encoded, isUnsigned: true, isBigEndian: true);
        var n = new BigInteger(modulus, isUnsigned: true, isBigEndian: true);
        var e = new BigInteger(exponent, isUnsigned: true, isBigEndian: true);
        byte[] c = BigInteger.ModPow(m, e, n).ToByteArray(isUnsigned: true, isBigEndian: true);
        byte[] ciphertext = new byte[k];
        c.CopyTo(ciphertext, k - c.Length);
        return ciphertext;
    }

    /// <summary>target ^= MGF1-SHA-256(seed, target.Length) (RFC 8017 Appendix B.2.1).</summary>
    private static void XorMgf1(ReadOnlySpan<byte> seed, Span<byte> target)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> counter = stackalloc byte[4];
        Span<byte> block = stackalloc byte[HashLength];
        for (int offset = 0, i = 0; offset < target.Length; offset += HashLength, i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(counter, i);
            hash.AppendData(seed);
            hash.AppendData(counter);
            hash.GetHashAndReset(block);
            int count = Math.Min(HashLength, target.Length - offset);
            for (int j = 0; j < count; j++)
                target[offset + j] ^= block[j];
        }
    }
}
