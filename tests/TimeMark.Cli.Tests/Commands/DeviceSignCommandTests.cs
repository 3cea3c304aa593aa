using TimeMark.Protocol.Datagrams;

namespace TimeMark.Cli.Tests.Commands;

public sealed class DeviceSignCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Sign_VectorContentWithRfc8032Key_ReproducesIndependentVector()
    {
        // Ed25519 is deterministic, so the same content and key must give braid.py's bytes exactly.
        string key = _workspace.CopyTestKey("device-ed25519.key.pem");
        _workspace.WriteText("body.json", Vectors.BodyJson);

        CliResult result = await _workspace.RunAsync("device", "sign", "--key", key, "--body", "body.json",
            "--ts", "1700000000", "--ver", "42", "--action", "3", "--status", "0", "--indefinite", "--out", "d.cbor");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Vectors.Ed25519Indefinite, Convert.ToHexStringLower(_workspace.ReadBytes("d.cbor")));
    }

    [Theory]
    [InlineData("ed25519")]
    [InlineData("p256")]
    public async Task Sign_Defaults_WriteDefiniteMapWithVer1Action1Status0AndTsNowInSeconds(string keyType)
    {
        ulong before = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string file = await _workspace.SignedDatagramAsync(keyType);
        ulong after = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.True(DatagramReader.TryRead(_workspace.ReadBytes(file), out Datagram datagram, out DatagramError error), error.ToString());
        Assert.False(datagram.IsIndefiniteLength);
        Assert.InRange(datagram.Ts!.Value, before, after);
        Assert.Equal((1ul, 1ul, 1ul, 0ul), (datagram.Ver!.Value, datagram.Prot!.Value, datagram.Action!.Value, datagram.Status!.Value));
    }

    [Fact]
    public async Task Sign_Indefinite_WritesIndefiniteLengthMap()
    {
        string file = await _workspace.SignedDatagramAsync(signOptions: "--indefinite");

        byte[] bytes = _workspace.ReadBytes(file);
        Assert.Equal((byte)0xBF, bytes[0]);
        Assert.Equal((byte)0xFF, bytes[^1]);
    }

    [Fact]
    public async Task Sign_Output_PrintsSizeAndKeyId()
    {
        await _workspace.SignedDatagramAsync();

        CliResult result = await _workspace.RunAsync("device", "sign", "--key", "keys/device.key", "--body", "body.json", "--out", "again.cbor");

        Assert.Contains($"{_workspace.ReadBytes("again.cbor").Length} bytes", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"key {DeviceKeyId()}", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"a": 1,""", "not valid JSON")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"a": 1, "a": 2}""", "appears twice")]
    [InlineData("""{"a": 1e400}""", "does not fit")]
    [InlineData("", "not valid JSON")]
    public async Task Sign_UnusableBody_ExitsTwoWithOneLineNamingTheFile(string json, string reason)
    {
        await _workspace.SignedDatagramAsync();
        _workspace.WriteText("bad.json", json);

        CliResult result = await _workspace.RunAsync("device", "sign", "--key", "keys/device.key", "--body", "bad.json", "--out", "x.cbor");

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("timemark: bad.json: ", line, StringComparison.Ordinal);
        Assert.Contains(reason, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_BodyNestedDeeperThanDatagramLimit_ExitsTwo()
    {
        await _workspace.SignedDatagramAsync();
        int depth = DatagramLimits.MaxNestingDepth; // BODY sits at level 2, so this many levels inside it is one too many.
        _workspace.WriteText("deep.json", "{\"a\": " + new string('[', depth - 1) + new string(']', depth - 1) + "}");

        CliResult result = await _workspace.RunAsync("device", "sign", "--key", "keys/device.key", "--body", "deep.json", "--out", "x.cbor");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("nest deeper", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_PublicKeyGivenAsPrivateKey_ExitsTwo()
    {
        await _workspace.SignedDatagramAsync();

        CliResult result = await _workspace.RunAsync("device", "sign", "--key", "keys/device.pem", "--body", "body.json", "--out", "x.cbor");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("timemark: keys/device.pem: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_MissingKeyFile_ExitsTwo()
    {
        _workspace.WriteText("body.json", "{}");

        CliResult result = await _workspace.RunAsync("device", "sign", "--key", "nope.key", "--body", "body.json", "--out", "x.cbor");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("timemark: nope.key: cannot read: no such file\n", result.Stderr);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("8")]
    public async Task Sign_ActionOutsideOneToSeven_ExitsTwo(string action)
    {
        _workspace.WriteText("body.json", "{}");

        CliResult result = await _workspace.RunAsync("device", "sign", "--key", "k.key", "--body", "body.json", "--action", action, "--out", "x.cbor");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("1..7", result.Stderr, StringComparison.Ordinal);
    }

    private string DeviceKeyId()
    {
        using var key = Protocol.Keys.KeyFile.ReadVerifyingKey(_workspace.PathOf("keys/device.pem"));
        return key.Id.ToString();
    }
}
