using static TimeMark.EvidenceLog.Tests.Rfc6962Reference;

namespace TimeMark.EvidenceLog.Tests;

public class TileTests
{
    public static TheoryData<string, bool, int, long, int> Paths => new()
    {
        // c2sp.org/tlog-tiles: "index 1234067 will be encoded as x001/x234/067".
        { "tile/0/x001/x234/067", false, 0, 1234067, 256 },
        { "tile/0/x001/x234/067.p/8", false, 0, 1234067, 8 },
        // golang.org/x/mod/sumdb/tlog Tile doc: Tile{H: 3, L: 4, N: 1234067, W: 1}, without the height element.
        { "tile/4/x001/x234/067.p/1", false, 4, 1234067, 1 },
        { "tile/entries/x001/x234/067", true, 0, 1234067, 256 },
        { "tile/entries/000.p/255", true, 0, 0, 255 },
        { "tile/63/000", false, 63, 0, 256 },
        { "tile/1/x001/000", false, 1, 1000, 256 },
        { "tile/0/999", false, 0, 999, 256 },
        { "tile/2/x036/x028/x797/x018/x963/967", false, 2, Tile.MaxIndex, 256 },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void FormatPath_Coordinates_MatchesSpecPath(string path, bool isEntryBundle, int level, long index, int width)
    {
        Tile tile = isEntryBundle ? Tile.ForEntries(index, width) : Tile.ForHashes(level, index, width);

        Assert.Equal(path, tile.FormatPath());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void TryParsePath_SpecPath_ReadsCoordinates(string path, bool isEntryBundle, int level, long index, int width)
    {
        Assert.True(Tile.TryParsePath(path, out Tile tile, out _));
        Assert.Equal((isEntryBundle, level, index, width), (tile.IsEntryBundle, tile.Level, tile.Index, tile.Width));
    }

    [Theory]
    [InlineData("tile/0/1234067")]
    [InlineData("tile/0/x001/x234/67")]
    [InlineData("tile/0/x001/234/067")]
    [InlineData("tile/0/x000/001")]
    [InlineData("tile/0/x001/x234/x067")]
    [InlineData("tile/00/000")]
    [InlineData("tile/01/000")]
    [InlineData("tile/64/000")]
    [InlineData("tile/-1/000")]
    [InlineData("tile/+1/000")]
    [InlineData("tile/8/0/000")]
    [InlineData("tile/data/000")]
    [InlineData("tile/0/000.p/256")]
    [InlineData("tile/0/000.p/0")]
    [InlineData("tile/0/000.p/08")]
    [InlineData("tile/0/000.p/")]
    [InlineData("tile/0/000.p")]
    [InlineData("tile/0/000/")]
    [InlineData("tile/0/000.p/8/")]
    [InlineData("/tile/0/000")]
    [InlineData("tile/0/ 000")]
    [InlineData("tile/0/")]
    [InlineData("tile/0")]
    [InlineData("tile/entries")]
    [InlineData("tiles/0/000")]
    [InlineData("tile/0/x009/x223/x372/x036/x854/x775/807")]
    [InlineData("tile/0/x036/x028/x797/x018/x963/968")]
    [InlineData("")]
    public void TryParsePath_NonCanonicalPath_ReturnsFalse(string path)
    {
        Assert.False(Tile.TryParsePath(path, out _, out ParseError error));
        Assert.Equal(ParseError.MalformedTilePath, error);
    }

    [Fact]
    public void NewTiles_TreeOf70000_MatchesSpecExample()
    {
        // c2sp.org/tlog-tiles: 273 full level-0 tiles, a level-0 partial of width 112, one full level-1
        // tile, a level-1 partial of width 17, and a level-2 partial of width 1.
        IReadOnlyList<Tile> tiles = Tile.NewTiles(0, 70_000);

        Assert.Equal(273, tiles.Count(t => t.Level == 0 && !t.IsPartial));
        Assert.Equal(
            [Tile.ForHashes(0, 273, 112), Tile.ForHashes(1, 0), Tile.ForHashes(1, 1, 17), Tile.ForHashes(2, 0, 1)],
            tiles.Where(t => t.Level > 0 || t.IsPartial));
    }

    [Fact]
    public void NewTiles_TreeOf256_IsOneFullTileAndOneLevel1Partial()
    {
        Assert.Equal([Tile.ForHashes(0, 0), Tile.ForHashes(1, 0, 1)], Tile.NewTiles(0, 256));
    }

    [Fact]
    public void NewTiles_GrowthInsideOneTile_IsTheNewPartialOnly()
    {
        Assert.Equal([Tile.ForHashes(0, 1, 20)], Tile.NewTiles(270, 276));
    }

    [Fact]
    public void NewTiles_SameSize_IsEmpty()
    {
        Assert.Empty(Tile.NewTiles(300, 300));
    }

    [Fact]
    public void ReadData_Level0Tile_IsLeafHashesConcatenated()
    {
        MemoryHashStore store = MerkleTreeTests.Store(600);
        byte[][] entries = NumberedEntries(600);

        byte[] data = Tile.ForHashes(0, 1).ReadData(store);

        Assert.Equal(entries[256..512].SelectMany(e => LeafHash(e).AsSpan().ToArray()), data);
    }

    [Fact]
    public void ReadData_Level1PartialTile_IsRootsOfFullLevel0Tiles()
    {
        MemoryHashStore store = MerkleTreeTests.Store(600);
        byte[][] entries = NumberedEntries(600);

        byte[] data = Tile.ForHashes(1, 0, 2).ReadData(store);

        byte[] expected = [.. Mth(entries.AsSpan(0, 256)).AsSpan(), .. Mth(entries.AsSpan(256, 256)).AsSpan()];
        Assert.Equal(expected, data);
    }

    [Fact]
    public void ReadData_PartialTile_IsPrefixOfLaterFullTile()
    {
        MemoryHashStore store = MerkleTreeTests.Store(600);

        byte[] partial = Tile.ForHashes(0, 1, 100).ReadData(store);
        byte[] full = Tile.ForHashes(0, 1).ReadData(store);

        Assert.Equal(full.AsSpan(0, 100 * Hash.Size).ToArray(), partial);
    }

    [Fact]
    public void ReadData_EntryBundle_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => Tile.ForEntries(0).ReadData(MerkleTreeTests.Store(1)));
    }

    [Theory]
    [InlineData(0, 0, 256, 256, true)]
    [InlineData(0, 0, 256, 255, false)]
    [InlineData(0, 1, 112, 70_000, true)]
    [InlineData(0, 273, 112, 70_000, true)]
    [InlineData(0, 273, 113, 70_000, false)]
    [InlineData(1, 1, 17, 70_000, true)]
    [InlineData(1, 1, 18, 70_000, false)]
    [InlineData(2, 0, 1, 70_000, true)]
    [InlineData(63, 0, 1, long.MaxValue, false)]
    public void FitsIn_TreeSize_ReportsWhetherAllHashesExist(int level, long index, int width, long treeSize, bool fits)
    {
        Assert.Equal(fits, Tile.ForHashes(level, index, width).FitsIn(treeSize));
    }

    [Theory]
    [InlineData(-1, 0, 256)]
    [InlineData(64, 0, 256)]
    [InlineData(0, -1, 256)]
    [InlineData(0, 0, 0)]
    [InlineData(0, 0, 257)]
    [InlineData(0, Tile.MaxIndex + 1, 256)]
    public void ForHashes_OutOfRange_Throws(int level, long index, int width)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tile.ForHashes(level, index, width));
    }
}
