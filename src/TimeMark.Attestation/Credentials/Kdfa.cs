// TPM 2.0 Part 1 §11.4.10.2 "KDFa()": NIST SP 800-108 KDF in counter mode with HMAC as the PRF.

using System.Buffers.Binary;
using System.Security.Cryptography;

namespace TimeMark.Attestation.Credentials;

/// <summary>The TPM's key derivation function KDFa, with HMAC-SHA-256 (the nameAlg of the TCG default EK template).</summary>
internal static class Kdfa
{
    /// <summary>
    /// KDFa(SHA-256, key, label, contextU, contextV, bits): the first bits/8 bytes of
    /// HMAC(key, [i]₃₂ || label || 0x00 || contextU || contextV || [bits]₃₂) for i = 1, 2, …
    /// </summary>
    /// <param name="label">Without its terminator: the TPM hashes the label's zero byte, so this appends one.</param>
    public static byte[] Sha256(ReadOnlySpan<byte> key, string label, ReadOnlySpan<byte> contextU, ReadOnlySpan<byte> contextV, int bits)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bits);
        if (bits % 8 != 0)
            throw new ArgumentException("KDFa: only whole bytes are derived here, bits must be a multiple of 8", nameof(bits));
        byte[] labelBytes = System.Text.Encoding.ASCII.GetBytes(label);
        byte[] output = new byte[bits / 8];
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        Span<byte> block = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> number = stackalloc byte[4];
        for (int offset = 0, counter = 1; offset < output.Length; offset += block.Length, counter++)
        {
            BinaryPrimitives.WriteInt32BigEndian(number, counter);
            hmac.AppendData(number);
            hmac.AppendData(labelBytes);
            hmac.AppendData([0]);
            hmac.AppendData(contextU);
            hmac.AppendData(contextV);
            BinaryPrimitives.WriteInt32BigEndian(number, bits);
            hmac.AppendData(number);
            hmac.GetHashAndReset(block);
            block[..Math.Min(block.Length, output.Length - offset)].CopyTo(output.AsSpan(offset));
        }
        return output;
    }
}
