using System.Security.Cryptography;
using TimeMark.Attestation.Credentials;
using TimeMark.Attestation.Events;
using TimeMark.Attestation.Reports;

namespace TimeMark.Attestation.Tests.Reports;

/// <summary>
/// The verifier against evidence from real TPMs (swtpm, tpm2-tools): an honest broker passes every check, and each
/// way of lying fails the check named for it and is NOT attested.
/// </summary>
public sealed class AttestationVerifierTests(AttestationFixture fixture) : IClassFixture<AttestationFixture>
{
    private readonly byte[] _nonce = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task Verify_HonestBrokerWithEkCa_EveryCheckPassesAndIsAttested()
    {
        AttestationReport report = await fixture.HonestAsync(_nonce);

        AttestationVerdict verdict = await VerifyAsync(report, Expect());

        Assert.Equal(AttestationCheck.All, verdict.Checks.Select(check => check.Name));
        Assert.All(verdict.Checks.Where(check => check.Name != AttestationCheck.ImaReplay),
            check => Assert.True(check.Status == CheckStatus.Pass, check.ToString()));
        Assert.Equal(CheckStatus.Skip, Result(verdict, AttestationCheck.ImaReplay).Status);
        Assert.True(verdict.Attested, verdict.ToString());
        Assert.Equal("verdict: attested", verdict.ToString());
    }

    [Fact]
    public async Task Verify_HonestBrokerWithPinnedAkOnly_SkipsEkChecksAndIsAttested()
    {
        AttestationReport report = await fixture.HonestAsync(_nonce);

        AttestationVerdict verdict = await VerifyAsync(report, Expect() with { EkCaCertificates = null, AkPem = fixture.Broker.AkPem });

        Assert.Equal(CheckStatus.Pass, Result(verdict, AttestationCheck.QuoteSignature).Status);
        Assert.Equal(CheckStatus.Skip, Result(verdict, AttestationCheck.EkCertificate).Status);
        Assert.Equal(CheckStatus.Skip, Result(verdict, AttestationCheck.CredentialActivation).Status);
        Assert.True(verdict.Attested, verdict.ToString());
    }

