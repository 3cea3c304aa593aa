// TPM 2.0 Library Part 2 §12.2.4 TPMT_PUBLIC with §12.2.3.5 TPMS_RSA_PARMS, §12.2.3.6 TPMS_ECC_PARMS and
// §12.2.3.2 TPMU_PUBLIC_ID; Part 1 §16 for the Name.

using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TimeMark.Attestation.Tpm;

/// <summary>The public area of an RSA or ECC (NIST P-256/P-384) TPM key.</summary>
public sealed class TpmPublicArea
{
    /// <summary>TPM_RSA_DEFAULT_PUBLIC_EXPONENT: an exponent of 0 in TPMS_RSA_PARMS means 2^16 + 1.</summary>
    private const uint DefaultRsaExponent = 65537;

    private readonly byte[] _modulus;
    private readonly byte[] _exponent;
    private readonly byte[] _x;
    private readonly byte[] _y;

    private TpmPublicArea(byte[] bytes, ushort type, ushort nameAlg, TpmObjectAttributes attributes, byte[] authPolicy,
        ushort curveId, byte[] modulus, byte[] exponent, byte[] x, byte[] y)
    {
        Bytes = bytes;
        Type = type;
        NameAlg = nameAlg;
        Attributes = attributes;
        AuthPolicy = authPolicy;
        CurveId = curveId;
        _modulus = modulus;
        _exponent = exponent;
        _x = x;
        _y = y;
    }

    /// <summary>The TPMT_PUBLIC bytes exactly as parsed (the contents of a TPM2B_PUBLIC).</summary>
    public byte[] Bytes { get; }

    /// <summary>TPM_ALG_RSA 0x0001 or TPM_ALG_ECC 0x0023.</summary>
    public ushort Type { get; }

    public ushort NameAlg { get; }

    public TpmObjectAttributes Attributes { get; }

    public byte[] AuthPolicy { get; }

    /// <summary>TPM_ECC_CURVE for ECC keys (NIST P-256 0x0003, P-384 0x0004); 0 for RSA.</summary>
    public ushort CurveId { get; }

    /// <summary>The object's Name: nameAlg (2 bytes, big-endian) || H_nameAlg(<see cref="Bytes"/>).</summary>
    public byte[] Name
    {
        get
        {
            byte[] algorithm = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(algorithm, NameAlg);
            return [.. algorithm, .. TpmAlgorithm.Hash(NameAlg, Bytes)];
        }
    }

    /// <summary>The size in bytes of an ECC coordinate (and of ECDSA r and s); 0 for RSA.</summary>
    internal int CoordinateSize => TpmAlgorithm.TryGetCurve(CurveId, out _, out int size) ? size : 0;

    public static bool TryParse(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out TpmPublicArea? area, out string error)
    {
        area = null;
        var reader = new TpmReader(bytes, "TPMT_PUBLIC");
        bool ok = TryRead(ref reader, bytes, out area);
        error = ok ? "" : reader.Error;
        return ok;
    }

    /// <summary>The public key as DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).</summary>
    public byte[] ExportSubjectPublicKeyInfo()
    {
        if (Type == TpmAlgorithm.Rsa)
        {
            using RSA rsa = CreateRsa()!;
            return rsa.ExportSubjectPublicKeyInfo();
        }
        using ECDsa ecdsa = CreateECDsa()!;
        return ecdsa.ExportSubjectPublicKeyInfo();
    }

    /// <summary>The public key as a PEM "PUBLIC KEY" block, as <c>tpm2_readpublic -f pem</c> writes it.</summary>
    public string ExportPem() => PemEncoding.WriteString("PUBLIC KEY", ExportSubjectPublicKeyInfo());

