// Verifies a "timemark-attestation/1" report (docs/attestation.md, "What timemark attest checks").

using System.Security.Cryptography.X509Certificates;
using TimeMark.Attestation.Credentials;
using TimeMark.Attestation.Events;
using TimeMark.Attestation.Tpm;
using TimeMark.Protocol.Keys;

namespace TimeMark.Attestation.Reports;

/// <summary>
/// Checks an attestation report against what the verifier sent, trusts and expects, and gives one result per
/// <see cref="AttestationCheck"/> and a verdict. Pure logic: the only I/O is the credential round trip, which the
/// caller performs (POST /attestation/credential) through the delegate it passes.
/// </summary>
/// <remarks>
/// The broker and everything it sends are untrusted; what makes a report believable is the chain
/// EK certificate → EK → AK (qualifiedSigner, credential activation) → quote over the nonce → PCR values →
/// event log → measured binary, configuration and time-mark key → signature over the statement with the nonce.
/// Each check is one link, and every link must hold.
/// </remarks>
public sealed partial class AttestationVerifier : IDisposable
{
    /// <summary>Why TPM checks are not made for a report without TPM evidence.</summary>
    private const string SelfReported = "self-reported: no TPM evidence";

    private readonly AttestationReport _report;
    private readonly AttestationExpectations _expected;

    // The report's parts, parsed once up front; a part that does not parse is null and its error says why.
    private readonly TpmsAttest? _attest;
    private readonly string _attestError = "";
    private readonly TpmSignature? _quoteSignature;
    private readonly string _quoteSignatureError = "";
    private readonly TpmPublicArea? _ak;
    private readonly string _akError = "";
    private readonly TpmPublicArea? _ek;
    private readonly string _ekError = "";
    private readonly IReadOnlyList<MeasurementEvent>? _events;
    private readonly string _eventsError = "";

    // Set by the checks that establish them, used by later ones.
    private VerifyingKey? _reportKey;
    private bool _reportSigned;
    private X509Certificate2? _ekCertificate;

    private AttestationVerifier(AttestationReport report, AttestationExpectations expected)
    {
        _report = report;
        _expected = expected;
        if (report.Tpm is { } tpm)
        {
            if (!TpmsAttest.TryParse(tpm.Quote, out _attest, out _attestError))
                _attest = null;
            if (!TpmSignature.TryParse(tpm.Signature, out _quoteSignature, out _quoteSignatureError))
                _quoteSignature = null;
            if (!TpmPublicArea.TryParse(tpm.AkPublic, out _ak, out _akError))
                _ak = null;
            if (!TpmPublicArea.TryParse(tpm.EkPublic, out _ek, out _ekError))
                _ek = null;
        }
        _events = EventLog.TryParse(report.EventLog, out IReadOnlyList<MeasurementEvent> events, out _eventsError) ? events : null;
    }

