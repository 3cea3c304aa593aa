// BRAID datagram reader: design.md "The BRAID datagram"; CBOR per RFC 8949.
using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Text.Unicode;

namespace TimeMark.Protocol.Datagrams;

/// <summary>
/// Reads a BRAID datagram from untrusted bytes. Never throws for bad input:
/// every rejection is a <see cref="DatagramError"/> naming the rule and the
/// byte offset.
/// </summary>
/// <remarks>
/// The top-level map is read in Lax mode because this reader enforces its own,
/// more precise rules there (text keys, duplicates, field types, field order).
/// Every other value (BODY, unknown fields) is checked by a second reader in
/// Strict mode, which rejects duplicate keys and invalid UTF-8 at any depth,
/// while this class bounds the nesting depth. Both readers are cached per
/// thread and reset for each datagram, so reading allocates nothing.
/// </remarks>
public static class DatagramReader
{
    [ThreadStatic] private static CborReader? t_topLevel;
    [ThreadStatic] private static CborReader? t_nested;

    /// <summary>Reads <paramref name="bytes"/> as one BRAID datagram; the result slices, never copies, them.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> bytes, out Datagram datagram, out DatagramError error)
    {
        datagram = default;
        if (bytes.Length > DatagramLimits.MaxLength)
        {
            error = new DatagramError(DatagramErrorCode.TooLarge, DatagramLimits.MaxLength);
            return false;
        }

        CborReader reader = Reset(ref t_topLevel, bytes, CborConformanceMode.Lax);
        try
        {
            return TryReadMap(reader, bytes, out datagram, out error);
        }
        catch (Exception e) when (IsBadCbor(e))
        {
            // Peek-then-commit: the reader still points at the item it could not read.
            int offset = bytes.Length - reader.BytesRemaining;
            error = new DatagramError(ClassifyBadItem(bytes.Span[offset..]), offset);
            return false;
        }
    }

