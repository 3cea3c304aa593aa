using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TimeMark.Attestation.Tpm;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.Tpm;

/// <summary>TpmClient against a real swtpm, each result checked against what tpm2-tools say.
/// PCR 23 is only extended (tests read it first), PCR 16 only reset.</summary>
public sealed class TpmClientTests(SwtpmFixture fixture) : IClassFixture<SwtpmFixture>
{
    private static readonly byte[] Nonce = Convert.FromHexString("00112233445566778899aabbccddeeff");

    [Fact]
    public async Task PcrExtendAsync_Pcr23_IsSha256OfOldValueAndDigest()
    {
        byte[] digest = SHA256.HashData("measured"u8);
        byte[] before, after;
        await using (TpmClient tpm = await fixture.ConnectAsync())
        {
            before = (await tpm.PcrReadAsync([23], CancellationToken.None))[23];
            await tpm.PcrExtendAsync(23, digest, CancellationToken.None);
            after = (await tpm.PcrReadAsync([23], CancellationToken.None))[23];
        }
        Assert.Equal(SHA256.HashData([.. before, .. digest]), after);
    }

    [Fact]
    public async Task PcrReadAsync_Pcr23_EqualsTpm2PcrRead()
    {
        await using (TpmClient tpm = await fixture.ConnectAsync())
            await tpm.PcrExtendAsync(23, SHA256.HashData("read me"u8), CancellationToken.None);
        byte[] value;
        await using (TpmClient tpm = await fixture.ConnectAsync())
            value = (await tpm.PcrReadAsync([23], CancellationToken.None))[23];
        Assert.Equal(await fixture.ToolPcrAsync(23), value);
    }

