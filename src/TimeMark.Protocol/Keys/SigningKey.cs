// Private keys: PKCS#8 PrivateKeyInfo (RFC 5958) for ECDSA P-256 (RFC 5915 inside)
// and Ed25519 (RFC 8410 §7); SEC1 "EC PRIVATE KEY" (RFC 5915) is read too.
using System.Security.Cryptography;
using NSec.Cryptography;

namespace TimeMark.Protocol.Keys;

/// <summary>
/// A private key that signs: a device's key (ECDSA P-256 or Ed25519) or the
/// broker's time-mark key (Ed25519). It never prints its bytes; the only way
/// out is an explicit PKCS#8 export for writing the key file.
/// </summary>
public sealed class SigningKey : IDisposable
{
    private readonly ECDsa? _ecdsa;
    private readonly Key? _ed25519;

    private SigningKey(KeyAlgorithm algorithm, ECDsa? ecdsa, Key? ed25519)
    {
        Algorithm = algorithm;
        _ecdsa = ecdsa;
        _ed25519 = ed25519;
        byte[] spki = ecdsa is not null
            ? ecdsa.ExportSubjectPublicKeyInfo()
            : ed25519!.PublicKey.Export(KeyBlobFormat.PkixPublicKey);
        PublicKey = VerifyingKey.ImportSubjectPublicKeyInfo(spki);
    }

    public KeyAlgorithm Algorithm { get; }

    /// <summary>The matching public key.</summary>
    public VerifyingKey PublicKey { get; }

    /// <summary>A fresh random key.</summary>
    public static SigningKey Generate(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.Ed25519 => new SigningKey(algorithm, null, Key.Create(SignatureAlgorithm.Ed25519, Exportable)),
        KeyAlgorithm.EcdsaP256 => new SigningKey(algorithm, ECDsa.Create(ECCurve.NamedCurves.nistP256), null),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown key algorithm."),
    };

    /// <summary>Imports a "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (SEC1) PEM block.</summary>
    /// <exception cref="KeyFormatException">The text holds no supported private key.</exception>
    public static SigningKey ImportPem(ReadOnlySpan<char> pem)
    {
        const string expected = $"\"{Pem.PrivateKeyLabel}\" or \"{Pem.EcPrivateKeyLabel}\"";
        byte[] der = Pem.Decode(pem, expected, out string label);
        try
        {
            return label switch
            {
                Pem.PrivateKeyLabel => ImportPkcs8(der),
                Pem.EcPrivateKeyLabel => ImportEcdsa(der, sec1: true),
                _ => throw new KeyFormatException(Errors.UnexpectedPemLabel(label, expected)),
            };
        }
        catch (Exception e) when (e is CryptographicException or FormatException and not KeyFormatException)
        {
            throw new KeyFormatException(Errors.BadKeyEncoding(e.Message), e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>Writes the 64-byte signature of <paramref name="data"/>: r‖s for P-256, RFC 8032 for Ed25519.</summary>
    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
        if (signature.Length != 64)
            throw new ArgumentException("A signature takes exactly 64 bytes.", nameof(signature));
        if (_ed25519 is not null)
        {
            SignatureAlgorithm.Ed25519.Sign(_ed25519, data, signature);
            return;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, hash);
        int written = _ecdsa!.SignHash(hash, signature);
        System.Diagnostics.Debug.Assert(written == 64, "P-256 P1363 signatures are 64 bytes");
    }

    /// <summary>The private key as a "PRIVATE KEY" (PKCS#8) PEM block, for the key file only.</summary>
    public string ExportPkcs8Pem()
    {
        byte[] der = _ecdsa is not null
            ? _ecdsa.ExportPkcs8PrivateKey()
            : _ed25519!.Export(KeyBlobFormat.PkixPrivateKey);
        try
        {
            return Pem.Encode(Pem.PrivateKeyLabel, der);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    public void Dispose()
    {
        _ecdsa?.Dispose();
        _ed25519?.Dispose();
        PublicKey.Dispose();
    }

    public override string ToString() => $"{Algorithm} private key {PublicKey.Id}";

    private static KeyCreationParameters Exportable => new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };

    private static SigningKey ImportPkcs8(byte[] der) =>
        AlgorithmIdentifier.OfPrivateKeyInfo(der) == KeyAlgorithm.Ed25519
            ? new SigningKey(KeyAlgorithm.Ed25519, null, Key.Import(SignatureAlgorithm.Ed25519, der, KeyBlobFormat.PkixPrivateKey, Exportable))
            : ImportEcdsa(der, sec1: false);

    private static SigningKey ImportEcdsa(byte[] der, bool sec1)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            int read;
            if (sec1)
                ecdsa.ImportECPrivateKey(der, out read);
            else
                ecdsa.ImportPkcs8PrivateKey(der, out read);
            if (read != der.Length)
                throw new KeyFormatException(Errors.BadKeyEncoding("bytes follow the private key"));
            if (ecdsa.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
                throw new KeyFormatException(Errors.UnsupportedKeyAlgorithm("EC curve other than P-256"));
            return new SigningKey(KeyAlgorithm.EcdsaP256, ecdsa, null);
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }
}
