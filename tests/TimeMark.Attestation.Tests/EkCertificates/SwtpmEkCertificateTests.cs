using System.Security.Cryptography.X509Certificates;
using TimeMark.Attestation.EkCertificates;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.EkCertificates;

/// <summary>swtpm's EK certificates (swtpm_localca: root, intermediate, EK) checked here and by openssl verify.</summary>
public sealed class SwtpmEkCertificateTests(TwoSwtpms swtpms) : IClassFixture<TwoSwtpms>
{
    private static X509Certificate2Collection Load(string pemFile)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(pemFile);
        return certificates;
    }

    [Fact]
    public void Check_WithItsCa_Passes()
    {
        Assert.True(EkCertificateChain.Check(swtpms.Ek, Load(swtpms.Tpm.EkCaFile), out string detail), detail);
        Assert.Contains("swtpm-localca-rootca", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WithAnotherSwtpmsCa_Fails()
    {
        // Both swtpm_localca CAs have the same subject names; only keys and signatures tell them apart.
        Assert.False(EkCertificateChain.Check(swtpms.Ek, Load(swtpms.OtherTpm.EkCaFile), out string detail));
        Assert.NotEmpty(detail);
    }

    [Fact]
    public void Check_IntermediateMissing_Fails()
    {
        X509Certificate2Collection cas = Load(swtpms.Tpm.EkCaFile);
        cas.RemoveAt(1);
        Assert.False(EkCertificateChain.Check(swtpms.Ek, cas, out string detail));
        Assert.Contains("no issuer found", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenSslVerify_WithItsCa_AgreesItPasses() => Assert.Equal(0, await OpenSslVerifyAsync(swtpms.Tpm));

    [Fact]
    public async Task OpenSslVerify_WithAnotherSwtpmsCa_AgreesItFails() => Assert.NotEqual(0, await OpenSslVerifyAsync(swtpms.OtherTpm));

    /// <summary>openssl verify -CAfile root -untrusted intermediate ek.pem, with the CAs of <paramref name="caOwner"/>.</summary>
    private async Task<int> OpenSslVerifyAsync(Swtpm caOwner)
    {
        X509Certificate2Collection cas = Load(caOwner.EkCaFile);
        using var folder = new TempDirectory();
        string root = folder.Write("root.pem", cas[0].ExportCertificatePem());
        string intermediate = folder.Write("intermediate.pem", cas[1].ExportCertificatePem());
        var (exitCode, _, _) = await Shell.RunAsync("openssl", ["verify", "-CAfile", root, "-untrusted", intermediate, swtpms.EkPemFile], folder.Path);
        return exitCode;
    }
}
