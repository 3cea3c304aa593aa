// JSON (RFC 8259) to CBOR, following RFC 8949 §6.2 "Converting from JSON to CBOR".
using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Text.Json;

namespace TimeMark.Cli.Json;

/// <summary>
/// Converts one JSON value to CBOR, keeping the order of object members:
/// objects become maps with text keys, arrays arrays, strings text strings,
/// true/false/null the simple values. A number written without a fraction or
/// exponent that fits a 64-bit integer becomes a CBOR integer (major type 0 or 1);
/// every other number becomes a float64 (never shortened), as RFC 8949 §6.2 allows.
/// </summary>
internal static class JsonToCbor
{
    /// <exception cref="JsonException">The text is not one JSON value, an object repeats a key, or a number fits nothing.</exception>
    public static byte[] Convert(ReadOnlySpan<byte> utf8Json)
    {
        // RFC 8259 §8.1 lets a parser ignore a byte order mark; editors on some systems write one.
        if (utf8Json.StartsWith("\uFEFF"u8))
            utf8Json = utf8Json[3..];

        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        // Maps and arrays are opened without a count and converted to definite length at the end,
        // so BODY carries the shortest headers, as a device's CBOR library would write them.
        var writer = new CborWriter(CborConformanceMode.Strict, convertIndefiniteLengthEncodings: true);
        // Strict CBOR, and the datagram reader, reject duplicate keys; JSON parsers differ, so refuse them here with a clear reason.
        var keysPerObject = new Stack<HashSet<string>>();

        // Read throws for empty input and for anything after the one top-level value.
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    writer.WriteStartMap(null);
                    keysPerObject.Push(new HashSet<string>(StringComparer.Ordinal));
                    break;
                case JsonTokenType.EndObject:
                    writer.WriteEndMap();
                    keysPerObject.Pop();
                    break;
                case JsonTokenType.StartArray:
                    writer.WriteStartArray(null);
                    break;
                case JsonTokenType.EndArray:
                    writer.WriteEndArray();
                    break;
                case JsonTokenType.PropertyName:
                    string key = ReadString(ref reader);
                    if (!keysPerObject.Peek().Add(key))
                        throw new JsonException($"{Errors.JsonDuplicateKey(key)} (byte {reader.TokenStartIndex})");
                    writer.WriteTextString(key);
                    break;
                case JsonTokenType.String:
                    writer.WriteTextString(ReadString(ref reader));
                    break;
                case JsonTokenType.Number:
                    WriteNumber(ref reader, writer);
                    break;
                case JsonTokenType.True:
                    writer.WriteBoolean(true);
                    break;
                case JsonTokenType.False:
                    writer.WriteBoolean(false);
                    break;
                case JsonTokenType.Null:
                    writer.WriteNull();
                    break;
                default:
                    throw new System.Diagnostics.UnreachableException($"bad token handling in JsonToCbor: {reader.TokenType}");
            }
        }

        return writer.Encode();
    }

    private static string ReadString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            // GetString refuses invalid UTF-8 and lone surrogate escapes such as "\ud800", which no CBOR text string may hold.
            throw new JsonException($"{e.Message} (byte {reader.TokenStartIndex})", e);
        }
    }

    /// <summary>
    /// Writes an RFC 8949 §3.3 float64 (0xFB and 8 bytes) as is: CborWriter.WriteDouble would
    /// shorten 21.5 to a float16, where Python's cbor2 and JSON-minded devices write float64.
    /// </summary>
    private static void WriteFloat64(CborWriter writer, double value)
    {
        Span<byte> encoded = stackalloc byte[9];
        encoded[0] = 0xFB;
        BinaryPrimitives.WriteDoubleBigEndian(encoded[1..], value);
        writer.WriteEncodedValue(encoded);
    }

    private static void WriteNumber(ref Utf8JsonReader reader, CborWriter writer)
    {
        bool integerLiteral = reader.ValueSpan.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
        if (integerLiteral && reader.TryGetUInt64(out ulong unsigned))
        {
            writer.WriteUInt64(unsigned);
        }
        else if (integerLiteral && reader.TryGetInt64(out long signed))
        {
            writer.WriteInt64(signed);
        }
        else if (reader.TryGetDouble(out double number) && double.IsFinite(number))
        {
            WriteFloat64(writer, number);
        }
        else
        {
            string text = System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
            throw new JsonException($"{Errors.JsonNumberOutOfRange(text)} (byte {reader.TokenStartIndex})");
        }
    }
}