    [Fact]
    public async Task PcrReadAsync_AllPcrs_ReadsEachOfThemInSeveralCommands()
    {
        await using TpmClient tpm = await fixture.ConnectAsync();
        IReadOnlyDictionary<int, byte[]> values = await tpm.PcrReadAsync([.. Enumerable.Range(0, 24)], CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 24), values.Keys);
        Assert.All(values.Values, v => Assert.Equal(32, v.Length));
    }

    [Fact]
    public async Task PcrResetAsync_Pcr16_IsZeroAgain()
    {
        await using (TpmClient tpm = await fixture.ConnectAsync())
        {
            await tpm.PcrExtendAsync(16, SHA256.HashData("to be reset"u8), CancellationToken.None);
            await tpm.PcrResetAsync(16, CancellationToken.None);
        }
        Assert.Equal(new byte[32], await fixture.ToolPcrAsync(16));
    }

    [Fact]
    public async Task PcrResetAsync_Pcr0_FailsWithTheTpmsReason()
    {
        await using TpmClient tpm = await fixture.ConnectAsync();
        var failure = await Assert.ThrowsAsync<TpmException>(() => tpm.PcrResetAsync(0, CancellationToken.None));
        Assert.NotNull(failure.ResponseCode);
        Assert.Contains("TPM2_PCR_Reset", failure.Message, StringComparison.Ordinal);
        Assert.Contains("TPM_RC_LOCALITY", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuoteAsync_VerifiesWithTpm2CheckQuote()
    {
        TpmQuote quote;
        await using (TpmClient tpm = await fixture.ConnectAsync())
            quote = await tpm.QuoteAsync(Swtpm.AkHandle, Nonce, [23], CancellationToken.None);
        string message = fixture.NewFile("msg"), signature = fixture.NewFile("sig"), pem = fixture.NewFile("pem"), pcrs = fixture.NewFile("pcrs");
        await File.WriteAllBytesAsync(message, quote.Attest);
        await File.WriteAllBytesAsync(signature, quote.Signature);
        await fixture.ToolAsync("tpm2_readpublic", "-c", SwtpmFixture.Hex(Swtpm.AkHandle), "-f", "pem", "-o", pem);
        await fixture.ToolAsync("tpm2_pcrread", "-o", pcrs, "sha256:23");
        // tpm2_checkquote exits non-zero (ToolAsync throws) unless signature, nonce and PCR digest all match.
        await fixture.ToolAsync("tpm2_checkquote", "-u", pem, "-m", message, "-s", signature, "-f", pcrs, "-l", "sha256:23",
            "-g", "sha256", "-q", Convert.ToHexStringLower(Nonce));
    }

    [Fact]
    public async Task QuoteAsync_AttestCarriesNonceSelectionAndPcrDigest()
    {
        await using TpmClient tpm = await fixture.ConnectAsync();
        TpmQuote quote = await tpm.QuoteAsync(Swtpm.AkHandle, Nonce, [16, 23], CancellationToken.None);
        IReadOnlyDictionary<int, byte[]> values = await tpm.PcrReadAsync([16, 23], CancellationToken.None);
        Assert.True(TpmsAttest.TryParse(quote.Attest, out TpmsAttest? attest, out string error), error);
        Assert.Equal(Nonce, attest.ExtraData);
        Assert.Equal([16, 23], attest.Pcrs);
        Assert.Equal(PcrValues.Digest([values[16], values[23]]), attest.PcrDigest);
    }

    [Fact]
    public async Task QuoteAsync_SignatureVerifiesWithReadPublicKey()
    {
        await using TpmClient tpm = await fixture.ConnectAsync();
        TpmQuote quote = await tpm.QuoteAsync(Swtpm.AkHandle, Nonce, [23], CancellationToken.None);
        TpmPublicArea ak = await tpm.ReadPublicAsync(Swtpm.AkHandle, CancellationToken.None);
        Assert.True(TpmSignature.TryParse(quote.Signature, out TpmSignature? signature, out string error), error);
        Assert.True(signature.Verify(ak, quote.Attest));
    }

    [Fact]
    public async Task QuoteAsync_MissingKey_FailsNamingHandleError()
    {
        await using TpmClient tpm = await fixture.ConnectAsync();
        var failure = await Assert.ThrowsAsync<TpmException>(() => tpm.QuoteAsync(0x81000099, Nonce, [23], CancellationToken.None));
        Assert.Contains("TPM_RC_HANDLE", failure.Message, StringComparison.Ordinal);
        Assert.Contains("handle 1", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadPublicAsync_Ak_NameEqualsTpm2ReadPublic()
    {
        TpmPublicArea ak;
        await using (TpmClient tpm = await fixture.ConnectAsync())
            ak = await tpm.ReadPublicAsync(Swtpm.AkHandle, CancellationToken.None);
        Assert.Equal(await fixture.ToolNameAsync(Swtpm.AkHandle, "name"), ak.Name);
    }

    [Fact]
    public async Task ReadPublicAsync_EkThenAk_QualifiedNameEqualsTpm2ReadPublic()
    {
        TpmPublicArea ek, ak;
        await using (TpmClient tpm = await fixture.ConnectAsync())
        {
            ek = await tpm.ReadPublicAsync(Swtpm.RsaEkHandle, CancellationToken.None);
            ak = await tpm.ReadPublicAsync(Swtpm.AkHandle, CancellationToken.None);
        }
        byte[] ekQualifiedName = QualifiedName.Of(QualifiedName.Hierarchy(QualifiedName.EndorsementHierarchy), ek.Name);
        Assert.Equal(await fixture.ToolNameAsync(Swtpm.AkHandle, "qualified name"), QualifiedName.Of(ekQualifiedName, ak.Name));
    }

    [Fact]
    public async Task ReadPublicAsync_Ak_PemEqualsTpm2ReadPublic()
    {
        TpmPublicArea ak;
        await using (TpmClient tpm = await fixture.ConnectAsync())
            ak = await tpm.ReadPublicAsync(Swtpm.AkHandle, CancellationToken.None);
        string pem = fixture.NewFile("pem");
        await fixture.ToolAsync("tpm2_readpublic", "-c", SwtpmFixture.Hex(Swtpm.AkHandle), "-f", "pem", "-o", pem);
        Assert.Equal((await File.ReadAllTextAsync(pem)).Trim(), ak.ExportPem().Trim());
    }

    [Fact]
    public async Task ReadPublicAsync_Ak_IsRestrictedSigningKeyMadeInTheTpm()
    {
        await using TpmClient tpm = await fixture.ConnectAsync();
        TpmPublicArea ak = await tpm.ReadPublicAsync(Swtpm.AkHandle, CancellationToken.None);
        const TpmObjectAttributes Required = TpmObjectAttributes.FixedTpm | TpmObjectAttributes.FixedParent
            | TpmObjectAttributes.SensitiveDataOrigin | TpmObjectAttributes.Restricted | TpmObjectAttributes.Sign;
        Assert.Equal(Required, ak.Attributes & Required);
    }

    [Fact]
    public async Task NvReadAsync_EkCertificate_EqualsTpm2NvRead()
    {
        byte[] certificate;
        await using (TpmClient tpm = await fixture.ConnectAsync())
            certificate = await tpm.NvReadAsync(Swtpm.RsaEkCertificateIndex, CancellationToken.None);
        string file = fixture.NewFile("der");
        await fixture.ToolAsync("tpm2_nvread", SwtpmFixture.Hex(Swtpm.RsaEkCertificateIndex), "-o", file);
        Assert.Equal(await File.ReadAllBytesAsync(file), certificate);
    }

    [Fact]
    public async Task NvReadAsync_EkCertificate_CertifiesTheEk()
    {
        await using TpmClient tpm = await fixture.ConnectAsync();
        using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(await tpm.NvReadAsync(Swtpm.RsaEkCertificateIndex, CancellationToken.None));
        TpmPublicArea ek = await tpm.ReadPublicAsync(Swtpm.RsaEkHandle, CancellationToken.None);
        Assert.True(ek.HasSamePublicKey(certificate));
    }

    [Fact]
    public async Task NvReadAsync_UndefinedIndex_FailsNamingHandleError()
    {
        await using TpmClient tpm = await fixture.ConnectAsync();
        var failure = await Assert.ThrowsAsync<TpmException>(() => tpm.NvReadAsync(0x01c0ffff, CancellationToken.None));
        Assert.Contains("TPM2_NV_ReadPublic", failure.Message, StringComparison.Ordinal);
        Assert.Contains("TPM_RC_HANDLE", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadClockAsync_Twice_ClockRunsForwardAndIsSafe()
    {
        await using TpmClient tpm = await fixture.ConnectAsync();
        TpmClockInfo first = await tpm.ReadClockAsync(CancellationToken.None);
        TpmClockInfo second = await tpm.ReadClockAsync(CancellationToken.None);
        Assert.True(first.Safe);
        Assert.True(second.ClockMilliseconds >= first.ClockMilliseconds);
        Assert.Equal((first.ResetCount, first.RestartCount), (second.ResetCount, second.RestartCount));
    }

    [Fact]
    public async Task ActivateCredentialAsync_CredentialForTheAk_ReturnsTheSecret()
    {
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        (byte[] idObject, byte[] encryptedSecret) = await MakeCredentialAsync(secret, await fixture.ToolNameAsync(Swtpm.AkHandle, "name"));
        await using TpmClient tpm = await fixture.ConnectAsync();
        Assert.Equal(secret, await tpm.ActivateCredentialAsync(Swtpm.AkHandle, Swtpm.RsaEkHandle, idObject, encryptedSecret, CancellationToken.None));
    }

    [Fact]
    public async Task ActivateCredentialAsync_CredentialForAnotherName_FailsNamingIntegrity()
    {
        byte[] otherName = [0x00, 0x0b, .. SHA256.HashData("another key"u8)];
        (byte[] idObject, byte[] encryptedSecret) = await MakeCredentialAsync(RandomNumberGenerator.GetBytes(32), otherName);
        await using TpmClient tpm = await fixture.ConnectAsync();
        var failure = await Assert.ThrowsAsync<TpmException>(
            () => tpm.ActivateCredentialAsync(Swtpm.AkHandle, Swtpm.RsaEkHandle, idObject, encryptedSecret, CancellationToken.None));
        Assert.Contains("TPM_RC_INTEGRITY", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0x9Fu, failure.ResponseCode & 0xBFu);
    }

    [Fact]
    public async Task ActivateCredentialAsync_Failures_FlushTheirSessions()
    {
        byte[] otherName = [0x00, 0x0b, .. SHA256.HashData("another key"u8)];
        (byte[] idObject, byte[] encryptedSecret) = await MakeCredentialAsync(RandomNumberGenerator.GetBytes(32), otherName);
        await using TpmClient tpm = await fixture.ConnectAsync();
        // swtpm holds 64 sessions; leaked ones would end this loop with TPM_RC_SESSION_MEMORY instead of TPM_RC_INTEGRITY.
        for (int i = 0; i < 70; i++)
        {
            var failure = await Assert.ThrowsAsync<TpmException>(
                () => tpm.ActivateCredentialAsync(Swtpm.AkHandle, Swtpm.RsaEkHandle, idObject, encryptedSecret, CancellationToken.None));
            Assert.Contains("TPM_RC_INTEGRITY", failure.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>tpm2_makecredential's blob, split into the contents of TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET.</summary>
    private async Task<(byte[] IdObject, byte[] EncryptedSecret)> MakeCredentialAsync(byte[] secret, byte[] name)
    {
        string ekPublic = fixture.NewFile("pub"), secretFile = fixture.NewFile("bin"), blob = fixture.NewFile("blob");
        await File.WriteAllBytesAsync(secretFile, secret);
        await fixture.ToolAsync("tpm2_readpublic", "-c", SwtpmFixture.Hex(Swtpm.RsaEkHandle), "-o", ekPublic);
        await fixture.ToolAsync("tpm2_makecredential", "-T", "none", "-e", ekPublic, "-s", secretFile, "-n", Convert.ToHexStringLower(name), "-o", blob);
        byte[] bytes = await File.ReadAllBytesAsync(blob);
        Assert.Equal(Convert.FromHexString("BADCC0DE00000001"), bytes[..8]);
        int idSize = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(8));
        byte[] idObject = bytes[10..(10 + idSize)];
        int secretSize = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(10 + idSize));
        byte[] encryptedSecret = bytes[(12 + idSize)..(12 + idSize + secretSize)];
        Assert.Equal(bytes.Length, 12 + idSize + secretSize);
        return (idObject, encryptedSecret);
    }
}
