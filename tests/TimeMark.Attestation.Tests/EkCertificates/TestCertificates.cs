using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TimeMark.Attestation.Tests.EkCertificates;

/// <summary>
/// A root, an intermediate and EK certificates shaped like the TCG EK Credential Profile's (empty subject,
/// critical subjectAltName with the TPM manufacturer, model and version), made in memory.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly ECDsa _rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly RSA _ekKey = RSA.Create(2048);
    private int _serial;

    public TestCertificates()
    {
        var now = DateTimeOffset.UtcNow;
        var root = new CertificateRequest("CN=Test TPM Root CA", _rootKey, HashAlgorithmName.SHA256);
        AddCaExtensions(root);
        Root = root.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        var intermediate = new CertificateRequest("CN=Test TPM Issuing CA", _intermediateKey, HashAlgorithmName.SHA256);
        AddCaExtensions(intermediate);
        Intermediate = intermediate.Create(Root.SubjectName, X509SignatureGenerator.CreateForECDsa(_rootKey), now.AddDays(-1), now.AddYears(10), Serial());
    }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    public X509Certificate2Collection Cas => [Root, Intermediate];

    /// <summary>An EK certificate issued by the intermediate.</summary>
    /// <param name="extra">One more extension, e.g. a critical one nobody knows.</param>
    /// <param name="signer">Signs instead of the intermediate's key (a forged certificate).</param>
    public X509Certificate2 Ek(DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, X509Extension? extra = null, ECDsa? signer = null)
    {
        var request = new CertificateRequest(new X500DistinguishedName(""), _ekKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(TpmSubjectAltName());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("2.23.133.8.1")], false));
        if (extra is not null)
            request.CertificateExtensions.Add(extra);
        return request.Create(Intermediate.SubjectName, X509SignatureGenerator.CreateForECDsa(signer ?? _intermediateKey),
            notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddYears(5), Serial());
    }

    public void Dispose()
    {
        Root.Dispose();
        Intermediate.Dispose();
        _rootKey.Dispose();
        _intermediateKey.Dispose();
        _ekKey.Dispose();
    }

    private byte[] Serial() => [0x01, (byte)++_serial];

    private static void AddCaExtensions(CertificateRequest request)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
    }

    /// <summary>
    /// TCG EK Credential Profile §3.2.9: subjectAltName, critical because the subject is empty, holding a
    /// directoryName with tcg-at-tpmManufacturer (2.23.133.2.1), tcg-at-tpmModel (.2) and tcg-at-tpmVersion (.3).
    /// </summary>
    private static X509Extension TpmSubjectAltName()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, isConstructed: true)))
        using (writer.PushSequence())
        {
            foreach ((string oid, string value) in (ReadOnlySpan<(string, string)>)[("2.23.133.2.1", "id:00001014"), ("2.23.133.2.2", "swtpm"), ("2.23.133.2.3", "id:20191023")])
            {
                using (writer.PushSetOf())
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    writer.WriteCharacterString(UniversalTagNumber.UTF8String, value);
                }
            }
        }
        return new X509Extension("2.5.29.17", writer.Encode(), critical: true);
    }
}
