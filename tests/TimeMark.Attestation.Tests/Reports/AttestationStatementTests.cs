using TimeMark.Attestation.Reports;
using TimeMark.Protocol.Keys;

namespace TimeMark.Attestation.Tests.Reports;

public sealed class AttestationStatementTests
{
    [Fact]
    public void Of_AttestedReport_IsTheDocumentedLines()
    {
        // quote: SHA-256 of the bytes 01 02 03; events: SHA-256 of "23 x\n" (both from Python's hashlib).
        Assert.Equal(
            "timemark-attestation/1\n" +
            "nonce 00112233\n" +
            "time 2026-12-03T20:00:00.123Z\n" +
            "attested true\n" +
            "quote 039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81\n" +
            $"binary {SampleReports.BinaryHash}\n" +
            $"config {AttestationReport.HashConfig(SampleReports.Config)}\n" +
            "events f9b739af7c630acb92d530edc524e73e5aedbad9df13294f9e2baa9ba4b13845\n" +
            "ima none\n",
            System.Text.Encoding.UTF8.GetString(AttestationStatement.Of(SampleReports.Attested())));
    }

    [Fact]
    public void Of_SelfReportedDevelopmentBuild_WritesNoneForQuoteAndBinary()
    {
        AttestationReport report = SampleReports.SelfReported() with { Build = new ReportBuild() };

        string[] lines = System.Text.Encoding.UTF8.GetString(AttestationStatement.Of(report)).Split('\n');

        Assert.Contains("attested false", lines);
        Assert.Contains("quote none", lines);
        Assert.Contains("binary none", lines);
        // SHA-256 of the empty event log.
        Assert.Contains("events e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", lines);
    }

    [Fact]
    public void Of_ImaLog_WritesItsHash()
    {
        AttestationReport report = SampleReports.Attested() with { ImaLog = "" };

        Assert.EndsWith("ima e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
            System.Text.Encoding.UTF8.GetString(AttestationStatement.Of(report)), StringComparison.Ordinal);
    }

    [Fact]
    public void Of_TimeWithLineBreak_Throws()
    {
        AttestationReport report = SampleReports.Attested() with { Time = "2026-12-03T20:00:00Z\nattested true" };

        Assert.Throws<ArgumentException>(() => AttestationStatement.Of(report));
    }

    [Fact]
    public void Verify_SignedBySameKey_ReturnsTrue()
    {
        using SigningKey key = SigningKey.Generate(KeyAlgorithm.Ed25519);

        AttestationReport signed = AttestationStatement.Sign(SampleReports.Attested(), key);

        Assert.True(AttestationStatement.Verify(signed, key.PublicKey));
    }

    [Fact]
    public void Verify_NonceChangedAfterSigning_ReturnsFalse()
    {
        using SigningKey key = SigningKey.Generate(KeyAlgorithm.Ed25519);
        AttestationReport signed = AttestationStatement.Sign(SampleReports.Attested(), key);

        Assert.False(AttestationStatement.Verify(signed with { Nonce = [0x00, 0x11, 0x22, 0x34] }, key.PublicKey));
    }

    [Fact]
    public void Verify_QuoteChangedAfterSigning_ReturnsFalse()
    {
        using SigningKey key = SigningKey.Generate(KeyAlgorithm.Ed25519);
        AttestationReport signed = AttestationStatement.Sign(SampleReports.Attested(), key);

        Assert.False(AttestationStatement.Verify(signed with { Tpm = signed.Tpm! with { Quote = [1, 2, 4] } }, key.PublicKey));
    }

    [Fact]
    public void Verify_OtherKey_ReturnsFalse()
    {
        using SigningKey key = SigningKey.Generate(KeyAlgorithm.Ed25519);
        using SigningKey other = SigningKey.Generate(KeyAlgorithm.Ed25519);

        Assert.False(AttestationStatement.Verify(AttestationStatement.Sign(SampleReports.Attested(), key), other.PublicKey));
    }

    [Fact]
    public void Verify_P256TimeMarkKey_ReturnsTrue()
    {
        using SigningKey key = SigningKey.Generate(KeyAlgorithm.EcdsaP256);

        Assert.True(AttestationStatement.Verify(AttestationStatement.Sign(SampleReports.Attested(), key), key.PublicKey));
    }
}
