// RFC 5280 §4.1.1.2 AlgorithmIdentifier inside SubjectPublicKeyInfo (RFC 5280 §4.1.2.7)
// and PKCS#8 PrivateKeyInfo (RFC 5958 §2); OIDs from RFC 5480 §2.1.1 and RFC 8410 §3.
using System.Formats.Asn1;

namespace TimeMark.Protocol.Keys;

/// <summary>Tells which <see cref="KeyAlgorithm"/> a DER-encoded public or private key is for.</summary>
internal static class AlgorithmIdentifier
{
    private const string EcPublicKey = "1.2.840.10045.2.1";
    private const string NamedCurveP256 = "1.2.840.10045.3.1.7";
    private const string Ed25519 = "1.3.101.112";

    /// <summary>Reads the algorithm of a SubjectPublicKeyInfo: SEQUENCE { AlgorithmIdentifier, BIT STRING }.</summary>
    public static KeyAlgorithm OfSubjectPublicKeyInfo(ReadOnlyMemory<byte> der) =>
        Read(der, skipVersion: false);

    /// <summary>Reads the algorithm of a PrivateKeyInfo: SEQUENCE { INTEGER version, AlgorithmIdentifier, OCTET STRING, … }.</summary>
    public static KeyAlgorithm OfPrivateKeyInfo(ReadOnlyMemory<byte> der) =>
        Read(der, skipVersion: true);

    private static KeyAlgorithm Read(ReadOnlyMemory<byte> der, bool skipVersion)
    {
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            if (skipVersion)
                outer.ReadInteger();
            var algorithm = outer.ReadSequence();
            string oid = algorithm.ReadObjectIdentifier();
            switch (oid)
            {
                case Ed25519:
                    return KeyAlgorithm.Ed25519;
                case EcPublicKey:
                    string curve = algorithm.HasData && algorithm.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier)
                        ? algorithm.ReadObjectIdentifier()
                        : "(no named curve)";
                    return curve == NamedCurveP256
                        ? KeyAlgorithm.EcdsaP256
                        : throw new KeyFormatException(Errors.UnsupportedKeyAlgorithm($"EC curve {curve}"));
                default:
                    throw new KeyFormatException(Errors.UnsupportedKeyAlgorithm($"OID {oid}"));
            }
        }
        catch (AsnContentException e)
        {
            throw new KeyFormatException(Errors.BadKeyEncoding(e.Message), e);
        }
    }
}
