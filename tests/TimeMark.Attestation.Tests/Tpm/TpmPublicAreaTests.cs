using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TimeMark.Attestation.Tpm;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.Tpm;

/// <summary>TPMT_PUBLIC as tpm2_readpublic writes it (the TPM2B_PUBLIC file), for swtpm's AK and both EKs.</summary>
public sealed class TpmPublicAreaTests(SwtpmFixture fixture) : IClassFixture<SwtpmFixture>
{
    [Theory]
    [InlineData(Swtpm.AkHandle)]
    [InlineData(Swtpm.RsaEkHandle)]
    [InlineData(Swtpm.EccEkHandle)]
    public async Task Name_EqualsTpm2ReadPublic(uint handle) =>
        Assert.Equal(await fixture.ToolNameAsync(handle, "name"), (await ToolPublicAsync(handle)).Name);

    [Theory]
    [InlineData(Swtpm.AkHandle)]
    [InlineData(Swtpm.RsaEkHandle)]      // exponent 0 in the TCG template: 65537
    [InlineData(Swtpm.EccEkHandle)]      // NIST P-384
    public async Task ExportPem_EqualsTpm2ReadPublicPem(uint handle)
    {
        string pem = fixture.NewFile("pem");
        await fixture.ToolAsync("tpm2_readpublic", "-c", SwtpmFixture.Hex(handle), "-f", "pem", "-o", pem);
        Assert.Equal((await File.ReadAllTextAsync(pem)).Trim(), (await ToolPublicAsync(handle)).ExportPem().Trim());
    }

    [Fact]
    public async Task TryParse_Ak_IsEccP256RestrictedSigningKey()
    {
        TpmPublicArea ak = await ToolPublicAsync(Swtpm.AkHandle);
        Assert.Equal((0x0023, 0x000B, 0x0003), (ak.Type, ak.NameAlg, ak.CurveId));
        Assert.True(ak.Attributes.HasFlag(TpmObjectAttributes.Restricted | TpmObjectAttributes.Sign | TpmObjectAttributes.FixedTpm));
    }

    [Fact]
    public async Task TryParse_RsaEk_HasTheTcgDefaultPolicy()
    {
        // TCG EK Credential Profile, template L-1: PolicySecret(TPM_RH_ENDORSEMENT).
        TpmPublicArea ek = await ToolPublicAsync(Swtpm.RsaEkHandle);
        Assert.Equal("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa", Convert.ToHexStringLower(ek.AuthPolicy));
    }

    [Fact]
    public async Task HasSamePublicKey_EkCertificate_ReturnsTrue()
    {
        string file = fixture.NewFile("der");
        await fixture.ToolAsync("tpm2_nvread", SwtpmFixture.Hex(Swtpm.RsaEkCertificateIndex), "-o", file);
        using X509Certificate2 certificate = X509CertificateLoader.LoadCertificateFromFile(file);
        Assert.True((await ToolPublicAsync(Swtpm.RsaEkHandle)).HasSamePublicKey(certificate));
    }

    [Fact]
    public async Task HasSamePublicKey_AnotherKeysCertificate_ReturnsFalse()
    {
        using RSA other = RSA.Create(2048);
        using X509Certificate2 certificate = new CertificateRequest("CN=other", other, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        Assert.False((await ToolPublicAsync(Swtpm.RsaEkHandle)).HasSamePublicKey(certificate));
    }

    [Theory]
    [InlineData(Swtpm.AkHandle)]
    [InlineData(Swtpm.RsaEkHandle)]
    public async Task TryParse_EveryTruncation_ReturnsFalseWithReason(uint handle)
    {
        byte[] bytes = (await ToolPublicAsync(handle)).Bytes;
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.False(TpmPublicArea.TryParse(bytes.AsSpan(0, length), out TpmPublicArea? area, out string error));
            Assert.Null(area);
            Assert.StartsWith("TPMT_PUBLIC: ", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TryParse_TrailingByte_ReturnsFalse()
    {
        byte[] bytes = [.. (await ToolPublicAsync(Swtpm.AkHandle)).Bytes, 0];
        Assert.False(TpmPublicArea.TryParse(bytes, out _, out string error));
        Assert.Contains("trailing", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryParse_KeyedHashType_ReturnsFalseNamingType()
    {
        byte[] bytes = [.. (await ToolPublicAsync(Swtpm.AkHandle)).Bytes];
        bytes[1] = 0x08;
        Assert.False(TpmPublicArea.TryParse(bytes, out _, out string error));
        Assert.Contains("type is 0x0008", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_UnknownCurve_ReturnsFalseNamingCurve()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] bytes = TpmStructureBuilder.EccPublic(key);
        // curveID follows type, nameAlg, attributes, empty authPolicy, symmetric NULL, scheme ECDSA-SHA256.
        bytes[17] = 0x10;
        Assert.False(TpmPublicArea.TryParse(bytes, out _, out string error));
        Assert.Contains("curveID is 0x0010", error, StringComparison.Ordinal);
    }

    /// <summary>The TPMT_PUBLIC inside the TPM2B_PUBLIC that <c>tpm2_readpublic -o</c> writes.</summary>
    private async Task<TpmPublicArea> ToolPublicAsync(uint handle)
    {
        string file = fixture.NewFile("pub");
        await fixture.ToolAsync("tpm2_readpublic", "-c", SwtpmFixture.Hex(handle), "-o", file);
        byte[] tpm2b = await File.ReadAllBytesAsync(file);
        Assert.True(TpmPublicArea.TryParse(tpm2b.AsSpan(2), out TpmPublicArea? area, out string error), error);
        Assert.Equal(tpm2b.Length - 2, (tpm2b[0] << 8) | tpm2b[1]);
        return area;
    }
}
