// The answer to GET /attestation?nonce=HEX, format "timemark-attestation/1" (docs/attestation.md, "The report").

using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TimeMark.Attestation.Reports;

/// <summary>
/// What the broker says about itself when asked with a fresh nonce: its build, its effective configuration, its
/// time-mark key, the event log of what was measured into the application PCR, and, when a TPM is configured and
/// answered, the TPM's quote over that PCR with the nonce (<see cref="Tpm"/>). The time-mark key signs
/// <see cref="AttestationStatement"/> over all of it, which ties the key to the nonce and to the quote.
/// </summary>
/// <remarks>
/// The broker builds one with an object initializer, leaving <see cref="Signature"/> empty, and then calls
/// <see cref="AttestationStatement.Sign"/>. Byte fields travel as lowercase hex (nonce, PCR values, names) or
/// standard base64 (TPM structures, the signature), as <see cref="Format"/> writes them.
/// </remarks>
public sealed partial record AttestationReport
{
    /// <summary>The value of the "format" member.</summary>
    public const string FormatName = "timemark-attestation/1";

    /// <summary>Nonces are 1 to 64 bytes: a TPM2B_DATA qualifyingData holds at most a SHA-512 digest.</summary>
    public const int MaxNonceLength = 64;

    /// <summary>False when the report carries no TPM evidence (no TPM configured, or it failed: see <see cref="TpmError"/>).</summary>
    public required bool Attested { get; init; }

    /// <summary>The verifier's nonce, echoed.</summary>
    public required byte[] Nonce { get; init; }

    /// <summary>The broker's clock when it answered, RFC 3339 UTC with milliseconds (<see cref="FormatTime"/>); signed as written.</summary>
    public required string Time { get; init; }

    public required ReportBuild Build { get; init; }

    /// <summary>The canonical JSON of the broker's effective configuration.</summary>
    public required string Config { get; init; }

    /// <summary>SHA-256 of the UTF-8 bytes of <see cref="Config"/>, lowercase hex (<see cref="HashConfig"/>).</summary>
    public required string ConfigHash { get; init; }

    /// <summary>The time-mark key as a "PUBLIC KEY" PEM block (SubjectPublicKeyInfo).</summary>
    public required string TimeMarkKeyPem { get; init; }

    /// <summary>SHA-256 of the key's SubjectPublicKeyInfo, lowercase hex.</summary>
    public required string TimeMarkKeyId { get; init; }

    /// <summary>The application PCR the broker's launch was measured into.</summary>
    public required int Pcr { get; init; }

    /// <summary>The event log of the application PCR (TimeMark.Attestation.Events format); empty when nothing was measured.</summary>
    public required string EventLog { get; init; }

    /// <summary>Linux IMA's ascii_runtime_measurements_sha256, when the broker is configured to report it.</summary>
    public string? ImaLog { get; init; }

    /// <summary>The TPM's evidence; null exactly when <see cref="Attested"/> is false.</summary>
    public TpmEvidence? Tpm { get; init; }

    /// <summary>Why there is no TPM evidence although a TPM is configured.</summary>
    public string? TpmError { get; init; }

    /// <summary>The time-mark key's signature over <see cref="AttestationStatement"/>; empty until signed.</summary>
    public byte[] Signature { get; init; } = [];

    /// <summary>The report's time format: RFC 3339, UTC, milliseconds ("2026-12-03T20:00:00.123Z").</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Reads an RFC 3339 UTC time ("Z", with or without a fraction of a second).</summary>
    public static bool TryParseTime(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    /// <summary><see cref="ConfigHash"/> of a configuration text.</summary>
    public static string HashConfig(string config) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(config)));
}
