// Strict reading of the proof JSON documents (InclusionProofJson, ConsistencyProofJson): exactly one object, each
// known member exactly once, integers in 0..2^63-1, hashes as canonical base64 (RFC 4648 §4) of 32 bytes.
// Whitespace and member order are free, and JSON string escapes are decoded before the base64 check, so output of any
// JSON serializer (System.Text.Json writes '+' as \u002B) parses.

using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace TimeMark.EvidenceLog;

/// <summary>Reads the members of one proof JSON object; every method returns false instead of throwing on bad input.</summary>
internal static class ProofJsonReader
{
    // A proof object nests one array in one object.
    private const int MaxDepth = 2;

    /// <summary>
    /// Walks one JSON object, handing each member to <paramref name="member"/> with the reader on the member's value.
    /// <paramref name="member"/> returns the member's slot (0-based; -1 for an unknown name) after reading its value,
    /// or sets <c>error</c>. Checks duplicates, unknown members, that all <paramref name="memberCount"/> members occur, and trailing content.
    /// </summary>
    public static ProofJsonError ReadObject(ReadOnlySpan<byte> json, int maxSize, int memberCount, MemberReader member)
    {
        if (json.Length > maxSize)
        {
            return ProofJsonError.TooLarge;
        }

        // Validated up front, so that GetString below cannot meet invalid UTF-8.
        if (!Utf8.IsValid(json))
        {
            return ProofJsonError.MalformedJson;
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        Span<bool> seen = stackalloc bool[memberCount];
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ProofJsonError.MalformedJson;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!reader.Read())
                {
                    return ProofJsonError.MalformedJson;
                }

                int slot = member(name, ref reader, out ProofJsonError error);
                if (error != ProofJsonError.None)
                {
                    return error;
                }

                if (slot < 0)
                {
                    return ProofJsonError.UnknownField;
                }

                if (seen[slot])
                {
                    return ProofJsonError.DuplicateField;
                }

                seen[slot] = true;
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return ProofJsonError.MalformedJson;
            }
        }
        catch (JsonException)
        {
            // Utf8JsonReader reports malformed JSON (including content after the object) only by throwing.
            return ProofJsonError.MalformedJson;
        }

        return seen.Contains(false) ? ProofJsonError.MissingField : ProofJsonError.None;
    }

    /// <summary>A JSON integer in 0..long.MaxValue, written without fraction, exponent or minus sign.</summary>
    public static bool TryReadSize(ref Utf8JsonReader reader, out long value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number
            && !reader.HasValueSequence
            && reader.ValueSpan[0] != (byte)'-'
            && reader.TryGetInt64(out value);
    }

    /// <summary>A JSON string holding the canonical base64 of a 32-byte hash.</summary>
    public static bool TryReadHash(ref Utf8JsonReader reader, out Hash hash)
    {
        hash = default;
        return reader.TokenType == JsonTokenType.String && Hash.TryParseBase64(reader.GetString(), out hash);
    }

    /// <summary>A JSON array of at most <paramref name="maxCount"/> hashes; the reader ends on the array's end.</summary>
    public static ProofJsonError ReadHashes(ref Utf8JsonReader reader, int maxCount, out Hash[] hashes)
    {
        hashes = [];
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return ProofJsonError.InvalidHash;
        }

        var list = new List<Hash>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (list.Count == maxCount)
            {
                return ProofJsonError.TooManyHashes;
            }

            if (!TryReadHash(ref reader, out Hash hash))
            {
                return ProofJsonError.InvalidHash;
            }

            list.Add(hash);
        }

        hashes = [.. list];
        return ProofJsonError.None;
    }

    /// <summary>Appends <c>"name":[ "b64", … ]</c>.</summary>
    public static StringBuilder AppendHashes(this StringBuilder builder, ReadOnlySpan<Hash> hashes)
    {
        builder.Append("\"hashes\":[");
        for (int i = 0; i < hashes.Length; i++)
        {
            builder.Append(i == 0 ? "\"" : ",\"").Append(hashes[i].ToBase64()).Append('"');
        }

        return builder.Append(']');
    }

    /// <summary>Reads one member's value; returns its slot, or -1 for an unknown name.</summary>
    public delegate int MemberReader(string name, ref Utf8JsonReader reader, out ProofJsonError error);
}
