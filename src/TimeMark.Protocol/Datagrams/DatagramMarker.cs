using TimeMark.Protocol.Keys;

namespace TimeMark.Protocol.Datagrams;

/// <summary>
/// Marks a device datagram as the broker does (design.md): appends
/// INGESTION_TIME, LOG_INDEX and VERIFICATION_TOKEN after the device's bytes,
/// which stay untouched. A definite-length map gets its pair count raised by
/// three (the only rewritten bytes are the map header); an indefinite-length
/// map gets the pairs before its break byte.
/// </summary>
public static class DatagramMarker
{
    private const int TokenHeadLength = 2; // 0x58 0x40: byte string of 64 bytes

    /// <summary>Length of the marked datagram.</summary>
    public static int MarkedLength(in Datagram datagram, ulong ingestionTime, ulong logIndex) =>
        HeaderLength(datagram)
        + datagram.AllPairs.Length
        + MarkPairsLength(ingestionTime, logIndex)
        + DatagramKeys.EncodedVerificationToken.Length + TokenHeadLength + DatagramLimits.SignatureLength
        + (datagram.IsIndefiniteLength ? 1 : 0);

    /// <summary>
    /// Writes the marked datagram into <paramref name="destination"/>, which must hold
    /// <see cref="MarkedLength"/> bytes, and returns the number of bytes written.
    /// </summary>
    /// <exception cref="ArgumentException">The datagram already carries broker fields, the key is not Ed25519, or the destination is too small.</exception>
    public static int Mark(in Datagram datagram, ulong ingestionTime, ulong logIndex, SigningKey brokerKey, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(brokerKey);
        if (brokerKey.Algorithm != KeyAlgorithm.Ed25519)
            throw new ArgumentException("VERIFICATION_TOKEN is an Ed25519 signature.", nameof(brokerKey));
        if (datagram.HasBrokerFields)
            throw new ArgumentException("The datagram already carries broker fields; reject it instead of marking it again.", nameof(datagram));
        int length = MarkedLength(datagram, ingestionTime, logIndex);
        if (destination.Length < length)
            throw new ArgumentException($"The marked datagram needs {length} bytes.", nameof(destination));

        int at = datagram.IsIndefiniteLength
            ? WriteByte(destination, CborHead.IndefiniteMapStart)
            : CborHead.Write(destination, CborHead.Map, (ulong)datagram.PairCount + 3);

        ReadOnlySpan<byte> devicePairs = datagram.AllPairs;
        devicePairs.CopyTo(destination[at..]);
        at += devicePairs.Length;

        int markStart = at;
        at += WritePair(destination[at..], DatagramKeys.EncodedIngestionTime, ingestionTime);
        at += WritePair(destination[at..], DatagramKeys.EncodedLogIndex, logIndex);
        ReadOnlySpan<byte> markPairs = destination[markStart..at];

        DatagramKeys.EncodedVerificationToken.CopyTo(destination[at..]);
        at += DatagramKeys.EncodedVerificationToken.Length;
        at += CborHead.Write(destination[at..], CborHead.ByteString, DatagramLimits.SignatureLength);
        SigningInput.Sign(devicePairs, markPairs, brokerKey, destination.Slice(at, DatagramLimits.SignatureLength));
        at += DatagramLimits.SignatureLength;

        if (datagram.IsIndefiniteLength)
            at += WriteByte(destination[at..], CborHead.Break);
        System.Diagnostics.Debug.Assert(at == length, "bad length math in DatagramMarker.Mark");
        return at;
    }

    /// <summary>Allocates and returns the marked datagram.</summary>
    public static byte[] Mark(in Datagram datagram, ulong ingestionTime, ulong logIndex, SigningKey brokerKey)
    {
        var marked = new byte[MarkedLength(datagram, ingestionTime, logIndex)];
        Mark(datagram, ingestionTime, logIndex, brokerKey, marked);
        return marked;
    }

    private static int HeaderLength(in Datagram datagram) =>
        datagram.IsIndefiniteLength ? 1 : CborHead.Length((ulong)datagram.PairCount + 3);

    private static int MarkPairsLength(ulong ingestionTime, ulong logIndex) =>
        DatagramKeys.EncodedIngestionTime.Length + CborHead.Length(ingestionTime)
        + DatagramKeys.EncodedLogIndex.Length + CborHead.Length(logIndex);

    private static int WritePair(Span<byte> destination, ReadOnlySpan<byte> encodedKey, ulong value)
    {
        encodedKey.CopyTo(destination);
        return encodedKey.Length + CborHead.Write(destination[encodedKey.Length..], CborHead.UnsignedInteger, value);
    }

    private static int WriteByte(Span<byte> destination, byte value)
    {
        destination[0] = value;
        return 1;
    }
}
