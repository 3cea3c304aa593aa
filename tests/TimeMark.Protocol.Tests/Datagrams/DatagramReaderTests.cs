using TimeMark.Protocol.Datagrams;
using static TimeMark.Protocol.Tests.CborBuilder;

namespace TimeMark.Protocol.Tests.Datagrams;

public class DatagramReaderTests
{
    private static readonly byte[] Sign = Bytes("SIGN", 64);

    private static DatagramError ReadError(byte[] bytes)
    {
        Assert.False(DatagramReader.TryRead(bytes, out _, out DatagramError error));
        return error;
    }

    [Theory]
    [InlineData(Vectors.Ed25519Indefinite, true)]
    [InlineData(Vectors.Ed25519Definite, false)]
    public void TryRead_DeviceVector_ExposesEveryField(string hex, bool indefinite)
    {
        Assert.True(DatagramReader.TryRead(Vectors.Bytes(hex), out Datagram datagram, out DatagramError error), error.ToString());

        Assert.Equal(indefinite, datagram.IsIndefiniteLength);
        Assert.Equal(7, datagram.PairCount);
        Assert.Equal(Vectors.Ts, datagram.Ts);
        Assert.Equal(Vectors.Ver, datagram.Ver);
        Assert.Equal(1UL, datagram.Prot);
        Assert.Equal(Vectors.Action, datagram.Action);
        Assert.Equal(0UL, datagram.Status);
        Assert.Equal(Vectors.Body, Convert.ToHexStringLower(datagram.Body.Span));
        Assert.Equal(64, datagram.Sign.Length);
        Assert.False(datagram.HasBrokerFields);
        Assert.Equal(-1, datagram.VerificationTokenOffset);
    }

    [Fact]
    public void TryRead_DeviceVector_SlicesSigningRangesFromTheReceivedBytes()
    {
        byte[] bytes = Vectors.Bytes(Vectors.Ed25519Indefinite);
        Assert.True(DatagramReader.TryRead(bytes, out Datagram datagram, out _));

        Assert.Equal(1, datagram.PairsStart);
        Assert.Equal(bytes.Length - 1, datagram.PairsEnd);
        Assert.Equal(DevicePairs(), datagram.DevicePairs.ToArray());
        Assert.Equal(bytes.Length - 1 - 64 - 2 - 5, datagram.SignOffset);
    }

    [Fact]
    public void TryRead_MarkedVector_ExposesBrokerFields()
    {
        Assert.True(DatagramReader.TryRead(Vectors.Bytes(Vectors.Ed25519MarkedIndefinite), out Datagram datagram, out _));

        Assert.Equal(10, datagram.PairCount);
        Assert.Equal(Vectors.IngestionTime, datagram.IngestionTime);
        Assert.Equal(Vectors.LogIndex, datagram.LogIndex);
        Assert.Equal(64, datagram.VerificationToken.Length);
        Assert.True(datagram.HasBrokerFields);
    }

    [Fact]
    public void TryRead_UnknownKeysBeforeSign_AreAcceptedAndSigned()
    {
        byte[] bytes = Indefinite(DevicePairs(), UInt("EXTRA", 5), Sign);

        Assert.True(DatagramReader.TryRead(bytes, out Datagram datagram, out _));
        Assert.Equal(8, datagram.PairCount);
        Assert.Equal([.. DevicePairs(), .. UInt("EXTRA", 5)], datagram.DevicePairs.ToArray());
    }

    [Fact]
    public void TryRead_ResultSharesTheInputBytes()
    {
        byte[] bytes = Vectors.Bytes(Vectors.Ed25519Indefinite);
        Assert.True(DatagramReader.TryRead(bytes, out Datagram datagram, out _));

        bytes[^2] ^= 1; // last byte of SIGN
        Assert.Equal(bytes[^2], datagram.Sign.Span[^1]);
    }

    [Fact]
    public void TryRead_Empty_IsTruncated() =>
        Assert.Equal(new DatagramError(DatagramErrorCode.Truncated, 0), ReadError([]));

    [Fact]
    public void TryRead_OverSizeLimit_IsTooLarge() =>
        Assert.Equal(DatagramErrorCode.TooLarge, ReadError(new byte[DatagramLimits.MaxLength + 1]).Code);

    [Theory]
    [InlineData("80")] // empty array
    [InlineData("01")] // integer
    [InlineData("6454455354")] // text
    public void TryRead_TopLevelNotAMap_IsNotAMap(string hex) =>
        Assert.Equal(new DatagramError(DatagramErrorCode.NotAMap, 0), ReadError(Vectors.Bytes(hex)));

