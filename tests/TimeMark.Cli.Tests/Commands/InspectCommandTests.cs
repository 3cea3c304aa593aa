namespace TimeMark.Cli.Tests.Commands;

public sealed class InspectCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Inspect_IndependentVector_PrintsExpectedDiagnosticLine()
    {
        _workspace.WriteBytes("d.cbor", Vectors.Bytes(Vectors.Ed25519Indefinite));

        CliResult result = await _workspace.RunAsync("inspect", "d.cbor");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            """{_ "TS": 1700000000, "VER": 42, "PROT": 1, "ACTION": 3, "STATUS": 0, "BODY": {"temp": 21.5, "hum": 40, "ok": true}, "SIGN": h'"""
                + Vectors.Sign + "'}",
            result.StdoutLines[1]);
    }

    [Fact]
    public async Task Inspect_IndependentMarkedVector_PrintsGoldenView()
    {
        // Offsets by hand from the vector: 1-byte header, 66 bytes of device pairs, the 71-byte SIGN pair,
        // 35 bytes of INGESTION_TIME and LOG_INDEX, the 85-byte token pair, the break byte: 259 bytes.
        _workspace.WriteBytes("record.cbor", Vectors.Bytes(Vectors.Ed25519MarkedIndefinite));

        CliResult result = await _workspace.RunAsync("inspect", "record.cbor");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            $$"""
            record.cbor: 259 bytes
            {_ "TS": 1700000000, "VER": 42, "PROT": 1, "ACTION": 3, "STATUS": 0, "BODY": {"temp": 21.5, "hum": 40, "ok": true}, "SIGN": h'{{Vectors.Sign}}', "INGESTION_TIME": 1700000000123, "LOG_INDEX": 7, "VERIFICATION_TOKEN": h'{{Vectors.VerificationToken}}'}

            BRAID datagram: indefinite-length map, 10 pairs in bytes [1, 258)
              TS                  1700000000 (read as Unix seconds: 2023-11-14T22:13:20.000Z)
              VER                 42
              PROT                1
              ACTION              3
              STATUS              0
              BODY                {"temp": 21.5, "hum": 40, "ok": true} (25 bytes)
              SIGN                h'{{Vectors.Sign}}'
              INGESTION_TIME      1700000000123 (2023-11-14T22:13:20.123Z)
              LOG_INDEX           7
              VERIFICATION_TOKEN  h'{{Vectors.VerificationToken}}'
            signed regions (each signature is over 0xBF, bytes [start, end) of this file, 0xFF):
              SIGN                bytes [1, 67)
              VERIFICATION_TOKEN  bytes [1, 173)
            clock skew (INGESTION_TIME - TS): +123 ms (TS read as Unix seconds)

            """,
            result.Stdout);
    }

    [Fact]
    public async Task Inspect_MarkedDatagram_ShowsIngestionTimeAndSignedRanges()
    {
        string file = await _workspace.SignedDatagramAsync();
        await _workspace.RunCheckedAsync("mark", file, "--broker-key", "keys/broker.key", "--log-index", "3", "--out", "m.cbor");

        CliResult result = await _workspace.RunAsync("inspect", "m.cbor");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("\"INGESTION_TIME\": ", result.StdoutLines[1], StringComparison.Ordinal);
        Assert.Contains(result.StdoutLines, line => line.StartsWith("  SIGN                bytes [", StringComparison.Ordinal));
        Assert.Contains(result.StdoutLines, line => line.StartsWith("  VERIFICATION_TOKEN  bytes [", StringComparison.Ordinal));
        Assert.Contains(result.StdoutLines, line => line.StartsWith("clock skew (INGESTION_TIME - TS): ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Inspect_CborThatIsNotADatagram_ExitsZeroShowingItAndWhy()
    {
        _workspace.WriteBytes("map.cbor", [0xA1, 0x01, 0x02]);

        CliResult result = await _workspace.RunAsync("inspect", "map.cbor");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            ["map.cbor: 3 bytes", "{1: 2}", "", "not a BRAID datagram: datagram: a top-level key is not a text string at offset 1"],
            result.StdoutLines);
    }

    [Fact]
    public async Task Inspect_NotCbor_ExitsTwoWithOneLine()
    {
        _workspace.WriteText("notes.txt", "hello");

        CliResult result = await _workspace.RunAsync("inspect", "notes.txt");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("timemark: notes.txt: not CBOR: ", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Inspect_MissingFile_ExitsTwo()
    {
        CliResult result = await _workspace.RunAsync("inspect", "missing.cbor");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("timemark: missing.cbor: cannot read: no such file\n", result.Stderr);
    }
}
