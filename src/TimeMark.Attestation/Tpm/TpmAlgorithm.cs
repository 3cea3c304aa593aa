// TPM 2.0 Library Part 2 §6.3 (TPM_ALG_ID) and §11.2.5.3 (TPM_ECC_CURVE), the values TimeMark uses.

using System.Security.Cryptography;

namespace TimeMark.Attestation.Tpm;

/// <summary>TPM_ALG_ID and TPM_ECC_CURVE constants, and the .NET algorithms they stand for.</summary>
internal static class TpmAlgorithm
{
    public const ushort Rsa = 0x0001;
    public const ushort Hmac = 0x0005;
    public const ushort Aes = 0x0006;
    public const ushort KeyedHash = 0x0008;
    public const ushort Xor = 0x000A;
    public const ushort Sha256 = 0x000B;
    public const ushort Sha384 = 0x000C;
    public const ushort Sha512 = 0x000D;
    public const ushort Null = 0x0010;
    public const ushort RsaSsa = 0x0014;
    public const ushort RsaEs = 0x0015;
    public const ushort RsaPss = 0x0016;
    public const ushort Oaep = 0x0017;
    public const ushort Ecdsa = 0x0018;
    public const ushort Ecdaa = 0x001A;
    public const ushort Ecc = 0x0023;
    public const ushort SymCipher = 0x0025;

    public const ushort NistP256 = 0x0003;
    public const ushort NistP384 = 0x0004;

    /// <summary>The hash a TPM_ALG_ID names: SHA-256, SHA-384 or SHA-512 (SHA-1 is refused); false for anything else.</summary>
    public static bool TryGetHash(ushort algorithm, out HashAlgorithmName hash, out int size)
    {
        (hash, size) = algorithm switch
        {
            Sha256 => (HashAlgorithmName.SHA256, 32),
            Sha384 => (HashAlgorithmName.SHA384, 48),
            Sha512 => (HashAlgorithmName.SHA512, 64),
            _ => (default, 0),
        };
        return size != 0;
    }

    /// <summary>H_alg(data) for a hash <see cref="TryGetHash"/> knows.</summary>
    public static byte[] Hash(ushort algorithm, ReadOnlySpan<byte> data) => algorithm switch
    {
        Sha256 => SHA256.HashData(data),
        Sha384 => SHA384.HashData(data),
        Sha512 => SHA512.HashData(data),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), $"TPM_ALG_ID 0x{algorithm:x4} is not a supported hash"),
    };

    /// <summary>The NIST curve a TPM_ECC_CURVE names and its coordinate size in bytes; false for other curves.</summary>
    public static bool TryGetCurve(ushort curveId, out ECCurve curve, out int size)
    {
        switch (curveId)
        {
            case NistP256:
                (curve, size) = (ECCurve.NamedCurves.nistP256, 32);
                return true;
            case NistP384:
                (curve, size) = (ECCurve.NamedCurves.nistP384, 48);
                return true;
            default:
                (curve, size) = (default, 0);
                return false;
        }
    }
}
