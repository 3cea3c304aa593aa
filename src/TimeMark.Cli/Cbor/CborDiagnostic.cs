// CBOR diagnostic notation: RFC 8949 §8 and §8.1; CBOR sequences: RFC 8742 §4.2.
using System.Diagnostics.CodeAnalysis;
using System.Formats.Cbor;
using System.Globalization;
using System.Text;
using TimeMark.Protocol.Datagrams;

namespace TimeMark.Cli.Cbor;

/// <summary>
/// Renders CBOR bytes as diagnostic notation, on one line, in the style of the
/// RFC 8949 Appendix A examples: maps {"k": v}, arrays [1, 2], indefinite
/// length marked with "_" ({_ …}, [_ …], (_ h'01', h'02'), ''_ and ""_), byte
/// strings h'…', text with JSON escapes and ASCII only, tags N(…), false, true, null,
/// undefined, simple(N), and floats as Appendix A prints them (see
/// <see cref="FormatFloat"/>). Several top-level items (an RFC 8742 sequence,
/// e.g. a datagram followed by trailing bytes) are separated by ", ".
/// </summary>
/// <remarks>
/// The reader runs in Lax mode: the point is to show what is in a file,
/// including duplicate keys or unsorted maps that the datagram reader rejects.
/// Nesting is bounded by the datagram's own limit so that hostile input cannot
/// exhaust the stack of this recursive printer.
/// </remarks>
internal static class CborDiagnostic
{
    /// <summary>Deepest nesting of maps, arrays and tags shown; the same bound as a datagram's.</summary>
    public const int MaxDepth = DatagramLimits.MaxNestingDepth;

    /// <summary>Renders every item in <paramref name="cbor"/>; false, with the reason and offset, when the bytes are not well-formed CBOR.</summary>
    public static bool TryFormat(ReadOnlyMemory<byte> cbor, [NotNullWhen(true)] out string? diagnostic, [NotNullWhen(false)] out string? error)
    {
        diagnostic = null;
        if (cbor.IsEmpty)
        {
            error = "no data item (the input is empty)";
            return false;
        }

        var reader = new CborReader(cbor, CborConformanceMode.Lax, allowMultipleRootLevelValues: true);
        var text = new StringBuilder();
        try
        {
            while (reader.BytesRemaining > 0)
            {
                if (text.Length > 0)
                    text.Append(", ");
                if (!TryWriteItem(reader, text, depth: 0))
                {
                    error = Errors.CborTooDeep(cbor.Length - reader.BytesRemaining, MaxDepth);
                    return false;
                }
            }
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException)
        {
            // CborReader reports bad bytes as CborContentException, but the reserved
            // major-type-7 heads 0xFC..0xFE (RFC 8949 §3.3) as InvalidOperationException.
            error = Errors.CborMalformed(cbor.Length - reader.BytesRemaining, e.Message);
            return false;
        }

        diagnostic = text.ToString();
        error = null;
        return true;
    }

    /// <summary>
    /// Writes a float the way RFC 8949 Appendix A does: the shortest digits that
    /// read back as the same double (so a float16 or float32 shows its exact
    /// double value), laid out by ECMAScript's Number::toString rule (fixed
    /// notation from 10^-6 up to 10^21, else d.ddde±x), always with a fraction
    /// part: 1.0, 100000.0, 1.0e+300, 5.960464477539063e-8, 0.00006103515625.
    /// </summary>
    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
            return "NaN";
        if (double.IsInfinity(value))
            return value > 0 ? "Infinity" : "-Infinity";
        string sign = double.IsNegative(value) ? "-" : "";
        if (value == 0)
            return sign + "0.0";

        // Shortest round-trip digits d1…dk and n such that |value| = 0.d1…dk × 10^n.
        string shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int n;
        int exponentAt = shortest.IndexOf('E', StringComparison.Ordinal);
        if (exponentAt >= 0)
        {
            digits = shortest[..exponentAt].Replace(".", "", StringComparison.Ordinal);
            n = int.Parse(shortest[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) + 1;
        }
        else
        {
            int point = shortest.IndexOf('.', StringComparison.Ordinal);
            string integerPart = point < 0 ? shortest : shortest[..point];
            string fraction = point < 0 ? "" : shortest[(point + 1)..];
            if (integerPart != "0")
            {
                digits = integerPart + fraction;
                n = integerPart.Length;
            }
            else
            {
                digits = fraction.TrimStart('0');
                n = digits.Length - fraction.Length;
            }
        }
        digits = digits.TrimEnd('0');
        int k = digits.Length;

        string magnitude = n switch
        {
            _ when k <= n && n <= 21 => digits + new string('0', n - k) + ".0",
            > 0 and <= 21 => digits[..n] + "." + digits[n..],
            > -6 and <= 0 => "0." + new string('0', -n) + digits,
            _ => $"{digits[0]}.{(k > 1 ? digits[1..] : "0")}e{(n - 1 >= 0 ? "+" : "-")}{Math.Abs(n - 1)}",
        };
        return sign + magnitude;
    }