    [Fact]
    public void TryRead_EveryTruncation_IsRejectedAsTruncated()
    {
        foreach (string hex in new[] { Vectors.Ed25519Indefinite, Vectors.Ed25519Definite, Vectors.Ed25519MarkedDefinite })
        {
            byte[] bytes = Vectors.Bytes(hex);
            for (int length = 0; length < bytes.Length; length++)
            {
                DatagramError error = ReadError(bytes[..length]);
                Assert.True(error.Code == DatagramErrorCode.Truncated, $"{hex[..4]}… cut to {length} bytes: {error}");
            }
        }
    }

    [Fact]
    public void TryRead_TrailingByte_IsTrailingBytesAtTheEndOfTheMap()
    {
        byte[] bytes = [.. Vectors.Bytes(Vectors.Ed25519Indefinite), 0x00];
        Assert.Equal(new DatagramError(DatagramErrorCode.TrailingBytes, bytes.Length - 1), ReadError(bytes));
    }

    [Fact]
    public void TryRead_IntegerKey_IsNonTextKey() =>
        Assert.Equal(new DatagramError(DatagramErrorCode.NonTextKey, 1), ReadError([0xBF, 0x01, 0x02, .. Sign, 0xFF]));

    [Fact]
    public void TryRead_DuplicateKnownKey_IsDuplicateKeyAtTheSecondKey()
    {
        byte[] first = UInt("TS", 1);
        DatagramError error = ReadError(Indefinite(first, UInt("TS", 2), Sign));
        Assert.Equal(new DatagramError(DatagramErrorCode.DuplicateKey, 1 + first.Length, DatagramField.Ts), error);
    }

    [Fact]
    public void TryRead_DuplicateUnknownKey_IsDuplicateKey() =>
        Assert.Equal(DatagramErrorCode.DuplicateKey, ReadError(Indefinite(UInt("X", 1), UInt("X", 1), Sign)).Code);

    [Fact]
    public void TryRead_DuplicateKeyInsideBody_IsMalformed()
    {
        byte[] body = Pair("BODY", w => { w.WriteStartMap(null); w.WriteTextString("a"); w.WriteInt32(1); w.WriteTextString("a"); w.WriteInt32(2); w.WriteEndMap(); });
        Assert.Equal(DatagramErrorCode.MalformedCbor, ReadError(Indefinite(body, Sign)).Code);
    }

    [Fact]
    public void TryRead_InvalidUtf8InBody_IsMalformed()
    {
        // BODY {"k": text with the lone byte 0xFF}
        byte[] body = [.. Text("BODY"), 0xA1, 0x61, (byte)'k', 0x61, 0xFF];
        Assert.Equal(DatagramErrorCode.MalformedCbor, ReadError(Indefinite(body, Sign)).Code);
    }

    [Theory]
    [InlineData("TS")]
    [InlineData("VER")]
    [InlineData("PROT")]
    [InlineData("ACTION")]
    [InlineData("STATUS")]
    public void TryRead_NegativeIntegerField_IsWrongFieldType(string key)
    {
        byte[] pair = Pair(key, w => w.WriteInt64(-1));
        DatagramError error = ReadError(Indefinite(pair, Sign));
        Assert.Equal(DatagramErrorCode.WrongFieldType, error.Code);
        Assert.Equal(1 + Text(key).Length, error.Offset);
    }

    [Fact]
    public void TryRead_BodyNotAMap_IsWrongFieldType() =>
        Assert.Equal(DatagramErrorCode.WrongFieldType, ReadError(Indefinite(UInt("BODY", 1), Sign)).Code);

