namespace TimeMark.EvidenceLog.Tests;

public class LogEntryTests
{
    // Expected bytes and leaf hashes computed independently with /usr/bin/python3 (hand-written RFC 8949
    // major-type/argument encoder, hashlib), not with System.Formats.Cbor.
    private const string MessageHex = "a50000016a73656e736f72732f743102656465762d31031b0000018bcfe568000443010203";
    private const string MessageLeafHex = "7dba837f43749a31187793b1298bb87a6ad7d96847d62179543f9079833e29c7";
    private const string VoidHex = "a30001031b0000018bcfe5680005767075626c697368657220646973636f6e6e6563746564";
    private const string VoidLeafHex = "2f961c6f6ebecfa91061e23c1dcedce276f0f445a96731a436c57634849252c6";

    private static LogEntry SampleMessage() => LogEntry.ForMessage("sensors/t1", "dev-1", 1_700_000_000_000, new byte[] { 1, 2, 3 });

    private static LogEntry SampleVoid() => LogEntry.ForVoid("publisher disconnected", 1_700_000_000_000);

    private static ParseError Parse(string hex)
    {
        bool parsed = LogEntry.TryParse(Convert.FromHexString(hex), out _, out ParseError error);
        Assert.Equal(parsed, error == ParseError.None);
        return error;
    }

    [Fact]
    public void Format_Message_MatchesIndependentEncoding()
    {
        Assert.Equal(MessageHex, Convert.ToHexStringLower(SampleMessage().Format()));
    }

    [Fact]
    public void Format_Void_MatchesIndependentEncoding()
    {
        Assert.Equal(VoidHex, Convert.ToHexStringLower(SampleVoid().Format()));
    }

    [Fact]
    public void Format_Message_LeafHashMatchesIndependentHash()
    {
        Assert.Equal(MessageLeafHex, MerkleHash.Leaf(SampleMessage().Format()).ToString());
        Assert.Equal(VoidLeafHex, MerkleHash.Leaf(SampleVoid().Format()).ToString());
    }

    [Fact]
    public void TryParse_Message_RoundTripsEveryField()
    {
        Assert.True(LogEntry.TryParse(Convert.FromHexString(MessageHex), out LogEntry? entry, out ParseError error));

        Assert.Equal(ParseError.None, error);
        Assert.Equal(LogEntryKind.Message, entry.Kind);
        Assert.Equal("sensors/t1", entry.Topic);
        Assert.Equal("dev-1", entry.Publisher);
        Assert.Equal(1_700_000_000_000UL, entry.IngestionTimeMs);
        Assert.Equal(new byte[] { 1, 2, 3 }, entry.Payload.ToArray());
        Assert.Null(entry.Reason);
        Assert.Equal(MessageHex, Convert.ToHexStringLower(entry.Format()));
    }

    [Fact]
    public void TryParse_Void_RoundTripsEveryField()
    {
        Assert.True(LogEntry.TryParse(Convert.FromHexString(VoidHex), out LogEntry? entry, out _));

        Assert.Equal(LogEntryKind.Void, entry.Kind);
        Assert.Null(entry.Topic);
        Assert.Null(entry.Publisher);
        Assert.Equal(1_700_000_000_000UL, entry.IngestionTimeMs);
        Assert.True(entry.Payload.IsEmpty);
        Assert.Equal("publisher disconnected", entry.Reason);
        Assert.Equal(VoidHex, Convert.ToHexStringLower(entry.Format()));
    }

    [Fact]
    public void TryParse_EmptyPayload_RoundTrips()
    {
        byte[] bytes = LogEntry.ForMessage("t", "p", 0, ReadOnlyMemory<byte>.Empty).Format();

        Assert.True(LogEntry.TryParse(bytes, out LogEntry? entry, out _));
        Assert.Equal(bytes, entry.Format());
    }

