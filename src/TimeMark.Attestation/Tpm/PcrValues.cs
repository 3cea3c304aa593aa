// TPM 2.0 Library Part 1 §17.6 (PCR digest of a quote) and Part 3 §22.2 (PCR extend).

using System.Security.Cryptography;

namespace TimeMark.Attestation.Tpm;

/// <summary>Arithmetic on sha256-bank PCR values.</summary>
public static class PcrValues
{
    /// <summary>A quote's pcrDigest: SHA-256 over the selected PCR values concatenated in ascending PCR order.</summary>
    public static byte[] Digest(IEnumerable<ReadOnlyMemory<byte>> valuesInAscendingPcrOrder)
    {
        ArgumentNullException.ThrowIfNull(valuesInAscendingPcrOrder);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (ReadOnlyMemory<byte> value in valuesInAscendingPcrOrder)
            hash.AppendData(value.Span);
        return hash.GetHashAndReset();
    }

    /// <summary>The value of a PCR after TPM2_PCR_Extend: SHA-256(old || digest).</summary>
    public static byte[] Extend(ReadOnlySpan<byte> oldValue, ReadOnlySpan<byte> digest)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(oldValue);
        hash.AppendData(digest);
        return hash.GetHashAndReset();
    }
}