    /// <summary>Writes one data item; false when it nests deeper than <see cref="MaxDepth"/>.</summary>
    private static bool TryWriteItem(CborReader reader, StringBuilder text, int depth)
    {
        switch (reader.PeekState())
        {
            case CborReaderState.UnsignedInteger:
                text.Append(reader.ReadUInt64().ToString(CultureInfo.InvariantCulture));
                return true;
            case CborReaderState.NegativeInteger:
                // Major type 1 holds -1 - n for n up to 2^64 - 1, beyond what a long can hold.
                UInt128 magnitude = (UInt128)reader.ReadCborNegativeIntegerRepresentation() + 1;
                text.Append('-').Append(magnitude.ToString(CultureInfo.InvariantCulture));
                return true;
            case CborReaderState.ByteString:
                AppendBytes(text, reader.ReadByteString());
                return true;
            case CborReaderState.TextString:
                AppendText(text, reader.ReadTextString());
                return true;
            case CborReaderState.StartIndefiniteLengthByteString:
                reader.ReadStartIndefiniteLengthByteString();
                AppendChunks(reader, text, CborReaderState.EndIndefiniteLengthByteString, "''_");
                reader.ReadEndIndefiniteLengthByteString();
                return true;
            case CborReaderState.StartIndefiniteLengthTextString:
                reader.ReadStartIndefiniteLengthTextString();
                AppendChunks(reader, text, CborReaderState.EndIndefiniteLengthTextString, "\"\"_");
                reader.ReadEndIndefiniteLengthTextString();
                return true;
            case CborReaderState.StartArray:
                return TryWriteArray(reader, text, depth + 1);
            case CborReaderState.StartMap:
                return TryWriteMap(reader, text, depth + 1);
            case CborReaderState.Tag:
                if (depth + 1 > MaxDepth)
                    return false;
                text.Append(((ulong)reader.ReadTag()).ToString(CultureInfo.InvariantCulture)).Append('(');
                if (!TryWriteItem(reader, text, depth + 1))
                    return false;
                text.Append(')');
                return true;
            case CborReaderState.HalfPrecisionFloat:
                text.Append(FormatFloat((double)reader.ReadHalf()));
                return true;
            case CborReaderState.SinglePrecisionFloat:
                text.Append(FormatFloat(reader.ReadSingle()));
                return true;
            case CborReaderState.DoublePrecisionFloat:
                text.Append(FormatFloat(reader.ReadDouble()));
                return true;
            case CborReaderState.Boolean or CborReaderState.Null or CborReaderState.Undefined or CborReaderState.SimpleValue:
                text.Append(reader.ReadSimpleValue() switch
                {
                    CborSimpleValue.False => "false",
                    CborSimpleValue.True => "true",
                    CborSimpleValue.Null => "null",
                    CborSimpleValue.Undefined => "undefined",
                    CborSimpleValue value => $"simple({(byte)value})",
                });
                return true;
            default:
                // Finished, or an end-of-container state where an item was due: PeekState throws for
                // malformed bytes instead, so reaching this is a bug in the container loops below.
                throw new System.Diagnostics.UnreachableException($"bad state handling in CborDiagnostic: {reader.PeekState()}");
        }
    }

    private static bool TryWriteArray(CborReader reader, StringBuilder text, int depth)
    {
        if (depth > MaxDepth)
            return false;
        int? count = reader.ReadStartArray();
        text.Append(count is null ? "[_ " : "[");
        for (int i = 0; reader.PeekState() != CborReaderState.EndArray; i++)
        {
            if (i > 0)
                text.Append(", ");
            if (!TryWriteItem(reader, text, depth))
                return false;
        }
        reader.ReadEndArray();
        text.Append(']');
        return true;
    }

    private static bool TryWriteMap(CborReader reader, StringBuilder text, int depth)
    {
        if (depth > MaxDepth)
            return false;
        int? count = reader.ReadStartMap();
        text.Append(count is null ? "{_ " : "{");
        for (int i = 0; reader.PeekState() != CborReaderState.EndMap; i++)
        {
            if (i > 0)
                text.Append(", ");
            if (!TryWriteItem(reader, text, depth))
                return false;
            text.Append(": ");
            if (!TryWriteItem(reader, text, depth))
                return false;
        }
        reader.ReadEndMap();
        text.Append('}');
        return true;
    }

    /// <summary>RFC 8949 §8.1: (_ chunk, chunk), or the given empty form when there are no chunks.</summary>
    private static void AppendChunks(CborReader reader, StringBuilder text, CborReaderState end, string empty)
    {
        if (reader.PeekState() == end)
        {
            text.Append(empty);
            return;
        }
        text.Append("(_ ");
        for (int i = 0; reader.PeekState() != end; i++)
        {
            if (i > 0)
                text.Append(", ");
            if (end == CborReaderState.EndIndefiniteLengthByteString)
                AppendBytes(text, reader.ReadByteString());
            else
                AppendText(text, reader.ReadTextString());
        }
        text.Append(')');
    }

    private static void AppendBytes(StringBuilder text, byte[] bytes) =>
        text.Append("h'").Append(Convert.ToHexStringLower(bytes)).Append('\'');

    /// <summary>
    /// Quotes text with JSON's escapes (RFC 8259 §7), as RFC 8949 §8 asks. Everything outside
    /// printable ASCII is a \u escape of its UTF-16 code units, as Appendix A writes "\u00fc"
    /// and "\ud800\udd51"; that also keeps terminal control sequences in a file from acting.
    /// </summary>
    private static void AppendText(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case < ' ' or > '~': text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }
        text.Append('"');
    }
}
