// Public keys: SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) for ECDSA P-256 (RFC 5480)
// and Ed25519 (RFC 8410); ECDSA signatures as IEEE P1363 r‖s, Ed25519 per RFC 8032.
using System.Security.Cryptography;
using NSec.Cryptography;

namespace TimeMark.Protocol.Keys;

/// <summary>
/// A public key that checks signatures. Importing costs far more than one
/// verification, so callers keep instances (a device registry caches them).
/// </summary>
public sealed class VerifyingKey : IDisposable
{
    private readonly ECDsa? _ecdsa;
    private readonly PublicKey? _ed25519;
    private readonly byte[] _subjectPublicKeyInfo;

    private VerifyingKey(KeyAlgorithm algorithm, ECDsa? ecdsa, PublicKey? ed25519, byte[] subjectPublicKeyInfo)
    {
        Algorithm = algorithm;
        _ecdsa = ecdsa;
        _ed25519 = ed25519;
        _subjectPublicKeyInfo = subjectPublicKeyInfo;
        Id = KeyId.FromSubjectPublicKeyInfo(subjectPublicKeyInfo);
    }

    public KeyAlgorithm Algorithm { get; }

    /// <summary>SHA-256 of the SubjectPublicKeyInfo.</summary>
    public KeyId Id { get; }

    /// <summary>Imports a DER SubjectPublicKeyInfo for P-256 or Ed25519.</summary>
    /// <exception cref="KeyFormatException">The bytes are not such a key.</exception>
    public static VerifyingKey ImportSubjectPublicKeyInfo(ReadOnlySpan<byte> der)
    {
        byte[] spki = der.ToArray();
        KeyAlgorithm algorithm = AlgorithmIdentifier.OfSubjectPublicKeyInfo(spki);
        try
        {
            if (algorithm == KeyAlgorithm.Ed25519)
            {
                var key = PublicKey.Import(SignatureAlgorithm.Ed25519, spki, KeyBlobFormat.PkixPublicKey);
                return new VerifyingKey(algorithm, null, key, spki);
            }

            var ecdsa = ECDsa.Create();
            try
            {
                ecdsa.ImportSubjectPublicKeyInfo(spki, out int read);
                if (read != spki.Length)
                    throw new KeyFormatException(Errors.BadKeyEncoding("bytes follow the SubjectPublicKeyInfo"));
                return new VerifyingKey(algorithm, ecdsa, null, spki);
            }
            catch
            {
                ecdsa.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is CryptographicException or FormatException and not KeyFormatException)
        {
            throw new KeyFormatException(Errors.BadKeyEncoding(e.Message), e);
        }
    }

    /// <summary>Imports a "PUBLIC KEY" PEM block (RFC 7468 §13).</summary>
    /// <exception cref="KeyFormatException">The text holds no such key.</exception>
    public static VerifyingKey ImportPem(ReadOnlySpan<char> pem)
    {
        byte[] der = Pem.Decode(pem, $"\"{Pem.PublicKeyLabel}\"", out string label);
        if (label != Pem.PublicKeyLabel)
            throw new KeyFormatException(Errors.UnexpectedPemLabel(label, $"\"{Pem.PublicKeyLabel}\""));
        return ImportSubjectPublicKeyInfo(der);
    }

    /// <summary>
    /// True when <paramref name="signature"/> is this key's 64-byte signature of
    /// <paramref name="data"/>; false for any other signature, including one of the wrong length.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 64)
            return false;
        if (_ed25519 is not null)
            return SignatureAlgorithm.Ed25519.Verify(_ed25519, data, signature);

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, hash);
        return _ecdsa!.VerifyHash(hash, signature);
    }

    /// <summary>The DER SubjectPublicKeyInfo.</summary>
    public byte[] ExportSubjectPublicKeyInfo() => (byte[])_subjectPublicKeyInfo.Clone();

    /// <summary>The key as a "PUBLIC KEY" PEM block.</summary>
    public string ExportPem() => Pem.Encode(Pem.PublicKeyLabel, _subjectPublicKeyInfo);

    /// <summary>The raw 32-byte Ed25519 public key (RFC 8032 §5.1.5).</summary>
    /// <exception cref="InvalidOperationException">This is not an Ed25519 key.</exception>
    public byte[] ExportRawEd25519() => _ed25519?.Export(KeyBlobFormat.RawPublicKey)
        ?? throw new InvalidOperationException("Only an Ed25519 key has a raw 32-byte form.");

    public void Dispose() => _ecdsa?.Dispose();

    public override string ToString() => $"{Algorithm} public key {Id}";
}