    [Fact]
    public void TryParse_EveryTruncation_Fails()
    {
        byte[] bytes = Convert.FromHexString(MessageHex);
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.False(LogEntry.TryParse(bytes.AsMemory(0, length), out _, out ParseError error), $"length {length}");
            Assert.NotEqual(ParseError.None, error);
        }
    }

    [Fact]
    public void TryParse_TrailingByte_ReturnsTrailingBytes()
    {
        Assert.Equal(ParseError.TrailingBytes, Parse(MessageHex + "00"));
    }

    [Fact]
    public void TryParse_NonShortestTime_ReturnsNotDeterministicCbor()
    {
        // Time 5 as a one-byte argument (0x18 0x05) instead of the shortest form 0x05.
        Assert.Equal(ParseError.NotDeterministicCbor, Parse("a30001031805056172"));
    }

    [Fact]
    public void TryParse_IndefiniteLengthMap_ReturnsNotDeterministicCbor()
    {
        Assert.Equal(ParseError.NotDeterministicCbor, Parse("bf0001030505617aff"));
    }

    [Fact]
    public void TryParse_KeysOutOfOrder_Fails()
    {
        // {0: 1, 5: "z", 3: 5}
        Assert.NotEqual(ParseError.None, Parse("a3000105617a0305"));
    }

    [Fact]
    public void TryParse_DuplicateKey_Fails()
    {
        // {0: 1, 3: 5, 3: 5}
        Assert.NotEqual(ParseError.None, Parse("a300010305 0305".Replace(" ", string.Empty, StringComparison.Ordinal)));
    }

    [Fact]
    public void TryParse_UnknownKind_ReturnsUnknownEntryKind()
    {
        // {0: 2, 3: 5, 5: "z"}
        Assert.Equal(ParseError.UnknownEntryKind, Parse("a30002030505617a"));
    }

    [Fact]
    public void TryParse_VoidWithMinimalFields_Parses()
    {
        // {0: 1, 3: 5, 5: "z"}: the control case for the rejections below.
        Assert.Equal(ParseError.None, Parse("a30001030505617a"));
    }

    [Fact]
    public void TryParse_VoidWithExtraField_ReturnsInvalidEntryField()
    {
        // {0: 1, 3: 5, 5: "z", 6: 0}
        Assert.Equal(ParseError.InvalidEntryField, Parse("a40001030505617a0600"));
    }

    [Fact]
    public void TryParse_MessageWithoutPayload_ReturnsInvalidEntryField()
    {
        // {0: 0, 1: "t", 2: "p", 3: 5}
        Assert.Equal(ParseError.InvalidEntryField, Parse("a4000001617402617003 05".Replace(" ", string.Empty, StringComparison.Ordinal)));
    }

    [Fact]
    public void TryParse_EmptyReason_ReturnsInvalidEntryField()
    {
        Assert.Equal(ParseError.InvalidEntryField, Parse("a3000103050560"));
    }

    [Fact]
    public void TryParse_ReasonAsByteString_ReturnsInvalidEntryField()
    {
        Assert.Equal(ParseError.InvalidEntryField, Parse("a30001030505417a"));
    }

    [Fact]
    public void TryParse_NegativeTime_ReturnsInvalidEntryField()
    {
        Assert.Equal(ParseError.InvalidEntryField, Parse("a30001032005617a"));
    }

    [Fact]
    public void TryParse_TaggedTime_Fails()
    {
        // Time wrapped in tag 1 (epoch time): tags are not part of the format.
        Assert.NotEqual(ParseError.None, Parse("a3000103c10505617a"));
    }

    [Fact]
    public void TryParse_InvalidUtf8Reason_ReturnsNotDeterministicCbor()
    {
        Assert.Equal(ParseError.NotDeterministicCbor, Parse("a30001030505 61ff".Replace(" ", string.Empty, StringComparison.Ordinal)));
    }

    [Fact]
    public void TryParse_NotAMap_ReturnsInvalidEntryField()
    {
        Assert.Equal(ParseError.InvalidEntryField, Parse("80"));
    }

    [Fact]
    public void TryParse_LargerThanEntryBundleLimit_ReturnsTooLarge()
    {
        Assert.False(LogEntry.TryParse(new byte[LogEntry.MaxEncodedSize + 1], out _, out ParseError error));
        Assert.Equal(ParseError.TooLarge, error);
    }

    [Fact]
    public void Format_EveryFieldAtItsLimit_FitsAnEntryBundle()
    {
        var entry = LogEntry.ForMessage(
            new string('t', LogEntry.MaxTopicBytes),
            new string('p', LogEntry.MaxPublisherBytes),
            ulong.MaxValue,
            new byte[LogEntry.MaxPayloadSize]);

        byte[] bytes = entry.Format();

        Assert.Equal(65_305, bytes.Length);
        Assert.True(bytes.Length <= EntryBundle.MaxEntrySize);
        Assert.True(LogEntry.TryParse(bytes, out _, out _));
    }

    [Fact]
    public void ForMessage_PayloadOneByteTooLarge_Throws()
    {
        Assert.Throws<ArgumentException>(() => LogEntry.ForMessage("t", "p", 0, new byte[LogEntry.MaxPayloadSize + 1]));
    }

    [Fact]
    public void ForMessage_TopicTooLong_Throws()
    {
        Assert.Throws<ArgumentException>(() => LogEntry.ForMessage(new string('t', LogEntry.MaxTopicBytes + 1), "p", 0, default));
    }

    [Fact]
    public void ForMessage_EmptyPublisher_Throws()
    {
        Assert.Throws<ArgumentException>(() => LogEntry.ForMessage("t", string.Empty, 0, default));
    }

    [Fact]
    public void ForMessage_LoneSurrogateInTopic_Throws()
    {
        Assert.Throws<ArgumentException>(() => LogEntry.ForMessage("t\uD800", "p", 0, default));
    }

    [Fact]
    public void ForVoid_EmptyReason_Throws()
    {
        Assert.Throws<ArgumentException>(() => LogEntry.ForVoid(string.Empty, 0));
    }
}