    [Fact]
    public void TryRead_SignMissing_IsSignMissing() =>
        Assert.Equal(DatagramErrorCode.SignMissing, ReadError(Indefinite(DevicePairs())).Code);

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(65)]
    public void TryRead_SignOfWrongLength_IsBadSignatureLength(int length) =>
        Assert.Equal(DatagramErrorCode.BadSignatureLength, ReadError(Indefinite(DevicePairs(), Bytes("SIGN", length))).Code);

    [Fact]
    public void TryRead_SignAsText_IsWrongFieldType() =>
        Assert.Equal(DatagramErrorCode.WrongFieldType, ReadError(Indefinite(Pair("SIGN", w => w.WriteTextString("sig")))).Code);

    [Theory]
    [InlineData("INGESTION_TIME")]
    [InlineData("LOG_INDEX")]
    public void TryRead_BrokerFieldBeforeSign_IsRejected(string key) =>
        Assert.Equal(DatagramErrorCode.BrokerFieldBeforeSign, ReadError(Indefinite(UInt(key, 1), Sign)).Code);

    [Fact]
    public void TryRead_TokenBeforeSign_IsRejected() =>
        Assert.Equal(DatagramErrorCode.BrokerFieldBeforeSign, ReadError(Indefinite(Bytes("VERIFICATION_TOKEN", 64), Sign)).Code);

    [Theory]
    [InlineData("TS")]
    [InlineData("EXTRA")]
    public void TryRead_DeviceOrUnknownKeyAfterSign_IsUnsignedFieldAfterSign(string key) =>
        Assert.Equal(DatagramErrorCode.UnsignedFieldAfterSign, ReadError(Indefinite(Sign, UInt(key, 1))).Code);

    [Fact]
    public void TryRead_LogIndexBeforeIngestionTime_IsOutOfOrder() =>
        Assert.Equal(DatagramErrorCode.BrokerFieldOutOfOrder,
            ReadError(Indefinite(Sign, UInt("LOG_INDEX", 1), UInt("INGESTION_TIME", 1))).Code);

    [Fact]
    public void TryRead_BrokerFieldAfterToken_IsOutOfOrder() =>
        Assert.Equal(DatagramErrorCode.BrokerFieldOutOfOrder,
            ReadError(Indefinite(Sign, UInt("INGESTION_TIME", 1), Bytes("VERIFICATION_TOKEN", 64), UInt("LOG_INDEX", 1))).Code);

    [Fact]
    public void TryRead_MarkWithoutLogIndex_IsAccepted()
    {
        byte[] bytes = Indefinite(DevicePairs(), Sign, UInt("INGESTION_TIME", 1), Bytes("VERIFICATION_TOKEN", 64));
        Assert.True(DatagramReader.TryRead(bytes, out Datagram datagram, out _));
        Assert.Null(datagram.LogIndex);
    }

    [Fact]
    public void TryRead_NestingAtTheLimit_IsAccepted() =>
        Assert.True(DatagramReader.TryRead(Indefinite(NestedBody(DatagramLimits.MaxNestingDepth - 1), Sign), out _, out _));

    [Fact]
    public void TryRead_NestingOverTheLimit_IsNestedTooDeep() =>
        Assert.Equal(DatagramErrorCode.NestedTooDeep, ReadError(Indefinite(NestedBody(DatagramLimits.MaxNestingDepth), Sign)).Code);

    [Fact]
    public void TryRead_HugeNestingInUnknownField_IsNestedTooDeepWithoutStackOverflow()
    {
        byte[] deep = [.. Text("X"), .. Enumerable.Repeat((byte)0x81, 50_000), 0x00]; // [[[…[0]…]]]
        Assert.Equal(DatagramErrorCode.NestedTooDeep, ReadError(Indefinite(deep, Sign)).Code);
    }

    [Fact]
    public void TryRead_TooManyPairs_IsTooManyFields()
    {
        byte[][] pairs = Enumerable.Range(0, DatagramLimits.MaxTopLevelPairs).Select(i => UInt($"K{i}", 0)).Append(Sign).ToArray();
        Assert.Equal(DatagramErrorCode.TooManyFields, ReadError(Indefinite(pairs)).Code);
    }

    [Fact]
    public void TryRead_ReservedAdditionalInformation_IsMalformed() =>
        Assert.Equal(DatagramErrorCode.MalformedCbor, ReadError([0xBF, .. Text("X"), 0x1C, .. Sign, 0xFF]).Code);

    [Fact]
    public void TryRead_ReservedMajorType7Head_IsMalformed()
    {
        // RFC 8949 §3.3: additional information 28..30 is reserved; CborReader throws
        // InvalidOperationException rather than CborContentException for it.
        byte[] body = [.. Text("BODY"), 0xA1, 0x61, (byte)'k', 0xFC];
        Assert.Equal(DatagramErrorCode.MalformedCbor, ReadError(Indefinite(body, Sign)).Code);
    }

    [Fact]
    public void TryRead_EveryByteValueAtEveryPosition_NeverThrows()
    {
        byte[] original = Vectors.Bytes(Vectors.Ed25519MarkedIndefinite);
        for (int i = 0; i < original.Length; i++)
        {
            byte[] mangled = (byte[])original.Clone();
            for (int value = 0; value < 256; value++)
            {
                mangled[i] = (byte)value;
                DatagramReader.TryRead(mangled, out _, out _);
            }
        }
    }

    [Fact]
    public void TryRead_Error_DescribesRuleFieldAndOffset()
    {
        string message = ReadError(Indefinite(Sign, UInt("TS", 1))).ToString();
        Assert.Equal($"datagram: key TS after SIGN is not a broker field, so no signature covers it at offset {1 + Sign.Length}", message);
    }

    /// <summary>BODY {"n": {"n": … {}}} with <paramref name="levels"/> maps, so the datagram nests levels + 1 deep.</summary>
    private static byte[] NestedBody(int levels)
    {
        var inner = new List<byte>();
        for (int i = 1; i < levels; i++)
            inner.AddRange([0xA1, 0x61, (byte)'n']);
        inner.Add(0xA0);
        return [.. Text("BODY"), .. inner];
    }
}
