// TPM 2.0 Library Part 2 §11.3.4 TPMT_SIGNATURE: TPMS_SIGNATURE_ECDSA (§11.3.2, r and s as TPM2B_ECC_PARAMETER)
// and TPMS_SIGNATURE_RSA (§11.3.1, RSASSA-PKCS1-v1_5 and RSA-PSS).

using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace TimeMark.Attestation.Tpm;

/// <summary>A TPM signature: ECDSA or RSA, with the hash it was made with.</summary>
public sealed class TpmSignature
{
    private readonly byte[] _r;
    private readonly byte[] _s;
    private readonly byte[] _rsa;

    private TpmSignature(ushort algorithm, ushort hashAlgorithm, byte[] r, byte[] s, byte[] rsa)
    {
        Algorithm = algorithm;
        HashAlgorithm = hashAlgorithm;
        _r = r;
        _s = s;
        _rsa = rsa;
    }

    /// <summary>sigAlg: TPM_ALG_ECDSA 0x0018, TPM_ALG_RSASSA 0x0014 or TPM_ALG_RSAPSS 0x0016.</summary>
    public ushort Algorithm { get; }

    /// <summary>The TPM_ALG_ID of the digest that was signed.</summary>
    public ushort HashAlgorithm { get; }

    public static bool TryParse(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out TpmSignature? signature, out string error)
    {
        signature = null;
        var reader = new TpmReader(bytes, "TPMT_SIGNATURE");
        bool ok = TryRead(ref reader, out signature);
        error = ok ? "" : reader.Error;
        return ok;
    }

    /// <summary>True when this is a valid signature by <paramref name="key"/> over <paramref name="message"/>; never throws.</summary>
    public bool Verify(TpmPublicArea key, ReadOnlySpan<byte> message)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!TpmAlgorithm.TryGetHash(HashAlgorithm, out HashAlgorithmName hash, out _))
            return false;
        try
        {
            switch (Algorithm)
            {
                case TpmAlgorithm.Ecdsa when key.Type == TpmAlgorithm.Ecc:
                {
                    using ECDsa? ecdsa = key.CreateECDsa();
                    int size = key.CoordinateSize;
                    if (ecdsa is null || _r.Length > size || _s.Length > size)
                        return false;
                    // .NET takes IEEE P1363 r || s, each exactly the curve size; a TPM2B_ECC_PARAMETER may be shorter (leading zeros dropped), so left-pad.
                    byte[] p1363 = new byte[2 * size];
                    _r.CopyTo(p1363, size - _r.Length);
                    _s.CopyTo(p1363, 2 * size - _s.Length);
                    return ecdsa.VerifyData(message, p1363, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                }
                case TpmAlgorithm.RsaSsa or TpmAlgorithm.RsaPss when key.Type == TpmAlgorithm.Rsa:
                {
                    using RSA? rsa = key.CreateRsa();
                    RSASignaturePadding padding = Algorithm == TpmAlgorithm.RsaSsa ? RSASignaturePadding.Pkcs1 : RSASignaturePadding.Pss;
                    return rsa is not null && rsa.VerifyData(message, _rsa, hash, padding);
                }
                default:
                    return false;
            }
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool TryRead(ref TpmReader reader, [NotNullWhen(true)] out TpmSignature? signature)
    {
        signature = null;
        if (!reader.U16("sigAlg", out ushort algorithm))
            return false;
        if (algorithm is not (TpmAlgorithm.Ecdsa or TpmAlgorithm.RsaSsa or TpmAlgorithm.RsaPss))
            return reader.Fail("sigAlg", $"is 0x{algorithm:x4}, not ECDSA (0x0018), RSASSA (0x0014) or RSAPSS (0x0016)");
        if (!reader.U16("hash", out ushort hash))
            return false;
        if (!TpmAlgorithm.TryGetHash(hash, out _, out _))
            return reader.Fail("hash", $"is 0x{hash:x4}, not SHA-256, SHA-384 or SHA-512");
        if (algorithm == TpmAlgorithm.Ecdsa)
        {
            if (!reader.Sized("signatureR", out ReadOnlySpan<byte> r) || !reader.Sized("signatureS", out ReadOnlySpan<byte> s) || !reader.End())
                return false;
            signature = new TpmSignature(algorithm, hash, r.ToArray(), s.ToArray(), []);
            return true;
        }
        if (!reader.Sized("sig", out ReadOnlySpan<byte> rsa) || !reader.End())
            return false;
        signature = new TpmSignature(algorithm, hash, [], [], rsa.ToArray());
        return true;
    }
}