    /// <summary>True when the certificate certifies this very key (same algorithm, curve and key values).</summary>
    public bool HasSamePublicKey(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        try
        {
            byte[] theirs = certificate.PublicKey.ExportSubjectPublicKeyInfo();
            return theirs.AsSpan().SequenceEqual(ExportSubjectPublicKeyInfo());
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The key for verification; null when this is not an RSA key.</summary>
    internal RSA? CreateRsa() => Type != TpmAlgorithm.Rsa ? null : RSA.Create(new RSAParameters { Modulus = _modulus, Exponent = _exponent });

    /// <summary>The key for verification; null when this is not an ECC key.</summary>
    internal ECDsa? CreateECDsa()
    {
        if (Type != TpmAlgorithm.Ecc || !TpmAlgorithm.TryGetCurve(CurveId, out ECCurve curve, out int size))
            return null;
        return ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = LeftPad(_x, size), Y = LeftPad(_y, size) } });
    }

    private static bool TryRead(ref TpmReader reader, ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out TpmPublicArea? area)
    {
        area = null;
        if (!reader.U16("type", out ushort type))
            return false;
        if (type is not (TpmAlgorithm.Rsa or TpmAlgorithm.Ecc))
            return reader.Fail("type", $"is 0x{type:x4}, not RSA (0x0001) or ECC (0x0023)");
        if (!reader.U16("nameAlg", out ushort nameAlg))
            return false;
        if (!TpmAlgorithm.TryGetHash(nameAlg, out _, out _))
            return reader.Fail("nameAlg", $"is 0x{nameAlg:x4}, not SHA-256, SHA-384 or SHA-512");
        if (!reader.U32("objectAttributes", out uint attributes)
            || !reader.Sized("authPolicy", out ReadOnlySpan<byte> authPolicy)
            || !TrySkipSymmetric(ref reader))
            return false;
        if (type == TpmAlgorithm.Rsa)
        {
            if (!TrySkipScheme(ref reader, "parameters.scheme")
                || !reader.U16("parameters.keyBits", out ushort keyBits)
                || !reader.U32("parameters.exponent", out uint exponent)
                || !reader.Sized("unique.rsa", out ReadOnlySpan<byte> modulus))
                return false;
            if (keyBits is < 1024 or > 16384 || keyBits % 8 != 0 || modulus.Length != keyBits / 8)
                return reader.Fail("unique.rsa", $"is {modulus.Length} bytes for keyBits {keyBits}");
            if (!reader.End())
                return false;
            uint e = exponent == 0 ? DefaultRsaExponent : exponent;
            byte[] exponentBytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(exponentBytes, e);
            area = new TpmPublicArea(bytes.ToArray(), type, nameAlg, (TpmObjectAttributes)attributes, authPolicy.ToArray(), 0,
                modulus.ToArray(), [.. exponentBytes.SkipWhile(b => b == 0)], [], []);
            return true;
        }
        if (!TrySkipScheme(ref reader, "parameters.scheme") || !reader.U16("parameters.curveID", out ushort curveId))
            return false;
        if (!TpmAlgorithm.TryGetCurve(curveId, out _, out int size))
            return reader.Fail("parameters.curveID", $"is 0x{curveId:x4}, not NIST P-256 (0x0003) or P-384 (0x0004)");
        if (!TrySkipScheme(ref reader, "parameters.kdf")
            || !reader.Sized("unique.ecc.x", out ReadOnlySpan<byte> x)
            || !reader.Sized("unique.ecc.y", out ReadOnlySpan<byte> y))
            return false;
        if (x.Length > size || y.Length > size)
            return reader.Fail("unique.ecc", $"has a coordinate longer than the curve's {size} bytes");
        if (!reader.End())
            return false;
        area = new TpmPublicArea(bytes.ToArray(), type, nameAlg, (TpmObjectAttributes)attributes, authPolicy.ToArray(), curveId,
            [], [], x.ToArray(), y.ToArray());
        return true;
    }

    /// <summary>TPMT_SYM_DEF_OBJECT: algorithm, then keyBits and mode unless it is TPM_ALG_NULL.</summary>
    private static bool TrySkipSymmetric(ref TpmReader reader)
    {
        if (!reader.U16("parameters.symmetric.algorithm", out ushort algorithm))
            return false;
        return algorithm == TpmAlgorithm.Null
            || (reader.U16("parameters.symmetric.keyBits", out _) && reader.U16("parameters.symmetric.mode", out _));
    }

    /// <summary>TPMT_RSA_SCHEME, TPMT_ECC_SCHEME or TPMT_KDF_SCHEME: the scheme, then its details — none for NULL and RSAES,
    /// hashAlg and count for ECDAA, hashAlg for every other scheme.</summary>
    private static bool TrySkipScheme(ref TpmReader reader, string field)
    {
        if (!reader.U16(field, out ushort scheme))
            return false;
        return scheme switch
        {
            TpmAlgorithm.Null or TpmAlgorithm.RsaEs => true,
            TpmAlgorithm.Ecdaa => reader.U16(field + ".hashAlg", out _) && reader.U16(field + ".count", out _),
            _ => reader.U16(field + ".hashAlg", out _),
        };
    }

    private static byte[] LeftPad(byte[] value, int size)
    {
        if (value.Length == size)
            return value;
        byte[] padded = new byte[size];
        value.CopyTo(padded, size - value.Length);
        return padded;
    }
}
