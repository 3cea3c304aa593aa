using System.Security.Cryptography;
using TimeMark.Attestation.Events;

namespace TimeMark.Attestation.Tests.Events;

public sealed class EventLogTests
{
    private const string HexA = "a3b8c5f2f8b5bd7d4f0a7f6a2e8f5fe77c5e2b31f4b0d7e5c7ea1a0e0b9c4d21";
    private const string HexB = "0000000000000000000000000000000000000000000000000000000000000001";

    private static readonly string Sample =
        $"23 sha256:{HexA} timemark-binary binary_hash of /opt/timemark\n" +
        $"23 sha256:{HexB} timemark-config\n" +
        $"16 sha256:{HexA} timemark-key time-mark key ab cd  (two spaces kept)\n";

    private static MeasurementEvent Event(int pcr, string hex, string kind = MeasurementKind.Binary, string detail = "") =>
        new(pcr, Convert.FromHexString(hex), kind, detail);

    private static string ParseError(string text)
    {
        Assert.False(EventLog.TryParse(text, out _, out string error));
        return error;
    }

    [Fact]
    public void TryParse_Sample_ReadsEveryField()
    {
        Assert.True(EventLog.TryParse(Sample, out IReadOnlyList<MeasurementEvent> events, out string error), error);
        Assert.Equal(3, events.Count);
        Assert.Equal(23, events[0].Pcr);
        Assert.Equal(HexA, Convert.ToHexStringLower(events[0].Digest));
        Assert.Equal(MeasurementKind.Binary, events[0].Kind);
        Assert.Equal("binary_hash of /opt/timemark", events[0].Detail);
        Assert.Equal("", events[1].Detail);
        Assert.Equal("time-mark key ab cd  (two spaces kept)", events[2].Detail);
    }

    [Fact]
    public void Format_EveryParsedEvent_GivesBackTheText()
    {
        Assert.True(EventLog.TryParse(Sample, out IReadOnlyList<MeasurementEvent> events, out _));
        Assert.Equal(Sample, string.Concat(events.Select(EventLog.Format)));
    }

    [Fact]
    public void TryParse_Empty_NoEvents()
    {
        Assert.True(EventLog.TryParse("", out IReadOnlyList<MeasurementEvent> events, out _));
        Assert.Empty(events);
    }

    [Fact]
    public void TryParse_NonAsciiDetail_Accepted()
    {
        Assert.True(EventLog.TryParse($"23 sha256:{HexA} timemark-config Zürich ✓\n", out IReadOnlyList<MeasurementEvent> events, out _));
        Assert.Equal("Zürich ✓", events[0].Detail);
    }

    [Theory]
    [InlineData("23 sha256:{A} timemark-binary", "line 1 does not end with a newline")]
    [InlineData("\n", "line 1: expected")]
    [InlineData("23\n", "line 1: expected")]
    [InlineData("24 sha256:{A} k\n", "PCR \"24\"")]
    [InlineData("-1 sha256:{A} k\n", "PCR \"-1\"")]
    [InlineData("07 sha256:{A} k\n", "PCR \"07\"")]
    [InlineData("+7 sha256:{A} k\n", "PCR \"+7\"")]
    [InlineData("x sha256:{A} k\n", "PCR \"x\"")]
    [InlineData(" 7 sha256:{A} k\n", "PCR \"\"")]
    [InlineData("23 sha1:{A} k\n", "digest")]
    [InlineData("23 SHA256:{A} k\n", "digest")]
    [InlineData("23 sha256:{A}0 k\n", "digest")]
    [InlineData("23 sha256:{A-short} k\n", "digest")]
    [InlineData("23 sha256:{A-upper} k\n", "digest")]
    [InlineData("23 sha256:{A-nonhex} k\n", "digest")]
    [InlineData("23 sha256:{A}\n", "kind is missing")]
    [InlineData("23 sha256:{A} \n", "kind \"\"")]
    [InlineData("23 sha256:{A}  detail\n", "kind \"\"")]
    [InlineData("23 sha256:{A} Timemark-binary\n", "kind \"Timemark-binary\"")]
    [InlineData("23 sha256:{A} timemark_binary\n", "kind \"timemark_binary\"")]
    [InlineData("23 sha256:{A} k \n", "trailing space")]
    [InlineData("23 sha256:{A} k tab\there\n", "control character")]
    [InlineData("23 sha256:{A} k windows line end\r\n", "control character")]
    [InlineData("23 sha256:{A} k\r\n", "kind \"k\r\"")]
    [InlineData("23 sha256:{A} k nul\0\n", "control character")]
    [InlineData("23 sha256:{A} k del\u007f\n", "control character")]
    [InlineData("23 sha256:{A} k c1\u0085\n", "control character")]
    public void TryParse_MalformedLine_ErrorNamesLineAndRule(string line, string expected)
    {
        string text = line.Replace("{A-short}", HexA[..62], StringComparison.Ordinal)
            .Replace("{A-upper}", HexA.ToUpperInvariant(), StringComparison.Ordinal)
            .Replace("{A-nonhex}", HexA[..63] + "g", StringComparison.Ordinal)
            .Replace("{A}", HexA, StringComparison.Ordinal);
        Assert.Contains(expected, ParseError(text), StringComparison.Ordinal);
    }

