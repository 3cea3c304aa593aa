using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TimeMark.Attestation.EkCertificates;

namespace TimeMark.Attestation.Tests.EkCertificates;

/// <summary>Chains made in memory, shaped like the TCG EK Credential Profile's; swtpm's real ones are in <see cref="SwtpmEkCertificateTests"/>.</summary>
public sealed class EkCertificateChainTests : IDisposable
{
    private readonly TestCertificates _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void Check_EmptySubjectCriticalTpmSubjectAltName_Passes()
    {
        using X509Certificate2 ek = _pki.Ek();
        Assert.True(EkCertificateChain.Check(ek, _pki.Cas, out string detail), detail);
        Assert.Contains("Test TPM Root CA", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_CasInAnyOrder_Passes()
    {
        using X509Certificate2 ek = _pki.Ek();
        Assert.True(EkCertificateChain.Check(ek, [_pki.Intermediate, _pki.Root], out string detail), detail);
    }

    [Fact]
    public void Check_IntermediateMissing_FailsNamingMissingIssuer()
    {
        using X509Certificate2 ek = _pki.Ek();
        Assert.False(EkCertificateChain.Check(ek, [_pki.Root], out string detail));
        Assert.Contains("no issuer found", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NoSelfSignedCa_FailsNoRoot()
    {
        using X509Certificate2 ek = _pki.Ek();
        Assert.False(EkCertificateChain.Check(ek, [_pki.Intermediate], out string detail));
        Assert.Contains("no root to trust", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_OtherRoot_Fails()
    {
        using var other = new TestCertificates();
        using X509Certificate2 ek = _pki.Ek();
        Assert.False(EkCertificateChain.Check(ek, other.Cas, out string detail));
        Assert.NotEmpty(detail);
    }

    [Fact]
    public void Check_SignedByAnotherKeyUnderTheIssuersName_FailsSignature()
    {
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 ek = _pki.Ek(signer: forger);
        Assert.False(EkCertificateChain.Check(ek, _pki.Cas, out string detail));
        Assert.Contains("signature", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_Expired_FailsNamingValidity()
    {
        using X509Certificate2 ek = _pki.Ek(notBefore: DateTimeOffset.UtcNow.AddYears(-3), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        Assert.False(EkCertificateChain.Check(ek, _pki.Cas, out string detail));
        Assert.Contains("EK certificate: not valid now", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NotYetValid_FailsNamingValidity()
    {
        using X509Certificate2 ek = _pki.Ek(notBefore: DateTimeOffset.UtcNow.AddDays(1), notAfter: DateTimeOffset.UtcNow.AddYears(1));
        Assert.False(EkCertificateChain.Check(ek, _pki.Cas, out string detail));
        Assert.Contains("not valid now", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_UnknownCriticalExtension_FailsNamingIt()
    {
        using X509Certificate2 ek = _pki.Ek(extra: new X509Extension("1.3.6.1.4.1.99999.1", [0x05, 0x00], critical: true));
        Assert.False(EkCertificateChain.Check(ek, _pki.Cas, out string detail));
        Assert.EndsWith("a critical extension is not understood: 1.3.6.1.4.1.99999.1", detail, StringComparison.Ordinal);
    }
}
