namespace TimeMark.Attestation.Reports;

/// <summary>
/// The names of the checks <see cref="AttestationVerifier"/> makes, in the order it reports them. They are a
/// contract: scripts and the end-to-end tests look for them in <c>timemark attest</c>'s output.
/// </summary>
public static class AttestationCheck
{
    /// <summary>The JSON parses, has the known format string and every member.</summary>
    public const string ReportFormat = "report-format";
    /// <summary>The statement verifies under timemark_key_pem, and that key is the one GET /keys serves.</summary>
    public const string ReportSignature = "report-signature";
    /// <summary>The report's nonce and the quote's extraData are the nonce the verifier sent.</summary>
    public const string Nonce = "nonce";
    /// <summary>The AK's TPMT_SIGNATURE verifies over the TPMS_ATTEST (and the AK is the pinned one, with --ak).</summary>
    public const string QuoteSignature = "quote-signature";
    /// <summary>TPMS_ATTEST is a quote of the sha256 bank that includes the application PCR.</summary>
    public const string QuoteStructure = "quote-structure";
    /// <summary>The quote's pcrDigest is the hash of the reported PCR values.</summary>
    public const string PcrDigest = "pcr-digest";
    /// <summary>The event log replays to the application PCR's quoted value.</summary>
    public const string EventLogReplay = "event-log-replay";
    /// <summary>The IMA log replays to PCR 10's quoted value (only when the report has one).</summary>
    public const string ImaReplay = "ima-replay";
    /// <summary>The measured binaries and the reported build are the expected binary_hash.</summary>
    public const string Binary = "binary";
    /// <summary>The measured configuration is the reported one (and the expected one, with --expect-config).</summary>
    public const string Config = "config";
    /// <summary>The last measured time-mark key is the key that signed the report.</summary>
    public const string TimeMarkKey = "timemark-key";
    /// <summary>The application PCR holds only measurements of known kinds.</summary>
    public const string EventKinds = "event-kinds";
    /// <summary>The AK is a restricted signing key that never leaves its TPM, and ak_name is its name.</summary>
    public const string AkAttributes = "ak-attributes";
    /// <summary>The EK certificate chains to the given CA and certifies ek_public (with --ek-ca).</summary>
    public const string EkCertificate = "ek-certificate";
    /// <summary>The quote's qualifiedSigner is the AK created under the EK.</summary>
    public const string QualifiedSigner = "qualified-signer";
    /// <summary>The TPM holding the certified EK decrypts a credential made for the AK's name (with --ek-ca).</summary>
    public const string CredentialActivation = "credential-activation";
    /// <summary>The TPM clock is safe, and the report's time is close to the verifier's.</summary>
    public const string Clock = "clock";

    /// <summary>Every check, in report order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        ReportFormat, ReportSignature, Nonce, QuoteSignature, QuoteStructure, PcrDigest, EventLogReplay, ImaReplay,
        Binary, Config, TimeMarkKey, EventKinds, AkAttributes, EkCertificate, QualifiedSigner, CredentialActivation, Clock,
    ];
}