    [Fact]
    public async Task Verify_NeitherEkCaNorAk_NotAttestedBecauseTheAkIsNotTiedToATpm()
    {
        AttestationReport report = await fixture.HonestAsync(_nonce);

        AttestationVerdict verdict = await VerifyAsync(report, Expect() with { EkCaCertificates = null });

        Assert.DoesNotContain(verdict.Checks, check => check.Status == CheckStatus.Fail);
        Assert.False(verdict.Attested);
        Assert.Contains("not tied to a known TPM", verdict.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ReportForAnotherNonce_FailsNonce()
    {
        AttestationReport report = await fixture.HonestAsync(RandomNumberGenerator.GetBytes(32));

        AttestationVerdict verdict = await VerifyAsync(report, Expect());

        AssertFails(verdict, AttestationCheck.Nonce);
    }

    [Fact]
    public async Task Verify_QuoteReplayedFromAnOlderNonce_FailsNonce()
    {
        // The attacker kept an honest quote and wraps it in a fresh report for the new nonce.
        string log = await fixture.Broker.MeasureAsync(AttestationFixture.Launch(AttestationFixture.BinaryHash, AttestationFixture.Config, fixture.TimeMarkKey));
        TpmEvidence old = await fixture.Broker.QuoteAsync(RandomNumberGenerator.GetBytes(32));
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Broker, _nonce, log, fixture.TimeMarkKey, change: r => r with { Tpm = old });

        AttestationVerdict verdict = await VerifyAsync(report, Expect());

        AssertFails(verdict, AttestationCheck.Nonce);
        Assert.Contains("replayed", Result(verdict, AttestationCheck.Nonce).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_QuoteSignedByAnotherTpmsAk_FailsQuoteSignature()
    {
        // Another machine measures the same launch and quotes; the report still shows the broker's AK.
        string log = await fixture.Other.MeasureAsync(AttestationFixture.Launch(AttestationFixture.BinaryHash, AttestationFixture.Config, fixture.TimeMarkKey));
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Other, _nonce, log, fixture.TimeMarkKey,
            change: r => r with { Tpm = r.Tpm! with { AkPublic = fixture.Broker.AkPublic, AkName = fixture.Broker.AkName } });

        AttestationVerdict verdict = await VerifyAsync(report, Expect());

        AssertFails(verdict, AttestationCheck.QuoteSignature);
    }

    [Fact]
    public async Task Verify_AnotherTpmsAkWithThisTpmsEkCertificate_FailsQualifiedSignerAndCredentialActivation()
    {
        // All of the other TPM's evidence, dressed in the broker TPM's EK and certificate.
        string log = await fixture.Other.MeasureAsync(AttestationFixture.Launch(AttestationFixture.BinaryHash, AttestationFixture.Config, fixture.TimeMarkKey));
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Other, _nonce, log, fixture.TimeMarkKey,
            change: r => r with { Tpm = r.Tpm! with { EkPublic = fixture.Broker.EkPublic, EkCertificate = fixture.Broker.EkCertificate } });

        AttestationVerdict verdict = await VerifyAsync(report, Expect(), fixture.Other.ActivateAsync);

        Assert.Equal(CheckStatus.Pass, Result(verdict, AttestationCheck.QuoteSignature).Status);
        Assert.Equal(CheckStatus.Pass, Result(verdict, AttestationCheck.EkCertificate).Status);
        AssertFails(verdict, AttestationCheck.QualifiedSigner);
        AssertFails(verdict, AttestationCheck.CredentialActivation);
    }

    [Fact]
    public async Task Verify_AnotherTpmsAkWhenAkIsPinned_FailsQuoteSignature()
    {
        string log = await fixture.Other.MeasureAsync(AttestationFixture.Launch(AttestationFixture.BinaryHash, AttestationFixture.Config, fixture.TimeMarkKey));
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Other, _nonce, log, fixture.TimeMarkKey);

        AttestationVerdict verdict = await VerifyAsync(report, Expect() with { EkCaCertificates = null, AkPem = fixture.Broker.AkPem });

        AssertFails(verdict, AttestationCheck.QuoteSignature);
        Assert.Contains("--ak", Result(verdict, AttestationCheck.QuoteSignature).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_EkCertificateOfAnotherCa_FailsEkCertificate()
    {
        // The other TPM's own, consistent evidence: its EK certificate is genuine, but not from the CA the verifier trusts.
        string log = await fixture.Other.MeasureAsync(AttestationFixture.Launch(AttestationFixture.BinaryHash, AttestationFixture.Config, fixture.TimeMarkKey));
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Other, _nonce, log, fixture.TimeMarkKey);

        AttestationVerdict verdict = await VerifyAsync(report, Expect(), fixture.Other.ActivateAsync);

        AssertFails(verdict, AttestationCheck.EkCertificate);
    }

    [Fact]
    public async Task Verify_DifferentBinaryMeasured_FailsBinary()
    {
        // The TPM saw another build start; the report still claims the expected one.
        string other = Convert.ToHexStringLower(SHA256.HashData("another build"u8));
        string log = await fixture.Broker.MeasureAsync(AttestationFixture.Launch(other, AttestationFixture.Config, fixture.TimeMarkKey));
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Broker, _nonce, log, fixture.TimeMarkKey);

        AttestationVerdict verdict = await VerifyAsync(report, Expect());

        Assert.Equal(CheckStatus.Pass, Result(verdict, AttestationCheck.EventLogReplay).Status);
        AssertFails(verdict, AttestationCheck.Binary);
    }

    [Fact]
    public async Task Verify_ReportedBuildIsNotTheExpectedOne_FailsBinary()
    {
        AttestationReport report = await fixture.HonestAsync(_nonce);

        AttestationVerdict verdict = await VerifyAsync(report, Expect() with { BinaryHash = Convert.ToHexStringLower(SHA256.HashData("expected build"u8)) });

        AssertFails(verdict, AttestationCheck.Binary);
    }

    [Fact]
    public async Task Verify_ConfigTextChangedAfterMeasurement_FailsConfig()
    {
        // Measured with one configuration, the report shows (and hashes) another.
        string log = await fixture.Broker.MeasureAsync(AttestationFixture.Launch(AttestationFixture.BinaryHash, AttestationFixture.Config, fixture.TimeMarkKey));
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Broker, _nonce, log, fixture.TimeMarkKey, config: """{"Attestation":{"Pcr":23},"Mqtt":{"Port":1884}}""");

        AttestationVerdict verdict = await VerifyAsync(report, Expect());

