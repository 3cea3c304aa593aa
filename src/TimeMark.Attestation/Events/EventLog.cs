// TimeMark's event log (docs/attestation.md): the extends of the sha256 PCR bank, one text line each,
//   "<pcr> sha256:<64 lowercase hex> <kind> <detail>\n"
// replayed as TPM 2.0 Part 1 §17.2 "PCR extend": PCR_new = SHA-256(PCR_old || digest).

using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TimeMark.Attestation.Events;

/// <summary>
/// The text event log that lets a verifier recompute a PCR. Format: UTF-8, one line per extend, each ending in LF:
/// the PCR number (decimal 0..23, no leading zeros), a space, "sha256:" and the digest in 64 lowercase hex digits,
/// a space, the kind ([a-z0-9-]+), and, when the detail is not empty, a space and the detail (printable text,
/// no control characters). Parsing is strict and canonical: every line that parses formats back to itself.
/// </summary>
public static class EventLog
{
    /// <summary>PC Client platforms have 24 PCRs.</summary>
    public const int PcrCount = 24;

    private const string DigestPrefix = "sha256:";
    private const int DigestLength = SHA256.HashSizeInBytes;

    internal static readonly SearchValues<char> DecimalDigits = SearchValues.Create("0123456789");
    private static readonly SearchValues<char> LowerHexDigits = SearchValues.Create("0123456789abcdef");
    private static readonly SearchValues<char> KindCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    /// <summary>Parses a whole log; never throws on bad input, and the error names the 1-based line number.</summary>
    public static bool TryParse(string text, out IReadOnlyList<MeasurementEvent> events, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parsed = new List<MeasurementEvent>();
        events = parsed;
        int start = 0;
        for (int number = 1; start < text.Length; number++)
        {
            int end = text.IndexOf('\n', start);
            if (end < 0)
            {
                error = $"event log: line {number} does not end with a newline";
                return false;
            }
            if (!TryParseLine(text.AsSpan(start, end - start), out MeasurementEvent? measurement, out string reason))
            {
                error = $"event log: line {number}: {reason}";
                return false;
            }
            parsed.Add(measurement!);
            start = end + 1;
        }
        error = "";
        return true;
    }

