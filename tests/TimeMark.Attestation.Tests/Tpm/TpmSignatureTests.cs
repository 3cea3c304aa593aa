using System.Security.Cryptography;
using TimeMark.Attestation.Tpm;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.Tpm;

/// <summary>TPMT_SIGNATURE: quotes signed by swtpm's ECDSA P-256 AK (made by tpm2_quote), and .NET-made P-384 and RSASSA signatures.</summary>
public sealed class TpmSignatureTests(SwtpmFixture fixture) : IClassFixture<SwtpmFixture>
{
    private static readonly byte[] Nonce = Convert.FromHexString("a1a2a3a4a5a6a7a8");
    private static readonly byte[] Message = "a TPMS_ATTEST stand-in"u8.ToArray();

    [Fact]
    public async Task Verify_Tpm2QuoteSignature_ReturnsTrue()
    {
        (TpmQuote quote, TpmPublicArea ak) = await QuoteAsync();
        Assert.True(TpmSignature.TryParse(quote.Signature, out TpmSignature? signature, out string error), error);
        Assert.Equal((0x0018, 0x000B), (signature.Algorithm, signature.HashAlgorithm));
        Assert.True(signature.Verify(ak, quote.Attest));
    }

    [Fact]
    public async Task Verify_EveryBitFlipInTheQuote_ReturnsFalse()
    {
        (TpmQuote quote, TpmPublicArea ak) = await QuoteAsync();
        Assert.True(TpmSignature.TryParse(quote.Signature, out TpmSignature? signature, out _));
        for (int bit = 0; bit < quote.Attest.Length * 8; bit++)
            Assert.False(signature.Verify(ak, Flip(quote.Attest, bit)), $"bit {bit} flipped still verifies");
    }

    [Fact]
    public async Task Verify_EveryBitFlipInTheSignature_FailsToParseOrVerify()
    {
        (TpmQuote quote, TpmPublicArea ak) = await QuoteAsync();
        for (int bit = 0; bit < quote.Signature.Length * 8; bit++)
        {
            bool accepted = TpmSignature.TryParse(Flip(quote.Signature, bit), out TpmSignature? signature, out _) && signature.Verify(ak, quote.Attest);
            Assert.False(accepted, $"bit {bit} flipped still verifies");
        }
    }

    [Fact]
    public async Task TryParse_EveryTruncation_ReturnsFalseWithReason()
    {
        (TpmQuote quote, _) = await QuoteAsync();
        for (int length = 0; length < quote.Signature.Length; length++)
        {
            Assert.False(TpmSignature.TryParse(quote.Signature.AsSpan(0, length), out TpmSignature? signature, out string error));
            Assert.Null(signature);
            Assert.StartsWith("TPMT_SIGNATURE: ", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TryParse_TrailingByte_ReturnsFalse()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] signature = [.. TpmStructureBuilder.EcdsaSignature(key.SignData(Message, HashAlgorithmName.SHA256)), 0];
        Assert.False(TpmSignature.TryParse(signature, out _, out string error));
        Assert.Contains("trailing", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NullSignature_ReturnsFalseNamingSigAlg()
    {
        Assert.False(TpmSignature.TryParse(TpmStructureBuilder.U16(0x0010), out _, out string error));
        Assert.Contains("sigAlg is 0x0010", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Sha1_ReturnsFalseNamingHash()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] signature = TpmStructureBuilder.EcdsaSignature(key.SignData(Message, HashAlgorithmName.SHA256), hash: 0x0004);
        Assert.False(TpmSignature.TryParse(signature, out _, out string error));
        Assert.Contains("hash is 0x0004", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_EcdsaP256WithShortRAndS_LeftPadsAndReturnsTrue()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // One signature in 256 has r < 2^248; TPMs may send such r without its leading zero byte.
        byte[] p1363 = Enumerable.Range(0, 10_000).Select(_ => key.SignData(Message, HashAlgorithmName.SHA256)).First(s => s[0] == 0);
        byte[] signature = TpmStructureBuilder.EcdsaSignature(p1363);
        Assert.True(signature.Length < 2 + 2 + 2 + 32 + 2 + 32);
        Assert.True(Verify(signature, TpmStructureBuilder.EccPublic(key), Message));
    }

    [Fact]
    public void Verify_EcdsaP384_ReturnsTrue()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        byte[] signature = TpmStructureBuilder.EcdsaSignature(key.SignData(Message, HashAlgorithmName.SHA256));
        Assert.True(Verify(signature, TpmStructureBuilder.EccPublic(key), Message));
    }

    [Fact]
    public void Verify_RsaSsaSha256_ReturnsTrue()
    {
        using RSA key = RSA.Create(2048);
        byte[] signature = TpmStructureBuilder.RsaSsaSignature(key.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.True(Verify(signature, TpmStructureBuilder.RsaPublic(key), Message));
    }

    [Fact]
    public void Verify_RsaSsaOverAnotherMessage_ReturnsFalse()
    {
        using RSA key = RSA.Create(2048);
        byte[] signature = TpmStructureBuilder.RsaSsaSignature(key.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.False(Verify(signature, TpmStructureBuilder.RsaPublic(key), "another message"u8.ToArray()));
    }

    [Fact]
    public void Verify_EcdsaSignatureWithRsaKey_ReturnsFalse()
    {
        using ECDsa signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using RSA other = RSA.Create(2048);
        byte[] signature = TpmStructureBuilder.EcdsaSignature(signer.SignData(Message, HashAlgorithmName.SHA256));
        Assert.False(Verify(signature, TpmStructureBuilder.RsaPublic(other), Message));
    }

    [Fact]
    public void Verify_EcdsaSignatureByAnotherKey_ReturnsFalse()
    {
        using ECDsa signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using ECDsa other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] signature = TpmStructureBuilder.EcdsaSignature(signer.SignData(Message, HashAlgorithmName.SHA256));
        Assert.False(Verify(signature, TpmStructureBuilder.EccPublic(other), Message));
    }

    private static bool Verify(byte[] signatureBytes, byte[] publicBytes, byte[] message)
    {
        Assert.True(TpmSignature.TryParse(signatureBytes, out TpmSignature? signature, out string error), error);
        Assert.True(TpmPublicArea.TryParse(publicBytes, out TpmPublicArea? key, out error), error);
        return signature.Verify(key, message);
    }

    private async Task<(TpmQuote Quote, TpmPublicArea Ak)> QuoteAsync()
    {
        TpmQuote quote = await fixture.ToolQuoteAsync(Nonce, 23);
        await using TpmClient tpm = await fixture.ConnectAsync();
        return (quote, await tpm.ReadPublicAsync(Swtpm.AkHandle, CancellationToken.None));
    }

    private static byte[] Flip(byte[] bytes, int bit)
    {
        byte[] flipped = [.. bytes];
        flipped[bit / 8] ^= (byte)(1 << (bit % 8));
        return flipped;
    }
}
