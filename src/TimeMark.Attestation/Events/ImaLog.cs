// Linux IMA's measurement list as securityfs shows it in
// /sys/kernel/security/ima/ascii_runtime_measurements_sha256 (security/integrity/ima/ima_fs.c,
// ima_ascii_measurements_show): per line "%2d " PCR, the template hash in lowercase hex, " ", the template
// name, " ", the template fields, "\n". The template hash of the _sha256 file is SHA-256 of the template data.

using System.Globalization;
using System.Security.Cryptography;

namespace TimeMark.Attestation.Events;

/// <summary>
/// Parses the IMA log and replays it into PCR 10. Only the template hash (the second field) is used: it is what
/// the kernel extended, for every template (ima, ima-ng, ima-sig, custom formats). The fields after the template
/// name are kept as text and not checked against the hash.
/// </summary>
public static class ImaLog
{
    /// <summary>The PCR IMA measures into (CONFIG_IMA_MEASURE_PCR_IDX).</summary>
    public const int Pcr = 10;

    private const int HashLength = SHA256.HashSizeInBytes;

    /// <summary>Parses the whole text; never throws on bad input, and the error names the 1-based line number.</summary>
    public static bool TryParse(string text, out IReadOnlyList<ImaEntry> entries, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parsed = new List<ImaEntry>();
        entries = parsed;
        int start = 0;
        for (int number = 1; start < text.Length; number++)
        {
            int end = text.IndexOf('\n', start);
            if (end < 0)
            {
                error = $"IMA log: line {number} does not end with a newline";
                return false;
            }
            if (!TryParseLine(text.AsSpan(start, end - start), out ImaEntry? entry, out string reason))
            {
                error = $"IMA log: line {number}: {reason}";
                return false;
            }
            parsed.Add(entry!);
            start = end + 1;
        }
        error = "";
        return true;
    }

    /// <summary>
    /// PCR 10 after the entries for PCR 10 (entries for other PCRs, from a policy's pcr= rules, are left out):
    /// from 32 zero bytes, v = SHA-256(v || template hash), where a violation's zero hash is extended as
    /// 32 bytes of 0xFF, as the kernel does (ima_add_violation) so that a violation cannot be hidden.
    /// </summary>
    public static byte[] Replay(IEnumerable<ImaEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        byte[] value = new byte[HashLength];
        Span<byte> both = stackalloc byte[2 * HashLength];
        foreach (ImaEntry entry in entries)
        {
            if (entry.Pcr != Pcr)
                continue;
            if (entry.TemplateHash.Length != HashLength)
                throw new ArgumentException($"IMA log: cannot replay a {entry.TemplateHash.Length}-byte template hash", nameof(entries));
            value.CopyTo(both);
            if (entry.IsViolation)
                both[HashLength..].Fill(0xFF);
            else
                entry.TemplateHash.CopyTo(both[HashLength..]);
            SHA256.HashData(both, value);
        }
        return value;
    }

    private static bool TryParseLine(ReadOnlySpan<char> line, out ImaEntry? entry, out string reason)
    {
        entry = null;
        // "%2d ": a one-digit PCR is padded with a space on the left.
        if (line.Length < 3 || line[2] != ' ' || !TryParsePcr(line[..2], out int pcr))
        {
            reason = "expected a PCR number (\"%2d\") and a space";
            return false;
        }
        line = line[3..];
        int space = line.IndexOf(' ');
        if (space < 0 || !EventLog.IsLowerHex(line[..space], 2 * HashLength))
        {
            reason = $"the template hash is not {2 * HashLength} lowercase hex digits followed by a space";
            return false;
        }
        byte[] templateHash = Convert.FromHexString(line[..space]);
        line = line[(space + 1)..];
        space = line.IndexOf(' ');
        ReadOnlySpan<char> name = space < 0 ? line : line[..space];
        if (name.IsEmpty || name.ContainsAnyExceptInRange('!', '~'))
        {
            reason = "the template name is empty or not printable ASCII";
            return false;
        }
        if (space < 0)
        {
            reason = "the template data is missing";
            return false;
        }
        entry = new ImaEntry(pcr, templateHash, name.ToString(), line[(space + 1)..].ToString());
        reason = "";
        return true;
    }

    private static bool TryParsePcr(ReadOnlySpan<char> field, out int pcr)
    {
        pcr = -1;
        ReadOnlySpan<char> digits = field[0] == ' ' ? field[1..] : field;
        if (digits.IsEmpty || digits.ContainsAnyExcept(EventLog.DecimalDigits) || (digits.Length == 2 && digits[0] == '0'))
            return false;
        pcr = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        return pcr < EventLog.PcrCount;
    }
}