    /// <summary>One line with its "\n". Throws when the event cannot be written as a line that parses back.</summary>
    public static string Format(MeasurementEvent measurement)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        if (measurement.Pcr is < 0 or >= PcrCount)
            throw new ArgumentException($"event log: PCR {measurement.Pcr} is not 0..{PcrCount - 1}", nameof(measurement));
        if (measurement.Digest is not { Length: DigestLength })
            throw new ArgumentException($"event log: the digest must be {DigestLength} bytes (SHA-256)", nameof(measurement));
        if (!IsKind(measurement.Kind))
            throw new ArgumentException($"event log: kind \"{measurement.Kind}\" is not [a-z0-9-]+", nameof(measurement));
        if (!IsDetail(measurement.Detail))
            throw new ArgumentException("event log: the detail has a control character or a lone surrogate", nameof(measurement));
        string line = $"{measurement.Pcr.ToString(CultureInfo.InvariantCulture)} {DigestPrefix}{Convert.ToHexStringLower(measurement.Digest)} {measurement.Kind}";
        return measurement.Detail.Length == 0 ? line + "\n" : $"{line} {measurement.Detail}\n";
    }

    /// <summary>
    /// Appends one line and flushes it to the disk (fsync) before returning, so a PCR is never extended for
    /// an event the log could lose in a crash. Creates the file when it does not exist.
    /// </summary>
    public static void Append(string path, MeasurementEvent measurement)
    {
        byte[] line = Encoding.UTF8.GetBytes(Format(measurement));
        using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        file.Write(line);
        file.Flush(flushToDisk: true);
    }

    /// <summary>
    /// The PCR values the events produce, for the PCRs that appear in them. Each starts at its reset value:
    /// 32 zero bytes, except PCRs 17..22, which a PC Client TPM resets to 32 bytes of 0xFF at TPM2_Startup
    /// (TCG PC Client Platform TPM Profile, PCR attributes; swtpm does the same).
    /// </summary>
    public static IReadOnlyDictionary<int, byte[]> Replay(IEnumerable<MeasurementEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var pcrs = new SortedDictionary<int, byte[]>();
        Span<byte> both = stackalloc byte[2 * DigestLength];
        foreach (MeasurementEvent measurement in events)
        {
            if (measurement.Pcr is < 0 or >= PcrCount || measurement.Digest is not { Length: DigestLength })
                throw new ArgumentException($"event log: cannot replay an extend of PCR {measurement.Pcr} with a {measurement.Digest?.Length}-byte digest", nameof(events));
            if (!pcrs.TryGetValue(measurement.Pcr, out byte[]? value))
                value = ResetValue(measurement.Pcr);
            value.CopyTo(both);
            measurement.Digest.CopyTo(both[DigestLength..]);
            pcrs[measurement.Pcr] = SHA256.HashData(both);
        }
        return pcrs;
    }

    private static byte[] ResetValue(int pcr)
    {
        byte[] value = new byte[DigestLength];
        if (pcr is >= 17 and <= 22)
            value.AsSpan().Fill(0xFF);
        return value;
    }

    private static bool TryParseLine(ReadOnlySpan<char> line, out MeasurementEvent? measurement, out string reason)
    {
        measurement = null;
        int space = line.IndexOf(' ');
        if (space < 0)
        {
            reason = "expected \"<pcr> sha256:<hex> <kind> [<detail>]\"";
            return false;
        }
        if (!TryParsePcr(line[..space], out int pcr))
        {
            reason = $"PCR \"{line[..space]}\" is not a number 0..{PcrCount - 1} without leading zeros";
            return false;
        }
        line = line[(space + 1)..];
        space = line.IndexOf(' ');
        ReadOnlySpan<char> digestField = space < 0 ? line : line[..space];
        if (!digestField.StartsWith(DigestPrefix, StringComparison.Ordinal) || !IsLowerHex(digestField[DigestPrefix.Length..], 2 * DigestLength))
        {
            reason = $"digest is not \"{DigestPrefix}\" and {2 * DigestLength} lowercase hex digits";
            return false;
        }
        if (space < 0)
        {
            reason = "the kind is missing";
            return false;
        }
        byte[] digest = Convert.FromHexString(digestField[DigestPrefix.Length..]);
        line = line[(space + 1)..];
        space = line.IndexOf(' ');
        string kind = (space < 0 ? line : line[..space]).ToString();
        if (!IsKind(kind))
        {
            reason = $"kind \"{kind}\" is not [a-z0-9-]+";
            return false;
        }
        string detail = space < 0 ? "" : line[(space + 1)..].ToString();
        if (space >= 0 && detail.Length == 0)
        {
            reason = "trailing space: an empty detail is written without the space";
            return false;
        }
        if (!IsDetail(detail))
        {
            reason = "the detail has a control character or a lone surrogate";
            return false;
        }
        measurement = new MeasurementEvent(pcr, digest, kind, detail);
        reason = "";
        return true;
    }

    private static bool TryParsePcr(ReadOnlySpan<char> text, out int pcr)
    {
        pcr = -1;
        if (text.Length is 0 or > 2 || (text.Length == 2 && text[0] == '0') || text.ContainsAnyExcept(DecimalDigits))
            return false;
        pcr = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return pcr < PcrCount;
    }

    internal static bool IsLowerHex(ReadOnlySpan<char> text, int length) =>
        text.Length == length && !text.ContainsAnyExcept(LowerHexDigits);

    private static bool IsKind(string? kind) =>
        !string.IsNullOrEmpty(kind) && !kind.AsSpan().ContainsAnyExcept(KindCharacters);

    /// <summary>Well-formed text (no lone surrogate, which UTF-8 cannot carry) without control characters.</summary>
    private static bool IsDetail(string? detail)
    {
        if (detail is null)
            return false;
        for (int i = 0; i < detail.Length;)
        {
            if (Rune.DecodeFromUtf16(detail.AsSpan(i), out Rune rune, out int length) != OperationStatus.Done || Rune.IsControl(rune))
                return false;
            i += length;
        }
        return true;
    }
}