        AssertFails(verdict, AttestationCheck.Config);
    }

    [Fact]
    public async Task Verify_ConfigHashNotOfTheConfigText_FailsConfig()
    {
        string log = await fixture.Broker.MeasureAsync(AttestationFixture.Launch(AttestationFixture.BinaryHash, AttestationFixture.Config, fixture.TimeMarkKey));
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Broker, _nonce, log, fixture.TimeMarkKey,
            change: r => r with { Config = """{"Attestation":{"Pcr":23},"Mqtt":{"Port":1884}}""" });

        AttestationVerdict verdict = await VerifyAsync(report, Expect());

        AssertFails(verdict, AttestationCheck.Config);
    }

    [Fact]
    public async Task Verify_ExpectConfigMismatch_FailsConfig()
    {
        AttestationReport report = await fixture.HonestAsync(_nonce);

        AttestationVerdict verdict = await VerifyAsync(report, Expect() with { ConfigHash = AttestationReport.HashConfig("{}") });

        AssertFails(verdict, AttestationCheck.Config);
    }

    [Fact]
    public async Task Verify_ExpectConfigMatches_PassesConfig()
    {
        AttestationReport report = await fixture.HonestAsync(_nonce);

        AttestationVerdict verdict = await VerifyAsync(report, Expect() with { ConfigHash = AttestationReport.HashConfig(AttestationFixture.Config) });

        Assert.Equal(CheckStatus.Pass, Result(verdict, AttestationCheck.Config).Status);
        Assert.True(verdict.Attested, verdict.ToString());
    }

    [Fact]
    public async Task Verify_ReportSignedByAKeyOtherThanTheMeasuredOne_FailsTimeMarkKey()
    {
        // The attacker serves its own key on /keys and signs with it; the TPM measured the broker's key.
        string log = await fixture.Broker.MeasureAsync(AttestationFixture.Launch(AttestationFixture.BinaryHash, AttestationFixture.Config, fixture.TimeMarkKey));
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Broker, _nonce, log, fixture.AttackerKey);

        AttestationVerdict verdict = await VerifyAsync(report, Expect() with { ServedTimeMarkKeyPem = fixture.AttackerKey.PublicKey.ExportPem() });

        Assert.Equal(CheckStatus.Pass, Result(verdict, AttestationCheck.ReportSignature).Status);
        AssertFails(verdict, AttestationCheck.TimeMarkKey);
    }

    [Fact]
    public async Task Verify_ReportSignedByAKeyOtherThanTheServedOne_FailsReportSignature()
    {
        string log = await fixture.Broker.MeasureAsync(AttestationFixture.Launch(AttestationFixture.BinaryHash, AttestationFixture.Config, fixture.TimeMarkKey));
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Broker, _nonce, log, fixture.AttackerKey);

        AttestationVerdict verdict = await VerifyAsync(report, Expect());

        AssertFails(verdict, AttestationCheck.ReportSignature);
    }

    [Fact]
    public async Task Verify_ReportChangedAfterSigning_FailsReportSignature()
    {
        AttestationReport report = await fixture.HonestAsync(_nonce);

        AttestationVerdict verdict = await VerifyAsync(report with { ImaLog = "" }, Expect());

        AssertFails(verdict, AttestationCheck.ReportSignature);
    }

    [Fact]
    public async Task Verify_EventLogLineRemoved_FailsEventLogReplay()
    {
        string log = await fixture.Broker.MeasureAsync(AttestationFixture.Launch(AttestationFixture.BinaryHash, AttestationFixture.Config, fixture.TimeMarkKey));
        string[] lines = log.Split('\n');
        string withoutBinary = string.Join('\n', lines.Skip(1));
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Broker, _nonce, withoutBinary, fixture.TimeMarkKey);

        AttestationVerdict verdict = await VerifyAsync(report, Expect());

        AssertFails(verdict, AttestationCheck.EventLogReplay);
    }

    [Fact]
    public async Task Verify_EventLogDigestChanged_FailsEventLogReplay()
    {
        // Another build ran; the log is edited to show the expected binary_hash instead.
        string other = Convert.ToHexStringLower(SHA256.HashData("another build"u8));
        string log = await fixture.Broker.MeasureAsync(AttestationFixture.Launch(other, AttestationFixture.Config, fixture.TimeMarkKey));
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Broker, _nonce, log.Replace(other, AttestationFixture.BinaryHash, StringComparison.Ordinal), fixture.TimeMarkKey);

        AttestationVerdict verdict = await VerifyAsync(report, Expect());

        AssertFails(verdict, AttestationCheck.EventLogReplay);
        Assert.Equal(CheckStatus.Pass, Result(verdict, AttestationCheck.Binary).Status);
    }

    [Fact]
    public async Task Verify_UnknownEventKindInThePcr_FailsEventKinds()
    {
        List<MeasurementEvent> events = AttestationFixture.Launch(AttestationFixture.BinaryHash, AttestationFixture.Config, fixture.TimeMarkKey);
        events.Add(new MeasurementEvent(AttestingTpm.Pcr, SHA256.HashData("plugin"u8), "plugin", "/opt/plugin.so"));
        string log = await fixture.Broker.MeasureAsync(events);
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Broker, _nonce, log, fixture.TimeMarkKey);

        AttestationVerdict verdict = await VerifyAsync(report, Expect());

        Assert.Equal(CheckStatus.Pass, Result(verdict, AttestationCheck.EventLogReplay).Status);
        AssertFails(verdict, AttestationCheck.EventKinds);
    }

    [Fact]
    public async Task Verify_ImaLogWithoutPcr10InTheQuote_FailsImaReplay()
    {
        string log = await fixture.Broker.MeasureAsync(AttestationFixture.Launch(AttestationFixture.BinaryHash, AttestationFixture.Config, fixture.TimeMarkKey));
        string ima = $"10 {new string('1', 64)} ima-ng sha256:{new string('2', 64)} /usr/bin/timemark\n";
        AttestationReport report = await AttestationFixture.AttestAsync(fixture.Broker, _nonce, log, fixture.TimeMarkKey, change: r => r with { ImaLog = ima });

        AttestationVerdict verdict = await VerifyAsync(report, Expect());

        AssertFails(verdict, AttestationCheck.ImaReplay);
    }

    [Fact]
    public async Task Verify_SelfReported_NotAttestedWithTpmChecksSkipped()
    {
        AttestationReport report = SelfReported();

        AttestationVerdict verdict = await VerifyAsync(report, Expect());

        Assert.DoesNotContain(verdict.Checks, check => check.Status == CheckStatus.Fail);
        Assert.All(TpmChecks, name => Assert.Equal(CheckStatus.Skip, Result(verdict, name).Status));
        Assert.False(verdict.Attested);
        Assert.Equal("verdict: NOT attested (self-reported: no TPM evidence)", verdict.ToString());
    }

    [Fact]
    public async Task Verify_SelfReportedWithAllowUnattested_Attested()
    {
        AttestationReport report = SelfReported();

        AttestationVerdict verdict = await VerifyAsync(report, Expect() with { AllowUnattested = true });

        Assert.True(verdict.Attested, verdict.ToString());
        Assert.StartsWith("verdict: attested (self-reported", verdict.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_SelfReportedOfAnotherBuildWithAllowUnattested_FailsBinary()
    {
        AttestationReport report = SelfReported();

        AttestationVerdict verdict = await VerifyAsync(report, Expect() with
        {
            AllowUnattested = true,
            BinaryHash = Convert.ToHexStringLower(SHA256.HashData("expected build"u8)),
        });

        AssertFails(verdict, AttestationCheck.Binary);
    }

    [Fact]
    public async Task Verify_ReportTimeBeyondMaxClockSkew_FailsClock()
    {
        AttestationReport report = await fixture.HonestAsync(_nonce);

        AttestationVerdict verdict = await VerifyAsync(report, Expect() with { Now = DateTimeOffset.UtcNow.AddMinutes(10) });

        AssertFails(verdict, AttestationCheck.Clock);
    }

    [Fact]
    public async Task Verify_ReportTimeWithinAWiderMaxClockSkew_PassesClock()
    {
        AttestationReport report = await fixture.HonestAsync(_nonce);

        AttestationVerdict verdict = await VerifyAsync(report, Expect() with { Now = DateTimeOffset.UtcNow.AddMinutes(10), MaxClockSkew = TimeSpan.FromMinutes(11) });

        Assert.Equal(CheckStatus.Pass, Result(verdict, AttestationCheck.Clock).Status);
    }

    [Fact]
    public async Task Verify_TpmClockNotSafeAfterPowerLoss_FailsClock()
    {
        // A TPM of its own: a power cycle without TPM2_Shutdown leaves its clock unsafe, which would disturb the shared ones.
        await using AttestingTpm tpm = await AttestingTpm.StartAsync();
        await tpm.PowerCycleWithoutShutdownAsync();
        string log = await tpm.MeasureAsync(AttestationFixture.Launch(AttestationFixture.BinaryHash, AttestationFixture.Config, fixture.TimeMarkKey));
        AttestationReport report = await AttestationFixture.AttestAsync(tpm, _nonce, log, fixture.TimeMarkKey);

        AttestationVerdict verdict = await VerifyAsync(report, Expect() with { EkCaCertificates = tpm.EkCa }, tpm.ActivateAsync);

        AssertFails(verdict, AttestationCheck.Clock);
        Assert.Contains("not safe", Result(verdict, AttestationCheck.Clock).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_BrokerGivesNoSecret_FailsCredentialActivation()
    {
        AttestationReport report = await fixture.HonestAsync(_nonce);

        AttestationVerdict verdict = await VerifyAsync(report, Expect(), (_, _) => Task.FromResult<byte[]?>(null));

        AssertFails(verdict, AttestationCheck.CredentialActivation);
    }

    [Fact]
    public async Task Verify_ReportNotJson_FailsReportFormatAndSkipsTheRest()
    {
        AttestationVerdict verdict = await AttestationVerifier.VerifyAsync("not json"u8.ToArray(), Expect(), fixture.Broker.ActivateAsync, CancellationToken.None);

        AssertFails(verdict, AttestationCheck.ReportFormat);
        Assert.All(verdict.Checks.Skip(1), check => Assert.Equal(CheckStatus.Skip, check.Status));
    }

    private static readonly string[] TpmChecks =
    [
        AttestationCheck.QuoteSignature, AttestationCheck.QuoteStructure, AttestationCheck.PcrDigest, AttestationCheck.EventLogReplay,
        AttestationCheck.ImaReplay, AttestationCheck.EventKinds, AttestationCheck.AkAttributes, AttestationCheck.EkCertificate,
        AttestationCheck.QualifiedSigner, AttestationCheck.CredentialActivation,
    ];

    /// <summary>What a broker without a TPM answers: no evidence, signed all the same.</summary>
    private AttestationReport SelfReported() => AttestationStatement.Sign(new AttestationReport
    {
        Attested = false,
        Nonce = _nonce,
        Time = AttestationReport.FormatTime(DateTimeOffset.UtcNow),
        Build = new ReportBuild { BinaryHash = AttestationFixture.BinaryHash, Verified = true, Status = "verified" },
        Config = AttestationFixture.Config,
        ConfigHash = AttestationReport.HashConfig(AttestationFixture.Config),
        TimeMarkKeyPem = fixture.TimeMarkKey.PublicKey.ExportPem(),
        TimeMarkKeyId = fixture.TimeMarkKey.PublicKey.Id.ToFullHex(),
        Pcr = AttestingTpm.Pcr,
        EventLog = "",
        TpmError = "no TPM configured",
    }, fixture.TimeMarkKey);

    private AttestationExpectations Expect() => new()
    {
        Nonce = _nonce,
        ServedTimeMarkKeyPem = fixture.TimeMarkKey.PublicKey.ExportPem(),
        BinaryHash = AttestationFixture.BinaryHash,
        EkCaCertificates = fixture.Broker.EkCa,
        Now = DateTimeOffset.UtcNow,
    };

    /// <summary>Verifies the report as the CLI does: from its JSON, with the broker's TPM answering the credential.</summary>
    private Task<AttestationVerdict> VerifyAsync(AttestationReport report, AttestationExpectations expected,
        Func<MadeCredential, CancellationToken, Task<byte[]?>>? activate = null) =>
        AttestationVerifier.VerifyAsync(report.Format(), expected, activate ?? fixture.Broker.ActivateAsync, CancellationToken.None);

    private static CheckResult Result(AttestationVerdict verdict, string name) => verdict.Checks.Single(check => check.Name == name);

    private static void AssertFails(AttestationVerdict verdict, string name)
    {
        CheckResult result = Result(verdict, name);
        Assert.True(result.Status == CheckStatus.Fail, $"{name} should fail:\n{string.Join('\n', verdict.Checks)}\n{verdict}");
        Assert.False(verdict.Attested);
        Assert.StartsWith("verdict: NOT attested (", verdict.ToString(), StringComparison.Ordinal);
    }
}
