// C2SP tlog-tiles (https://c2sp.org/tlog-tiles), "Log entries": an entry bundle is the sequence of the
// tile's entries, each as a big-endian uint16 length followed by that many bytes. Entry i of bundle N
// hashes (RFC 6962 §2.1 leaf hash) to hash i of level-0 tile N, so a bundle has exactly its tile's width.

using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace TimeMark.EvidenceLog;

/// <summary>Formats and parses tlog-tiles entry bundles.</summary>
public static class EntryBundle
{
    /// <summary>The largest entry a bundle can carry: the uint16 length prefix's maximum.</summary>
    public const int MaxEntrySize = ushort.MaxValue;

    /// <summary>The bundle bytes for 1..256 consecutive entries, each at most <see cref="MaxEntrySize"/> bytes.</summary>
    /// <exception cref="ArgumentException">There are no entries, more than 256, or an entry is too large.</exception>
    public static byte[] Format(IReadOnlyList<ReadOnlyMemory<byte>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count is < 1 or > Tile.FullWidth)
        {
            throw Errors.BundleCount(nameof(entries), entries.Count);
        }

        int size = 0;
        for (int i = 0; i < entries.Count; i++)
        {
            if (entries[i].Length > MaxEntrySize)
            {
                throw Errors.EntryTooLarge(nameof(entries), i, entries[i].Length);
            }

            size += 2 + entries[i].Length;
        }

        byte[] bundle = new byte[size];
        Span<byte> rest = bundle;
        foreach (ReadOnlyMemory<byte> entry in entries)
        {
            BinaryPrimitives.WriteUInt16BigEndian(rest, (ushort)entry.Length);
            entry.Span.CopyTo(rest[2..]);
            rest = rest[(2 + entry.Length)..];
        }

        return bundle;
    }

    /// <summary>
    /// Splits a bundle that must hold exactly <paramref name="width"/> entries (the tile's width).
    /// The entries are slices of <paramref name="bundle"/>; nothing is copied.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">width is not in 1..256.</exception>
    public static bool TryParse(ReadOnlyMemory<byte> bundle, int width, [NotNullWhen(true)] out IReadOnlyList<ReadOnlyMemory<byte>>? entries, out ParseError error)
    {
        if (width is < 1 or > Tile.FullWidth)
        {
            throw Errors.OutOfRange(nameof(width), width, $"tile width must be in 1..{Tile.FullWidth}");
        }

        entries = null;
        var parsed = new List<ReadOnlyMemory<byte>>(width);
        ReadOnlyMemory<byte> rest = bundle;
        while (!rest.IsEmpty)
        {
            if (parsed.Count == width)
            {
                error = ParseError.EntryCountMismatch;
                return false;
            }

            if (rest.Length < 2)
            {
                error = ParseError.TruncatedEntry;
                return false;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(rest.Span);
            if (rest.Length - 2 < length)
            {
                error = ParseError.TruncatedEntry;
                return false;
            }

            parsed.Add(rest.Slice(2, length));
            rest = rest[(2 + length)..];
        }

        if (parsed.Count != width)
        {
            error = ParseError.EntryCountMismatch;
            return false;
        }

        entries = parsed;
        error = ParseError.None;
        return true;
    }
}
