// The signed statement of a "timemark-attestation/1" report (docs/attestation.md, "The statement").

using System.Security.Cryptography;
using System.Text;
using TimeMark.Protocol.Keys;

namespace TimeMark.Attestation.Reports;

/// <summary>
/// The exact bytes the time-mark key signs for a report: UTF-8 text, one "name value" line per field, each ending in LF.
/// Large fields enter as their SHA-256, so the statement stays short and still binds the key to the nonce (liveness),
/// the quote (hence the PCR values and the TPM) and every measured input.
/// </summary>
/// <example>
/// <code>
/// timemark-attestation/1
/// nonce 00112233
/// time 2026-12-03T20:00:00.123Z
/// attested true
/// quote &lt;SHA-256 of the TPMS_ATTEST bytes, or "none"&gt;
/// binary &lt;build.binary_hash, or "none"&gt;
/// config &lt;config_hash&gt;
/// events &lt;SHA-256 of the event_log text&gt;
/// ima &lt;SHA-256 of the ima_log text, or "none"&gt;
/// </code>
/// </example>
public static class AttestationStatement
{
    private const string None = "none";

    /// <summary>The statement's bytes for <paramref name="report"/> (its <see cref="AttestationReport.Signature"/> is not part of it).</summary>
    /// <exception cref="ArgumentException">A field written verbatim holds a line break, so the statement would be ambiguous.</exception>
    public static byte[] Of(AttestationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.Append(AttestationReport.FormatName).Append('\n');
        Line(text, "nonce", Convert.ToHexStringLower(report.Nonce));
        Line(text, "time", report.Time);
        Line(text, "attested", report.Attested ? "true" : "false");
        Line(text, "quote", report.Tpm is null ? None : Sha256(report.Tpm.Quote));
        Line(text, "binary", report.Build.BinaryHash ?? None);
        Line(text, "config", report.ConfigHash);
        Line(text, "events", Sha256(Encoding.UTF8.GetBytes(report.EventLog)));
        Line(text, "ima", report.ImaLog is null ? None : Sha256(Encoding.UTF8.GetBytes(report.ImaLog)));
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The report with its <see cref="AttestationReport.Signature"/> set: <paramref name="key"/>'s signature over <see cref="Of"/>.</summary>
    public static AttestationReport Sign(AttestationReport report, SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] signature = new byte[64];
        key.Sign(Of(report), signature);
        return report with { Signature = signature };
    }

    /// <summary>Whether the report's signature is <paramref name="key"/>'s signature over its statement; never throws for a bad report.</summary>
    public static bool Verify(AttestationReport report, VerifyingKey key)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(key);
        byte[] statement;
        try
        {
            statement = Of(report);
        }
        catch (ArgumentException)
        {
            return false;
        }
        return key.Verify(statement, report.Signature);
    }

    private static void Line(StringBuilder text, string name, string value)
    {
        if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
            throw new ArgumentException($"the statement's {name} value holds a line break", nameof(value));
        text.Append(name).Append(' ').Append(value).Append('\n');
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
