using TimeMark.Attestation.Tpm;
using TimeMark.Tests.Shared;
using static TimeMark.Attestation.Tests.Tpm.TpmStructureBuilder;

namespace TimeMark.Attestation.Tests.Tpm;

/// <summary>TPMS_ATTEST of quotes made by tpm2_quote against swtpm, and malformed variants of them.</summary>
public sealed class TpmsAttestTests(SwtpmFixture fixture) : IClassFixture<SwtpmFixture>
{
    private static readonly byte[] Nonce = Convert.FromHexString("0102030405060708090a0b0c0d0e0f10");

    [Fact]
    public async Task TryParse_Tpm2Quote_HasMagicTypeNonceAndSelection()
    {
        TpmsAttest attest = Parse((await fixture.ToolQuoteAsync(Nonce, 23)).Attest);
        Assert.Equal((0xff544347u, (ushort)0x8018), (attest.Magic, attest.Type));
        Assert.Equal(Nonce, attest.ExtraData);
        Assert.Equal([23], attest.Pcrs);
    }

    [Fact]
    public async Task TryParse_Tpm2Quote_QualifiedSignerIsTheAksQualifiedName()
    {
        TpmsAttest attest = Parse((await fixture.ToolQuoteAsync(Nonce, 23)).Attest);
        Assert.Equal(await fixture.ToolNameAsync(Swtpm.AkHandle, "qualified name"), attest.QualifiedSigner);
    }

    [Fact]
    public async Task TryParse_Tpm2Quote_PcrDigestIsDigestOfTpm2PcrRead()
    {
        TpmsAttest attest = Parse((await fixture.ToolQuoteAsync(Nonce, 23)).Attest);
        Assert.Equal(PcrValues.Digest([await fixture.ToolPcrAsync(23)]), attest.PcrDigest);
    }

    [Fact]
    public async Task TryParse_Tpm2Quote_ClockIsTheTpmsClock()
    {
        TpmsAttest attest = Parse((await fixture.ToolQuoteAsync(Nonce, 23)).Attest);
        TpmClockInfo now;
        await using (TpmClient tpm = await fixture.ConnectAsync())
            now = await tpm.ReadClockAsync(CancellationToken.None);
        Assert.True(attest.Clock.Safe);
        Assert.InRange(attest.Clock.ClockMilliseconds, 1ul, now.ClockMilliseconds);
        Assert.Equal((now.ResetCount, now.RestartCount), (attest.Clock.ResetCount, attest.Clock.RestartCount));
    }

    [Fact]
    public async Task TryParse_EveryTruncation_ReturnsFalseWithReason()
    {
        byte[] bytes = (await fixture.ToolQuoteAsync(Nonce, 23)).Attest;
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.False(TpmsAttest.TryParse(bytes.AsSpan(0, length), out TpmsAttest? attest, out string error));
            Assert.Null(attest);
            Assert.StartsWith("TPMS_ATTEST: ", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TryParse_EveryBitFlip_NeverThrows()
    {
        byte[] bytes = (await fixture.ToolQuoteAsync(Nonce, 23)).Attest;
        for (int bit = 0; bit < bytes.Length * 8; bit++)
        {
            byte[] flipped = [.. bytes];
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            bool parsed = TpmsAttest.TryParse(flipped, out TpmsAttest? attest, out string error);
            Assert.Equal(parsed, attest is not null);
            Assert.Equal(parsed, error.Length == 0);
        }
    }

    [Fact]
    public void TryParse_WrongMagic_ReturnsFalseNamingMagic() =>
        AssertRejected(Attest(magic: 0xff544348), "magic is 0xff544348");

    [Fact]
    public void TryParse_CertifyInsteadOfQuote_ReturnsFalseNamingType() =>
        AssertRejected(Attest(type: 0x8017), "type is 0x8017");

    [Fact]
    public void TryParse_Sha1Bank_ReturnsFalseNamingTheBank() =>
        AssertRejected(Attest(selections: [Selection(0x0004)]), "selects bank 0x0004");

    [Fact]
    public void TryParse_Sha256BankTwice_ReturnsFalse() =>
        AssertRejected(Attest(selections: [Selection(0x000B), Selection(0x000B)]), "selects the sha256 bank twice");

    [Fact]
    public void TryParse_TrailingByte_ReturnsFalse() =>
        AssertRejected([.. Attest(), 0], "1 trailing bytes at offset");

    [Fact]
    public void TryParse_SafeIsNotYesOrNo_ReturnsFalse() =>
        AssertRejected(Attest(safe: 2), "clockInfo.safe is 2");

    [Fact]
    public void TryParse_SelectionOfPcrs0And10And23_ListsThemAscending() =>
        Assert.Equal([0, 10, 23], Parse(Attest(selections: [[.. U16(0x000B), 3, 0x01, 0x04, 0x80]])).Pcrs);

    private static TpmsAttest Parse(byte[] bytes)
    {
        Assert.True(TpmsAttest.TryParse(bytes, out TpmsAttest? attest, out string error), error);
        return attest;
    }

    private static void AssertRejected(byte[] bytes, string reason)
    {
        Assert.False(TpmsAttest.TryParse(bytes, out TpmsAttest? attest, out string error));
        Assert.Null(attest);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    /// <summary>TPMS_PCR_SELECTION of PCR 23 in a bank.</summary>
    private static byte[] Selection(ushort bank) => [.. U16(bank), 3, 0, 0, 0x80];

    /// <summary>A TPMS_ATTEST laid out as Part 2 §10.12.12 says, valid unless told otherwise.</summary>
    private static byte[] Attest(uint magic = 0xff544347, ushort type = 0x8018, byte safe = 1, byte[][]? selections = null)
    {
        selections ??= [Selection(0x000B)];
        byte[] qualifiedSigner = [0x00, 0x0B, .. new byte[32]];
        return [.. U32(magic), .. U16(type), .. Sized(qualifiedSigner), .. Sized(Nonce),
            .. new byte[8], .. U32(1), .. U32(0), safe, .. new byte[8],
            .. U32((uint)selections.Length), .. selections.SelectMany(s => s), .. Sized(new byte[32])];
    }
}
