// C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint), "Note text":
//   <origin>\n<tree size, decimal, no leading zeroes>\n<base64 root hash>\n[<extension line>\n]...
// Parsing is an extended golang.org/x/mod/sumdb/tlog.ParseTree, as in FiloSottile/litetlog's
// ParseCheckpoint, and strict: a parsed checkpoint formats back to exactly the same text.
// The checkpoint is the text of a signed note (see SignedNote); signing and verifying happen there.

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace TimeMark.EvidenceLog;

/// <summary>A signed tree head's text: the log's origin, tree size and RFC 6962 root hash.</summary>
public sealed class Checkpoint
{
    /// <summary>The largest checkpoint text accepted, in bytes (as Go's tlog.ParseTree).</summary>
    public const int MaxSize = 1_000_000;

    // long.MaxValue has 19 decimal digits.
    private const int MaxTreeSizeDigits = 19;

    /// <summary>A checkpoint for a tree of <paramref name="treeSize"/> entries with root <paramref name="rootHash"/>.</summary>
    /// <param name="origin">The log's identity; by convention a schema-less URL, and the log's key name.</param>
    /// <param name="treeSize">The number of entries.</param>
    /// <param name="rootHash">MTH of those entries.</param>
    /// <param name="extensions">Optional extension lines (the spec does not recommend them).</param>
    /// <exception cref="ArgumentException">The origin or an extension line is empty, multi-line or holds a control character.</exception>
    public Checkpoint(string origin, long treeSize, Hash rootHash, IEnumerable<string>? extensions = null)
    {
        if (!NoteText.IsValidLine(origin))
        {
            throw Errors.InvalidOrigin(nameof(origin));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        string[] lines = extensions?.ToArray() ?? [];
        if (!lines.All(NoteText.IsValidLine))
        {
            throw Errors.InvalidExtensionLine(nameof(extensions));
        }

        Origin = origin;
        TreeSize = treeSize;
        RootHash = rootHash;
        Extensions = lines;
    }

    /// <summary>The origin line: the log's unique identity.</summary>
    public string Origin { get; }

    /// <summary>The number of entries in the tree.</summary>
    public long TreeSize { get; }

    /// <summary>The RFC 6962 Merkle Tree Hash of the tree's entries.</summary>
    public Hash RootHash { get; }

    /// <summary>The extension lines, without their newlines.</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <summary>The checkpoint as note text, ending in a newline.</summary>
    public string Format()
    {
        var builder = new StringBuilder();
        builder.Append(Origin).Append('\n')
            .Append(TreeSize.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(RootHash.ToBase64()).Append('\n');
        foreach (string line in Extensions)
        {
            builder.Append(line).Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>Parses checkpoint note text strictly. Check the note's signature first (<see cref="SignedNote.Verify"/>).</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out Checkpoint? checkpoint, out ParseError error)
    {
        ArgumentNullException.ThrowIfNull(text);
        checkpoint = null;
        // Each char is at least one UTF-8 byte, so the cheap length test goes first.
        if (text.Length > MaxSize || Encoding.UTF8.GetByteCount(text) > MaxSize)
        {
            error = ParseError.TooLarge;
            return false;
        }

        error = NoteText.CheckText(text);
        if (error != ParseError.None)
        {
            return false;
        }

        if (!text.EndsWith('\n'))
        {
            error = ParseError.MissingLines;
            return false;
        }

        // Every line, extension lines included, ends in '\n'; dropping the final one leaves the lines.
        string[] lines = text[..^1].Split('\n');
        if (lines.Length < 3)
        {
            error = ParseError.MissingLines;
            return false;
        }

        if (lines[0].Length == 0)
        {
            error = ParseError.EmptyOrigin;
            return false;
        }

        if (!TryParseTreeSize(lines[1], out long treeSize))
        {
            error = ParseError.InvalidTreeSize;
            return false;
        }

        if (!Hash.TryParseBase64(lines[2], out Hash rootHash))
        {
            error = ParseError.InvalidRootHash;
            return false;
        }

        string[] extensions = lines[3..];
        if (extensions.Any(string.IsNullOrEmpty))
        {
            error = ParseError.EmptyExtensionLine;
            return false;
        }

        checkpoint = new Checkpoint(lines[0], treeSize, rootHash, extensions);
        error = ParseError.None;
        return true;
    }

    // ASCII digits only, no sign, no leading zero unless the number is 0, and within long.
    private static bool TryParseTreeSize(string line, out long treeSize)
    {
        treeSize = 0;
        if (line.Length is 0 or > MaxTreeSizeDigits || (line[0] == '0' && line.Length > 1))
        {
            return false;
        }

        foreach (char c in line)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return long.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out treeSize);
    }
}
