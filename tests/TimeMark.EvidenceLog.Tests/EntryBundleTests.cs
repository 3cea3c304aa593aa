namespace TimeMark.EvidenceLog.Tests;

public class EntryBundleTests
{
    [Fact]
    public void Format_TwoEntries_WritesBigEndianLengthPrefixes()
    {
        byte[] bundle = EntryBundle.Format([(byte[])[0xAA], ReadOnlyMemory<byte>.Empty]);

        Assert.Equal([0x00, 0x01, 0xAA, 0x00, 0x00], bundle);
    }

    [Fact]
    public void TryParse_FormattedBundle_ReturnsSameEntries()
    {
        byte[][] entries = Rfc6962Reference.CtLeaves;
        byte[] bundle = EntryBundle.Format([.. entries.Select(e => (ReadOnlyMemory<byte>)e)]);

        Assert.True(EntryBundle.TryParse(bundle, entries.Length, out IReadOnlyList<ReadOnlyMemory<byte>>? parsed, out _));
        Assert.Equal(entries, parsed.Select(e => e.ToArray()));
    }

    [Fact]
    public void TryParse_FullBundle_HashesToLevel0Tile()
    {
        MemoryHashStore store = MerkleTreeTests.Store(256);
        byte[] bundle = EntryBundle.Format([.. Rfc6962Reference.NumberedEntries(256).Select(e => (ReadOnlyMemory<byte>)e)]);

        Assert.True(EntryBundle.TryParse(bundle, Tile.FullWidth, out IReadOnlyList<ReadOnlyMemory<byte>>? entries, out _));
        Assert.Equal(Tile.ForHashes(0, 0).ReadData(store), entries.SelectMany(e => MerkleHash.Leaf(e.Span).AsSpan().ToArray()));
    }

    [Fact]
    public void Format_LargestEntry_RoundTrips()
    {
        byte[] entry = new byte[EntryBundle.MaxEntrySize];
        entry[^1] = 7;

        Assert.True(EntryBundle.TryParse(EntryBundle.Format([entry]), 1, out IReadOnlyList<ReadOnlyMemory<byte>>? entries, out _));
        Assert.Equal(entry, entries[0].ToArray());
    }

    [Fact]
    public void Format_EntryLongerThanUInt16_Throws()
    {
        Assert.Throws<ArgumentException>(() => EntryBundle.Format([new byte[EntryBundle.MaxEntrySize + 1]]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public void Format_EntryCountOutsideTileWidth_Throws(int count)
    {
        Assert.Throws<ArgumentException>(() => EntryBundle.Format([.. Enumerable.Repeat(ReadOnlyMemory<byte>.Empty, count)]));
    }

    [Theory]
    [InlineData(new byte[] { 0x00 }, 1, ParseError.TruncatedEntry)]
    [InlineData(new byte[] { 0x00, 0x02, 0xAA }, 1, ParseError.TruncatedEntry)]
    [InlineData(new byte[] { 0x00, 0x01, 0xAA, 0x00 }, 2, ParseError.TruncatedEntry)]
    [InlineData(new byte[] { 0x00, 0x01, 0xAA, 0x00, 0x00 }, 1, ParseError.EntryCountMismatch)]
    [InlineData(new byte[] { 0x00, 0x01, 0xAA }, 2, ParseError.EntryCountMismatch)]
    [InlineData(new byte[] { }, 1, ParseError.EntryCountMismatch)]
    public void TryParse_MalformedBundle_ReportsError(byte[] bundle, int width, ParseError expected)
    {
        Assert.False(EntryBundle.TryParse(bundle, width, out _, out ParseError error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public void TryParse_WidthOutsideTileWidths_Throws(int width)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EntryBundle.TryParse(new byte[] { 0, 0 }, width, out _, out _));
    }
}
