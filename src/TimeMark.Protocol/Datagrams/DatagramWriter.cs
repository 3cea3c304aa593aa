using System.Formats.Cbor;
using TimeMark.Protocol.Keys;

namespace TimeMark.Protocol.Datagrams;

/// <summary>
/// Builds and signs a datagram the way a BRAID device does: the pairs TS, VER,
/// PROT, ACTION, STATUS, BODY, then SIGN over 0xBF ‖ those pairs ‖ 0xFF, in a
/// definite- or indefinite-length map (the firmware uses indefinite).
/// </summary>
public static class DatagramWriter
{
    private const int DevicePairCount = 7;

    /// <exception cref="ArgumentException">BODY is not exactly one well-formed CBOR map.</exception>
    public static byte[] Write(DatagramContent content, SigningKey deviceKey, bool indefiniteLength)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(deviceKey);
        RequireSingleMap(content.Body);

        var pairs = new CborWriter(CborConformanceMode.Strict, allowMultipleRootLevelValues: true);
        WriteUInt(pairs, "TS", content.Ts);
        WriteUInt(pairs, "VER", content.Ver);
        WriteUInt(pairs, "PROT", content.Prot);
        WriteUInt(pairs, "ACTION", content.Action);
        WriteUInt(pairs, "STATUS", content.Status);
        pairs.WriteTextString("BODY");
        pairs.WriteEncodedValue(content.Body.Span);
        byte[] signedPairs = pairs.Encode();

        Span<byte> sign = stackalloc byte[DatagramLimits.SignatureLength];
        SigningInput.Sign(signedPairs, default, deviceKey, sign);

        Span<byte> header = stackalloc byte[9];
        int headerLength = indefiniteLength
            ? WriteIndefiniteStart(header)
            : CborHead.Write(header, CborHead.Map, DevicePairCount);
        Span<byte> signHead = stackalloc byte[2];
        CborHead.Write(signHead, CborHead.ByteString, DatagramLimits.SignatureLength);

        return [
            .. header[..headerLength], .. signedPairs,
            .. DatagramKeys.EncodedSign, .. signHead, .. sign,
            .. (indefiniteLength ? [CborHead.Break] : ReadOnlySpan<byte>.Empty),
        ];
    }

    private static void RequireSingleMap(ReadOnlyMemory<byte> body)
    {
        try
        {
            var reader = new CborReader(body, CborConformanceMode.Strict);
            if (reader.PeekState() != CborReaderState.StartMap)
                throw new ArgumentException("BODY must be a CBOR map.", nameof(body));
            reader.SkipValue();
            if (reader.BytesRemaining != 0)
                throw new ArgumentException("BODY must be exactly one CBOR map; bytes follow it.", nameof(body));
        }
        catch (CborContentException e)
        {
            throw new ArgumentException($"BODY is not well-formed CBOR: {e.Message}", nameof(body), e);
        }
    }

    private static void WriteUInt(CborWriter writer, string key, ulong value)
    {
        writer.WriteTextString(key);
        writer.WriteUInt64(value);
    }

    private static int WriteIndefiniteStart(Span<byte> header)
    {
        header[0] = CborHead.IndefiniteMapStart;
        return 1;
    }
}