    private static bool TryReadMap(CborReader reader, ReadOnlyMemory<byte> bytes, out Datagram datagram, out DatagramError error)
    {
        datagram = default;
        if (reader.BytesRemaining == 0)
            return Fail(DatagramErrorCode.Truncated, 0, DatagramField.Unknown, out error);
        if (reader.PeekState() != CborReaderState.StartMap)
            return Fail(DatagramErrorCode.NotAMap, 0, DatagramField.Unknown, out error);

        int? declaredPairs = reader.ReadStartMap();
        if (declaredPairs > DatagramLimits.MaxTopLevelPairs)
            return Fail(DatagramErrorCode.TooManyFields, 0, DatagramField.Unknown, out error);

        int pairsStart = Offset(reader, bytes);
        var device = new Datagram.DeviceFields(null, null, null, null, null, false, default, -1, default);
        var broker = new Datagram.BrokerFields(null, null, -1, default);
        Span<Range> unknownKeys = stackalloc Range[DatagramLimits.MaxTopLevelPairs];
        int unknownKeyCount = 0;
        uint fieldsSeen = 0;
        DatagramField lastBrokerField = DatagramField.Unknown;
        int pairCount = 0;

        while (true)
        {
            int keyOffset = Offset(reader, bytes);
            if (pairCount == declaredPairs)
                break;
            if (reader.BytesRemaining == 0)
                return Fail(DatagramErrorCode.Truncated, keyOffset, DatagramField.Unknown, out error);

            CborReaderState keyState = reader.PeekState();
            if (keyState == CborReaderState.EndMap)
                break;
            if (++pairCount > DatagramLimits.MaxTopLevelPairs)
                return Fail(DatagramErrorCode.TooManyFields, keyOffset, DatagramField.Unknown, out error);
            if (keyState != CborReaderState.TextString)
            {
                // Indefinite-length text keys are valid CBOR but no BRAID writer emits them;
                // they are rejected with the same rule as any other non-text key.
                return Fail(DatagramErrorCode.NonTextKey, keyOffset, DatagramField.Unknown, out error);
            }

            ReadOnlySpan<byte> key = reader.ReadDefiniteLengthTextStringBytes().Span;
            DatagramField field = DatagramKeys.Identify(key);
            if (field == DatagramField.Unknown)
            {
                if (!Utf8.IsValid(key))
                    return Fail(DatagramErrorCode.MalformedCbor, keyOffset, field, out error);
                var keyRange = new Range(Offset(reader, bytes) - key.Length, Offset(reader, bytes));
                foreach (Range seen in unknownKeys[..unknownKeyCount])
                {
                    if (bytes.Span[seen].SequenceEqual(key))
                        return Fail(DatagramErrorCode.DuplicateKey, keyOffset, field, out error);
                }
                unknownKeys[unknownKeyCount++] = keyRange;
            }
            else
            {
                uint bit = 1u << (int)field;
                if ((fieldsSeen & bit) != 0)
                    return Fail(DatagramErrorCode.DuplicateKey, keyOffset, field, out error);
                fieldsSeen |= bit;
            }

            bool signSeen = device.SignOffset >= 0;
            if (IsBrokerField(field))
            {
                if (!signSeen)
                    return Fail(DatagramErrorCode.BrokerFieldBeforeSign, keyOffset, field, out error);
                if (field <= lastBrokerField)
                    return Fail(DatagramErrorCode.BrokerFieldOutOfOrder, keyOffset, field, out error);
                lastBrokerField = field;
            }
            else if (signSeen)
            {
                return Fail(DatagramErrorCode.UnsignedFieldAfterSign, keyOffset, field, out error);
            }

            int valueOffset = Offset(reader, bytes);
            if (reader.BytesRemaining == 0)
                return Fail(DatagramErrorCode.Truncated, valueOffset, field, out error);
            CborReaderState valueState = reader.PeekState();

            switch (field)
            {
                case DatagramField.Ts or DatagramField.Ver or DatagramField.Prot or DatagramField.Action
                    or DatagramField.Status or DatagramField.IngestionTime or DatagramField.LogIndex:
                    if (valueState != CborReaderState.UnsignedInteger)
                        return Fail(DatagramErrorCode.WrongFieldType, valueOffset, field, out error);
                    ulong number = reader.ReadUInt64();
                    switch (field)
                    {
                        case DatagramField.Ts: device = device with { Ts = number }; break;
                        case DatagramField.Ver: device = device with { Ver = number }; break;
                        case DatagramField.Prot: device = device with { Prot = number }; break;
                        case DatagramField.Action: device = device with { Action = number }; break;
                        case DatagramField.Status: device = device with { Status = number }; break;
                        case DatagramField.IngestionTime: broker = broker with { IngestionTime = number }; break;
                        default: broker = broker with { LogIndex = number }; break;
                    }
                    break;

                case DatagramField.Sign or DatagramField.VerificationToken:
                    if (valueState is not (CborReaderState.ByteString or CborReaderState.StartIndefiniteLengthByteString))
                        return Fail(DatagramErrorCode.WrongFieldType, valueOffset, field, out error);
                    if (valueState != CborReaderState.ByteString)
                        return Fail(DatagramErrorCode.BadSignatureLength, valueOffset, field, out error);
                    ReadOnlyMemory<byte> signature = reader.ReadDefiniteLengthByteString();
                    if (signature.Length != DatagramLimits.SignatureLength)
                        return Fail(DatagramErrorCode.BadSignatureLength, valueOffset, field, out error);
                    if (field == DatagramField.Sign)
                        device = device with { SignOffset = keyOffset, Sign = signature };
                    else
                        broker = broker with { TokenOffset = keyOffset, Token = signature };
                    break;

                default: // BODY, or a key BRAID does not define: any valid CBOR, within the depth bound.
                    if (field == DatagramField.Body && valueState != CborReaderState.StartMap)
                        return Fail(DatagramErrorCode.WrongFieldType, valueOffset, field, out error);
                    if (!TryValidateNested(bytes, valueOffset, out error))
                        return false;
                    reader.SkipValue();
                    if (field == DatagramField.Body)
                        device = device with { HasBody = true, Body = bytes[valueOffset..Offset(reader, bytes)] };
                    break;
            }
        }

        int pairsEnd = Offset(reader, bytes);
        reader.ReadEndMap();
        if (reader.BytesRemaining != 0)
            return Fail(DatagramErrorCode.TrailingBytes, Offset(reader, bytes), DatagramField.Unknown, out error);
        if (device.SignOffset < 0)
            return Fail(DatagramErrorCode.SignMissing, pairsEnd, DatagramField.Sign, out error);

        datagram = new Datagram(bytes, declaredPairs is null, pairsStart, pairsEnd, pairCount, device, broker);
        error = default;
        return true;
    }

