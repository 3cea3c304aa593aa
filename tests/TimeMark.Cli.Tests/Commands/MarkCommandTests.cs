using TimeMark.Protocol.Datagrams;

namespace TimeMark.Cli.Tests.Commands;

public sealed class MarkCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Mark_IndependentVectorWithRfc8032BrokerKey_ReproducesIndependentMarkedVector()
    {
        // Ed25519 is deterministic: same datagram, time, index and key must give braid.py's token.
        _workspace.WriteBytes("d.cbor", Vectors.Bytes(Vectors.Ed25519Indefinite));
        string key = _workspace.CopyTestKey("broker-ed25519.key.pem");

        CliResult result = await _workspace.RunAsync("mark", "d.cbor", "--broker-key", key,
            "--log-index", $"{Vectors.LogIndex}", "--ingestion-time", $"{Vectors.IngestionTime}", "--out", "m.cbor");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Vectors.Ed25519MarkedIndefinite, Convert.ToHexStringLower(_workspace.ReadBytes("m.cbor")));
    }

    [Fact]
    public async Task Mark_NoIngestionTime_UsesNowInUnixMilliseconds()
    {
        string file = await _workspace.SignedDatagramAsync();
        ulong before = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        await _workspace.RunCheckedAsync("mark", file, "--broker-key", "keys/broker.key", "--log-index", "9", "--out", "m.cbor");

        ulong after = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.True(DatagramReader.TryRead(_workspace.ReadBytes("m.cbor"), out Datagram marked, out DatagramError error), error.ToString());
        Assert.InRange(marked.IngestionTime!.Value, before, after);
        Assert.Equal(9ul, marked.LogIndex);
    }

    [Fact]
    public async Task Mark_DefiniteMap_KeepsDeviceBytesAndRaisesPairCountByThree()
    {
        string file = await _workspace.SignedDatagramAsync();
        byte[] original = _workspace.ReadBytes(file);

        await _workspace.RunCheckedAsync("mark", file, "--broker-key", "keys/broker.key", "--log-index", "1", "--out", "m.cbor");

        byte[] marked = _workspace.ReadBytes("m.cbor");
        Assert.Equal((byte)0xA7, original[0]);
        Assert.Equal((byte)0xAA, marked[0]);
        Assert.Equal(original[1..], marked[1..original.Length]);
    }

    [Fact]
    public async Task Mark_AlreadyMarked_ExitsOneSayingSo()
    {
        string file = await _workspace.SignedDatagramAsync();
        await _workspace.RunCheckedAsync("mark", file, "--broker-key", "keys/broker.key", "--log-index", "1", "--out", "m.cbor");

        CliResult result = await _workspace.RunAsync("mark", "m.cbor", "--broker-key", "keys/broker.key", "--log-index", "2", "--out", "mm.cbor");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("already marked", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_workspace.PathOf("mm.cbor")));
    }

    [Fact]
    public async Task Mark_NotADatagram_ExitsOneWithTheDatagramError()
    {
        await _workspace.SignedDatagramAsync();
        _workspace.WriteBytes("map.cbor", [0xA1, 0x01, 0x02]); // {1: 2}: CBOR, but not a datagram

        CliResult result = await _workspace.RunAsync("mark", "map.cbor", "--broker-key", "keys/broker.key", "--log-index", "1", "--out", "m.cbor");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("timemark: map.cbor: not a BRAID datagram: datagram: a top-level key is not a text string at offset 1\n", result.Stderr);
    }

    [Fact]
    public async Task Mark_P256BrokerKey_ExitsTwo()
    {
        string file = await _workspace.SignedDatagramAsync(deviceKeyType: "p256");

        CliResult result = await _workspace.RunAsync("mark", file, "--broker-key", "keys/device.key", "--log-index", "1", "--out", "m.cbor");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("must be Ed25519", result.Stderr, StringComparison.Ordinal);
    }
}
