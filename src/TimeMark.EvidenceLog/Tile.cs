// C2SP tlog-tiles (https://c2sp.org/tlog-tiles), "Merkle Tree" and "Log entries":
//   hash tiles     tile/<L>/<N>[.p/<W>]      L in 0..63; W in 1..255, only for partial tiles
//   entry bundles  tile/entries/<N>[.p/<W>]
// <N> is written in 3-digit path elements, all but the last prefixed with "x" (1234067 -> x001/x234/067).
// Tiles have height 8: a full tile holds 256 hashes. Tile n at level l holds, for i in 0..255,
// MTH(D[(n*256 + i) * 256^l : (n*256 + i + 1) * 256^l]), i.e. stored hashes at tree level 8*l.
// Coordinates and paths match FiloSottile/litetlog's TilePath/ParseTilePath (golang.org/x/mod/sumdb/tlog
// Tile with H = 8, without the height element; level "data" becomes "entries").

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace TimeMark.EvidenceLog;

/// <summary>The coordinates of one tlog-tiles resource: a hash tile or an entry bundle.</summary>
public readonly record struct Tile
{
    /// <summary>Tile height: each tile spans 8 tree levels.</summary>
    public const int Height = 8;

    /// <summary>The number of hashes (or entries) in a full tile: 2^8.</summary>
    public const int FullWidth = 1 << Height;

    /// <summary>The highest tile level the spec allows.</summary>
    public const int MaxLevel = 63;

    /// <summary>The largest tile index: the first leaf under the tile must still fit in a long.</summary>
    public const long MaxIndex = long.MaxValue >> Height;

    // "tile/entries/" + seven "xNNN/" elements + ".p/255" is well under this.
    private const int MaxPathLength = 64;

    // A long has at most 19 decimal digits: 7 path elements of 3 digits.
    private const int MaxIndexElements = 7;

    private Tile(int level, long index, int width, bool isEntryBundle)
    {
        Level = level;
        Index = index;
        Width = width;
        IsEntryBundle = isEntryBundle;
    }

    /// <summary>The tile level (0 for entry bundles, which pair with level-0 hash tiles).</summary>
    public int Level { get; }

    /// <summary>The tile's position within its level.</summary>
    public long Index { get; }

    /// <summary>The number of hashes or entries in the tile: 256 when full, 1..255 when partial.</summary>
    public int Width { get; }

    /// <summary>Whether this is an entry bundle (tile/entries/...) rather than a hash tile.</summary>
    public bool IsEntryBundle { get; }

    /// <summary>Whether the tile holds fewer than 256 hashes or entries.</summary>
    public bool IsPartial => Width < FullWidth;

    /// <summary>The hash tile at <paramref name="level"/> and <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">level, index or width is outside the spec's range.</exception>
    public static Tile ForHashes(int level, long index, int width = FullWidth)
    {
        if (level is < 0 or > MaxLevel)
        {
            throw Errors.OutOfRange(nameof(level), level, "tile level must be in 0..63");
        }

        CheckIndexAndWidth(index, width);
        return new Tile(level, index, width, isEntryBundle: false);
    }

    /// <summary>The entry bundle at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">index or width is outside the spec's range.</exception>
    public static Tile ForEntries(long index, int width = FullWidth)
    {
        CheckIndexAndWidth(index, width);
        return new Tile(0, index, width, isEntryBundle: true);
    }

    /// <summary>
    /// The hash tiles to publish when the tree grows from <paramref name="oldTreeSize"/> to
    /// <paramref name="newTreeSize"/> entries: every new full tile and the new partial tile of each level.
    /// Each level-0 tile has a matching entry bundle (<see cref="ForEntries"/> with the same index and width).
    /// </summary>
    public static IReadOnlyList<Tile> NewTiles(long oldTreeSize, long newTreeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(oldTreeSize);
        if (newTreeSize < oldTreeSize)
        {
            throw Errors.OutOfRange(nameof(newTreeSize), newTreeSize, $"new tree size must be at least the old one ({oldTreeSize})");
        }

        var tiles = new List<Tile>();
        for (int level = 0; LevelSize(newTreeSize, level) > 0; level++)
        {
            long oldN = LevelSize(oldTreeSize, level);
            long newN = LevelSize(newTreeSize, level);
            if (oldN == newN)
            {
                continue;
            }

            for (long n = oldN >> Height; n < newN >> Height; n++)
            {
                tiles.Add(ForHashes(level, n));
            }

            long last = newN >> Height;
            int width = (int)(newN - (last << Height));
            if (width > 0)
            {
                tiles.Add(ForHashes(level, last, width));
            }
        }

        return tiles;
    }

    /// <summary>
    /// Whether every hash (or entry) of this tile is in the tree of <paramref name="treeSize"/> entries,
    /// i.e. whether the log can serve it once it has a checkpoint of that size.
    /// </summary>
    public bool FitsIn(long treeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        return (Index << Height) + Width <= LevelSize(treeSize, Level);
    }

    /// <summary>The storage indexes of the hashes in this hash tile, in tile order.</summary>
    /// <exception cref="InvalidOperationException">This is an entry bundle.</exception>
    /// <exception cref="OverflowException">The tile lies beyond the largest addressable tree.</exception>
    public long[] StoredHashIndexes()
    {
        if (IsEntryBundle)
        {
            throw Errors.NotAHashTile();
        }

        long[] indexes = new long[Width];
        long first = Index << Height;
        for (int i = 0; i < Width; i++)
        {
            indexes[i] = MerkleTree.StoredHashIndex(Level * Height, first + i);
        }

        return indexes;
    }

    /// <summary>The tile's resource bytes: its hashes concatenated, 32 bytes each.</summary>
    /// <exception cref="InvalidOperationException">This is an entry bundle.</exception>
    public byte[] ReadData(IHashReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        long[] indexes = StoredHashIndexes();
        var hashes = new Hash[indexes.Length];
        reader.ReadHashes(indexes, hashes);
        return FormatHashes(hashes);
    }

    /// <summary>A hash tile's resource bytes: the hashes concatenated, 32 bytes each, in tile order.</summary>
    public static byte[] FormatHashes(ReadOnlySpan<Hash> hashes)
    {
        byte[] data = new byte[hashes.Length * Hash.Size];
        for (int i = 0; i < hashes.Length; i++)
        {
            hashes[i].AsSpan().CopyTo(data.AsSpan(i * Hash.Size));
        }

        return data;
    }

    /// <summary>The tile's path relative to the log prefix, e.g. "tile/0/x001/x234/067.p/8".</summary>
    public string FormatPath()
    {
        var path = new StringBuilder("tile/");
        path.Append(IsEntryBundle ? "entries" : Level.ToString(CultureInfo.InvariantCulture)).Append('/');

        Span<int> elements = stackalloc int[MaxIndexElements];
        int count = 0;
        long n = Index;
        do
        {
            elements[count++] = (int)(n % 1000);
            n /= 1000;
        }
        while (n > 0);

        for (int i = count - 1; i >= 0; i--)
        {
            path.Append(i > 0 ? "x" : string.Empty)
                .Append(elements[i].ToString("D3", CultureInfo.InvariantCulture))
                .Append(i > 0 ? "/" : string.Empty);
        }

        if (IsPartial)
        {
            path.Append(".p/").Append(Width.ToString(CultureInfo.InvariantCulture));
        }

        return path.ToString();
    }

    /// <summary>Parses a tile path strictly: the result formats back to exactly <paramref name="path"/>.</summary>
    public static bool TryParsePath(string path, out Tile tile, out ParseError error)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (TryParsePathCore(path, out tile) && tile.FormatPath() == path)
        {
            error = ParseError.None;
            return true;
        }

        tile = default;
        error = ParseError.MalformedTilePath;
        return false;
    }

    private static bool TryParsePathCore(string path, out Tile tile)
    {
        tile = default;
        if (path.Length > MaxPathLength)
        {
            return false;
        }

        string[] parts = path.Split('/');
        if (parts.Length < 3 || parts[0] != "tile")
        {
            return false;
        }

        bool isEntryBundle = parts[1] == "entries";
        int level = 0;
        if (!isEntryBundle && (!TryParseSmall(parts[1], out level) || level > MaxLevel))
        {
            return false;
        }

        string[] elements = parts[2..];
        int width = FullWidth;
        if (elements.Length >= 2 && elements[^2].EndsWith(".p", StringComparison.Ordinal))
        {
            if (!TryParseSmall(elements[^1], out width) || width is < 1 or >= FullWidth)
            {
                return false;
            }

            elements = elements[..^1];
            elements[^1] = elements[^1][..^2];
        }

        if (elements.Length > MaxIndexElements)
        {
            return false;
        }

        long index = 0;
        for (int i = 0; i < elements.Length; i++)
        {
            string element = elements[i];
            bool last = i == elements.Length - 1;
            if (!last)
            {
                if (!element.StartsWith('x'))
                {
                    return false;
                }

                element = element[1..];
            }

            if (element.Length != 3 || !element.All(char.IsAsciiDigit))
            {
                return false;
            }

            int group = int.Parse(element, NumberStyles.None, CultureInfo.InvariantCulture);
            if (index > (MaxIndex - group) / 1000)
            {
                return false;
            }

            index = (index * 1000) + group;
        }

        tile = new Tile(level, index, width, isEntryBundle);
        return true;
    }

    // A small decimal with ASCII digits only (the canonical-form check after parsing rejects leading zeroes).
    private static bool TryParseSmall(string s, out int value)
    {
        value = 0;
        return s.Length is >= 1 and <= 3 && s.All(char.IsAsciiDigit)
            && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    // floor(treeSize / 256^level): the number of hashes the tree has at tile level `level`.
    private static long LevelSize(long treeSize, int level)
    {
        int shift = level * Height;
        return shift >= 64 ? 0 : treeSize >> shift;
    }

    private static void CheckIndexAndWidth(long index, int width)
    {
        if (index is < 0 or > MaxIndex)
        {
            throw Errors.OutOfRange(nameof(index), index, $"tile index must be in 0..{MaxIndex}");
        }

        if (width is < 1 or > FullWidth)
        {
            throw Errors.OutOfRange(nameof(width), width, $"tile width must be in 1..{FullWidth}");
        }
    }
}
