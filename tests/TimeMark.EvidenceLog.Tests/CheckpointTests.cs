using static TimeMark.EvidenceLog.Tests.NoteVectors;

namespace TimeMark.EvidenceLog.Tests;

public class CheckpointTests
{
    // The note text of the c2sp.org/tlog-checkpoint example, verbatim.
    private const string SpecExample =
        "example.com/behind-the-sofa\n" +
        "20852163\n" +
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    private const string SpecExampleSignature =
        "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

    [Fact]
    public void TryParse_SpecExample_ReadsOriginSizeAndRoot()
    {
        Checkpoint checkpoint = Parse(SpecExample);

        Assert.Equal(
            ("example.com/behind-the-sofa", 20852163L, "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", 0),
            (checkpoint.Origin, checkpoint.TreeSize, checkpoint.RootHash.ToBase64(), checkpoint.Extensions.Count));
    }

    [Fact]
    public void TryParse_TextOfSignedSpecExample_ParsesNoteText()
    {
        Assert.True(SignedNote.TryParse(Utf8(SpecExample + "\n" + SpecExampleSignature), out SignedNote? note, out _));

        Assert.Equal(20852163L, Parse(note.Text).TreeSize);
    }

    [Theory]
    [InlineData(SpecExample)]
    [InlineData("example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("example.com/log\n9223372036854775807\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\next two\n")]
    public void Format_ParsedCheckpoint_ReproducesInput(string text)
    {
        Assert.Equal(text, Parse(text).Format());
    }

    [Fact]
    public void Format_NewCheckpoint_WritesThreeLinesAndExtensions()
    {
        var checkpoint = new Checkpoint("timemark.example/log", 5, MerkleHash.Empty, ["note"]);

        Assert.Equal("timemark.example/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nnote\n", checkpoint.Format());
    }

    [Theory]
    [InlineData("example.com/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", ParseError.MissingLines)]
    [InlineData("example.com/log\n5\n", ParseError.MissingLines)]
    [InlineData("", ParseError.MissingLines)]
    [InlineData("\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", ParseError.EmptyOrigin)]
    [InlineData("example.com/log\n05\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", ParseError.InvalidTreeSize)]
    [InlineData("example.com/log\n+5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", ParseError.InvalidTreeSize)]
    [InlineData("example.com/log\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", ParseError.InvalidTreeSize)]
    [InlineData("example.com/log\n 5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", ParseError.InvalidTreeSize)]
    [InlineData("example.com/log\n5 \n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", ParseError.InvalidTreeSize)]
    [InlineData("example.com/log\n\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", ParseError.InvalidTreeSize)]
    [InlineData("example.com/log\n9223372036854775808\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", ParseError.InvalidTreeSize)]
    [InlineData("example.com/log\n５\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", ParseError.InvalidTreeSize)]
    [InlineData("example.com/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n", ParseError.InvalidRootHash)]
    [InlineData("example.com/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n", ParseError.InvalidRootHash)]
    [InlineData("example.com/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUA\n", ParseError.InvalidRootHash)]
    [InlineData("example.com/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hS uFU=\n", ParseError.InvalidRootHash)]
    [InlineData("example.com/log\n5\n47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=\n", ParseError.InvalidRootHash)]
    [InlineData("example.com/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n", ParseError.EmptyExtensionLine)]
    [InlineData("example.com/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nx\n\ny\n", ParseError.EmptyExtensionLine)]
    [InlineData("example.com/log\r\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", ParseError.ControlCharacter)]
    [InlineData("example.com/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\t\n", ParseError.ControlCharacter)]
    public void TryParse_MalformedText_ReportsError(string text, ParseError expected)
    {
        Assert.False(Checkpoint.TryParse(text, out _, out ParseError error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryParse_LoneSurrogate_ReportsInvalidEncoding()
    {
        // Built at run time: attribute arguments are stored as UTF-8, which cannot carry a lone surrogate.
        string text = "example.com/" + '\ud800' + "log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";

        Assert.False(Checkpoint.TryParse(text, out _, out ParseError error));
        Assert.Equal(ParseError.InvalidEncoding, error);
    }

    [Fact]
    public void TryParse_LongerThanMaxSize_ReportsTooLarge()
    {
        string text = "example.com/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n" + new string('x', Checkpoint.MaxSize) + "\n";

        Assert.False(Checkpoint.TryParse(text, out _, out ParseError error));
        Assert.Equal(ParseError.TooLarge, error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("two\nlines")]
    [InlineData("tab\there")]
    public void Constructor_InvalidOrigin_Throws(string origin)
    {
        Assert.Throws<ArgumentException>(() => new Checkpoint(origin, 1, MerkleHash.Empty));
    }

    [Fact]
    public void Constructor_EmptyExtensionLine_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Checkpoint("example.com/log", 1, MerkleHash.Empty, [""]));
    }

    [Fact]
    public void Constructor_NegativeTreeSize_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Checkpoint("example.com/log", -1, MerkleHash.Empty));
    }

    private static Checkpoint Parse(string text)
    {
        Assert.True(Checkpoint.TryParse(text, out Checkpoint? checkpoint, out ParseError error), error.ToString());
        return checkpoint;
    }
}