    /// <summary>
    /// Walks the value at <paramref name="offset"/> item by item with a Strict
    /// reader, bounding the nesting depth (the datagram map is level 1).
    /// </summary>
    private static bool TryValidateNested(ReadOnlyMemory<byte> bytes, int offset, out DatagramError error)
    {
        ReadOnlyMemory<byte> rest = bytes[offset..];
        CborReader reader = Reset(ref t_nested, rest, CborConformanceMode.Strict, allowMultipleRootLevelValues: true);
        try
        {
            int depth = 1;
            bool awaitingTaggedItem;
            do
            {
                awaitingTaggedItem = false;
                if (reader.BytesRemaining == 0)
                    return Fail(DatagramErrorCode.Truncated, bytes.Length, DatagramField.Unknown, out error);
                switch (reader.PeekState())
                {
                    case CborReaderState.StartMap:
                        reader.ReadStartMap();
                        depth++;
                        break;
                    case CborReaderState.StartArray:
                        reader.ReadStartArray();
                        depth++;
                        break;
                    case CborReaderState.EndMap:
                        reader.ReadEndMap();
                        depth--;
                        break;
                    case CborReaderState.EndArray:
                        reader.ReadEndArray();
                        depth--;
                        break;
                    case CborReaderState.Tag:
                        reader.ReadTag();
                        awaitingTaggedItem = true;
                        break;
                    default:
                        reader.SkipValue();
                        break;
                }
                if (depth > DatagramLimits.MaxNestingDepth)
                {
                    int at = offset + rest.Length - reader.BytesRemaining;
                    return Fail(DatagramErrorCode.NestedTooDeep, at, DatagramField.Unknown, out error);
                }
            }
            while (depth > 1 || awaitingTaggedItem);

            error = default;
            return true;
        }
        catch (Exception e) when (IsBadCbor(e))
        {
            int at = offset + rest.Length - reader.BytesRemaining;
            error = new DatagramError(ClassifyBadItem(bytes.Span[at..]), at);
            return false;
        }
    }

    /// <summary>
    /// Tells a data item cut short by the end of the input (RFC 8949 §3: its head
    /// or its string bytes run past the end) from one that is malformed.
    /// </summary>
    private static DatagramErrorCode ClassifyBadItem(ReadOnlySpan<byte> item)
    {
        if (item.IsEmpty)
            return DatagramErrorCode.Truncated;
        int majorType = item[0] >> 5;
        int additionalInfo = item[0] & 0x1F;
        int argumentLength = additionalInfo switch { 24 => 1, 25 => 2, 26 => 4, 27 => 8, _ => 0 };
        if (item.Length < 1 + argumentLength)
            return DatagramErrorCode.Truncated;
        if (additionalInfo >= 28 || majorType is 0 or 1 or 6 or 7)
            return DatagramErrorCode.MalformedCbor;

        ulong argument = argumentLength switch
        {
            0 => (ulong)additionalInfo,
            1 => item[1],
            2 => BinaryPrimitives.ReadUInt16BigEndian(item[1..]),
            4 => BinaryPrimitives.ReadUInt32BigEndian(item[1..]),
            _ => BinaryPrimitives.ReadUInt64BigEndian(item[1..]),
        };
        ulong available = (ulong)(item.Length - 1 - argumentLength);
        // Strings need `argument` bytes; an array or map needs at least one byte per item.
        ulong needed = majorType switch { 4 => argument, 5 => argument > ulong.MaxValue / 2 ? ulong.MaxValue : argument * 2, _ => argument };
        return available < needed ? DatagramErrorCode.Truncated : DatagramErrorCode.MalformedCbor;
    }

    /// <summary>
    /// CborReader signals bad bytes with CborContentException, but the reserved
    /// major-type-7 heads 0xFC..0xFE (RFC 8949 §3.3, additional information 28..30)
    /// surface as InvalidOperationException from SkipValue; both mean malformed input.
    /// </summary>
    private static bool IsBadCbor(Exception e) => e is CborContentException or InvalidOperationException;

    private static bool IsBrokerField(DatagramField field) =>
        field is DatagramField.IngestionTime or DatagramField.LogIndex or DatagramField.VerificationToken;

    private static int Offset(CborReader reader, ReadOnlyMemory<byte> bytes) => bytes.Length - reader.BytesRemaining;

    private static CborReader Reset(ref CborReader? cached, ReadOnlyMemory<byte> bytes, CborConformanceMode mode, bool allowMultipleRootLevelValues = false)
    {
        if (cached is null)
        {
            cached = new CborReader(bytes, mode, allowMultipleRootLevelValues);
        }
        else
        {
            cached.Reset(bytes);
        }
        return cached;
    }

    private static bool Fail(DatagramErrorCode code, int offset, DatagramField field, out DatagramError error)
    {
        error = new DatagramError(code, offset, field);
        return false;
    }
}