    /// <summary>Parses the report's JSON, then verifies it; a report that does not parse fails <see cref="AttestationCheck.ReportFormat"/>.</summary>
    public static async Task<AttestationVerdict> VerifyAsync(ReadOnlyMemory<byte> reportJson, AttestationExpectations expected,
        Func<MadeCredential, CancellationToken, Task<byte[]?>> activateCredential, CancellationToken cancellationToken)
    {
        if (!AttestationReport.TryParse(reportJson.Span, out AttestationReport? report, out string error))
            return NotChecked(AttestationCheck.ReportFormat, error);
        return await VerifyAsync(report, expected, activateCredential, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Verifies a parsed report.</summary>
    /// <param name="activateCredential">
    /// Sends the credential to the broker (POST /attestation/credential) and returns the secret its TPM recovered,
    /// or null when the broker gave none. Called once, and only with <see cref="AttestationExpectations.EkCaCertificates"/>.
    /// </param>
    public static async Task<AttestationVerdict> VerifyAsync(AttestationReport report, AttestationExpectations expected,
        Func<MadeCredential, CancellationToken, Task<byte[]?>> activateCredential, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(activateCredential);
        if (FormatError(report) is { } error)
            return NotChecked(AttestationCheck.ReportFormat, error);

        using var verifier = new AttestationVerifier(report, expected);
        List<CheckResult> checks =
        [
            verifier.CheckReportFormat(),
            verifier.CheckReportSignature(),
            verifier.CheckNonce(),
            verifier.CheckQuoteSignature(),
            verifier.CheckQuoteStructure(),
            verifier.CheckPcrDigest(),
            verifier.CheckEventLogReplay(),
            verifier.CheckImaReplay(),
            verifier.CheckBinary(),
            verifier.CheckConfig(),
            verifier.CheckTimeMarkKey(),
            verifier.CheckEventKinds(),
            verifier.CheckAkAttributes(),
            verifier.CheckEkCertificate(),
            verifier.CheckQualifiedSigner(),
            await verifier.CheckCredentialActivationAsync(activateCredential, cancellationToken).ConfigureAwait(false),
            verifier.CheckClock(),
        ];
        return Judge(checks, report, expected);
    }

    public void Dispose()
    {
        _reportKey?.Dispose();
        _ekCertificate?.Dispose();
    }

    /// <summary>The verdict: every check must pass; then the evidence must come from a TPM, and the AK must be tied to a known TPM.</summary>
    private static AttestationVerdict Judge(List<CheckResult> checks, AttestationReport report, AttestationExpectations expected)
    {
        if (checks.Find(check => check.Status == CheckStatus.Fail) is { } failure)
            return new AttestationVerdict(checks, false, $"{failure.Name}: {failure.Detail}");
        if (!report.Attested)
            return expected.AllowUnattested
                ? new AttestationVerdict(checks, true, SelfReported + ", accepted by --allow-unattested")
                : new AttestationVerdict(checks, false, SelfReported);
        if (expected.EkCaCertificates is null && expected.AkPem is null)
            return new AttestationVerdict(checks, false, "the AK is not tied to a known TPM: give --ek-ca or --ak");
        return new AttestationVerdict(checks, true, null);
    }

    /// <summary>One failed check and every other one skipped: nothing can be checked in a report that is not well formed.</summary>
    private static AttestationVerdict NotChecked(string failed, string detail)
    {
        List<CheckResult> checks = [.. AttestationCheck.All.Select(name => name == failed
            ? CheckResult.Fail(name, detail)
            : CheckResult.Skip(name, "the report is not well formed"))];
        return new AttestationVerdict(checks, false, $"{failed}: {detail}");
    }

    /// <summary>What <see cref="AttestationReport.TryParse"/> refuses, for a report built in code rather than parsed.</summary>
    private static string? FormatError(AttestationReport report)
    {
        if (report.Attested != report.Tpm is not null)
            return report.Attested ? "attested is true but tpm is null" : "attested is false but tpm is present";
        if (report.Nonce.Length is 0 or > AttestationReport.MaxNonceLength)
            return $"nonce has {report.Nonce.Length} bytes, not 1 to {AttestationReport.MaxNonceLength}";
        if (!AttestationReport.TryParseTime(report.Time, out _))
            return $"time \"{report.Time}\" is not an RFC 3339 UTC time";
        if (report.Pcr is < 0 or > 23)
            return $"pcr {report.Pcr} is not a PCR (0 to 23)";
        if (!AttestationReport.IsSha256Hex(report.ConfigHash) || report.Build.BinaryHash is { } binary && !AttestationReport.IsSha256Hex(binary))
            return "config_hash or build.binary_hash is not 64 lowercase hex digits";
        return null;
    }

    private CheckResult CheckReportFormat() => CheckResult.Pass(AttestationCheck.ReportFormat, _report.Attested
        ? $"{AttestationReport.FormatName} with TPM evidence for PCR {_report.Pcr}"
        : $"{AttestationReport.FormatName}, {SelfReported} ({_report.TpmError ?? "no TPM configured"})");

    /// <summary>A short form of a hash or value for messages: the first 16 hex digits.</summary>
    private static string Short(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes[..Math.Min(bytes.Length, 8)]);

    private static string Short(string hex) => hex.Length <= 16 ? hex : hex[..16];
}