    // Not theory data: xunit serializes InlineData strings, and a lone surrogate may not survive that.
    [Fact]
    public void TryParse_LoneSurrogateInDetail_Rejected() =>
        Assert.Contains("lone surrogate", ParseError($"23 sha256:{HexA} k lone {'\udc00'} surrogate\n"), StringComparison.Ordinal);

    [Fact]
    public void Format_LoneSurrogateInDetail_Throws() =>
        Assert.Throws<ArgumentException>(() => EventLog.Format(Event(23, HexA, "k", $"lone {'\ud800'} surrogate")));

    [Fact]
    public void TryParse_BadThirdLine_ErrorNamesLine3()
    {
        string text = Sample.Split('\n')[0] + "\n" + Sample.Split('\n')[1] + "\n" + "23 sha256:zz k\n";
        Assert.StartsWith("event log: line 3: ", ParseError(text), StringComparison.Ordinal);
    }

    [Fact]
    public void Format_EmptyDetail_NoTrailingSpace() =>
        Assert.Equal($"0 sha256:{HexB} timemark-config\n", EventLog.Format(Event(0, HexB, MeasurementKind.Configuration)));

    [Theory]
    [InlineData(24, 32, "k", "")]
    [InlineData(-1, 32, "k", "")]
    [InlineData(23, 20, "k", "")]
    [InlineData(23, 32, "K", "")]
    [InlineData(23, 32, "", "")]
    [InlineData(23, 32, "k", "two\nlines")]
    public void Format_EventThatCannotBeALine_Throws(int pcr, int digestLength, string kind, string detail) =>
        Assert.Throws<ArgumentException>(() => EventLog.Format(new MeasurementEvent(pcr, new byte[digestLength], kind, detail)));

    [Fact]
    public void Append_TwoEvents_FileIsTheirLinesInOrder()
    {
        using var folder = new TempDirectory();
        string path = Path.Combine(folder.Path, "events.log");
        MeasurementEvent first = Event(23, HexA, MeasurementKind.Binary, "first");
        MeasurementEvent second = Event(23, HexB, MeasurementKind.TimeMarkKey, "second");
        EventLog.Append(path, first);
        EventLog.Append(path, second);
        Assert.Equal(EventLog.Format(first) + EventLog.Format(second), File.ReadAllText(path));
    }

    [Fact]
    public void Append_InvalidEvent_FileUntouched()
    {
        using var folder = new TempDirectory();
        string path = folder.Write("events.log", "");
        Assert.Throws<ArgumentException>(() => EventLog.Append(path, Event(23, HexA, "Bad Kind")));
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public void Replay_NoEvents_Empty() => Assert.Empty(EventLog.Replay([]));

    [Fact]
    public void Replay_TwoPcrs_EachChainedFromZero()
    {
        IReadOnlyDictionary<int, byte[]> pcrs = EventLog.Replay([Event(23, HexA), Event(16, HexB), Event(23, HexB)]);
        byte[] pcr23 = SHA256.HashData([.. SHA256.HashData([.. new byte[32], .. Convert.FromHexString(HexA)]), .. Convert.FromHexString(HexB)]);
        byte[] pcr16 = SHA256.HashData([.. new byte[32], .. Convert.FromHexString(HexB)]);
        Assert.Equal([16, 23], pcrs.Keys.Order());
        Assert.Equal(pcr23, pcrs[23]);
        Assert.Equal(pcr16, pcrs[16]);
    }

    [Fact]
    public void Replay_Pcr17_StartsFromAllOnes()
    {
        // PCRs 17..22 reset to 0xFF…FF at TPM2_Startup on a PC Client TPM (and on swtpm).
        byte[] expected = SHA256.HashData([.. Enumerable.Repeat((byte)0xFF, 32), .. Convert.FromHexString(HexB)]);
        Assert.Equal(expected, EventLog.Replay([Event(17, HexB)])[17]);
    }
}
