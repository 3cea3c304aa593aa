namespace TimeMark.Cli.Tests.Commands;

public sealed class VerifyCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Verify_IndependentMarkedVector_PrintsGoldenReport()
    {
        // Golden output (house style 24). The keys are RFC 8032 §7.1 TEST 1 (device) and TEST 2 (broker);
        // their IDs were computed with `openssl pkey -pubin -outform DER | sha256sum`, not by TimeMark.
        _workspace.WriteBytes("record.cbor", Vectors.Bytes(Vectors.Ed25519MarkedIndefinite));
        string deviceKey = _workspace.CopyTestKey("device-ed25519.pem");
        string brokerKey = _workspace.CopyTestKey("broker-ed25519.pem");

        CliResult result = await _workspace.RunAsync("verify", "record.cbor", "--device-key", deviceKey, "--broker-key", brokerKey);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            """
            ok       format: indefinite-length map of 10 pairs, 259 bytes
            ok       device-signature: SIGN verifies with Ed25519 public key 06e3fd8fda29bb60
            ok       device-fields: TS 1700000000, VER 42, PROT 1, ACTION 3, STATUS 0, BODY of 25 bytes
            ok       broker-mark: INGESTION_TIME 1700000000123, LOG_INDEX 7
            ok       ingestion-time: 2023-11-14T22:13:20.1230000+00:00
            ok       broker-token: VERIFICATION_TOKEN verifies with Ed25519 public key deb2ded39dc26fce
            clock skew (INGESTION_TIME - TS): +123 ms (TS read as Unix seconds)
            verdict: PASSED (6 checks passed, 0 skipped)

            """,
            result.Stdout);
        Assert.Empty(result.Stderr);
    }

    [Fact]
    public async Task Verify_SignedDatagram_ExitsZeroAndSkipsTheBrokerMark()
    {
        string file = await _workspace.SignedDatagramAsync();

        CliResult result = await _workspace.RunAsync("verify", file, "--device-key", "keys/device.pem");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            ["ok       format", "ok       device-signature", "ok       device-fields", "skipped  broker-mark", "verdict"],
            result.StdoutLines.Select(line => line[..line.IndexOf(':', StringComparison.Ordinal)]));
    }

    [Fact]
    public async Task Verify_MarkedRecordWithBrokerKey_ExitsZeroWithBrokerTokenOk()
    {
        string file = await _workspace.SignedDatagramAsync(deviceKeyType: "p256");
        await _workspace.RunCheckedAsync("mark", file, "--broker-key", "keys/broker.key", "--log-index", "5", "--out", "marked.cbor");

        CliResult result = await _workspace.RunAsync("verify", "marked.cbor", "--device-key", "keys/device.pem", "--broker-key", "keys/broker.pem");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.StdoutLines, line => line.StartsWith("ok       broker-token: ", StringComparison.Ordinal));
        Assert.DoesNotContain(result.StdoutLines, line => line.StartsWith("FAILED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_BodyByteFlipped_ExitsOneWithFailedDeviceSignature()
    {
        string file = await _workspace.SignedDatagramAsync(body: """{"msg": "hello"}""");
        byte[] bytes = _workspace.ReadBytes(file);
        int at = bytes.AsSpan().IndexOf("hello"u8);
        bytes[at] ^= 0x20; // "hello" -> "Hello": still well-formed CBOR, so only the signature can notice.
        _workspace.WriteBytes("tampered.cbor", bytes);

        CliResult result = await _workspace.RunAsync("verify", "tampered.cbor", "--device-key", "keys/device.pem");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.StdoutLines, line => line.StartsWith("FAILED   device-signature: ", StringComparison.Ordinal));
        Assert.StartsWith("verdict: FAILED", result.StdoutLines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_OtherDevicesKey_ExitsOne()
    {
        string file = await _workspace.SignedDatagramAsync();
        await _workspace.RunCheckedAsync("keygen", "--type", "ed25519", "--out", "keys", "--name", "other");

        CliResult result = await _workspace.RunAsync("verify", file, "--device-key", "keys/other.pem");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.StdoutLines, line => line.StartsWith("FAILED   device-signature: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_UnmarkedDatagramWithBrokerKey_ExitsOneWithFailedBrokerMark()
    {
        string file = await _workspace.SignedDatagramAsync();

        CliResult result = await _workspace.RunAsync("verify", file, "--device-key", "keys/device.pem", "--broker-key", "keys/broker.pem");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.StdoutLines, line => line.StartsWith("FAILED   broker-mark: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_FileNotCbor_ExitsOneWithFailedFormat()
    {
        await _workspace.SignedDatagramAsync();
        _workspace.WriteText("notes.txt", "hello");

        CliResult result = await _workspace.RunAsync("verify", "notes.txt", "--device-key", "keys/device.pem");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("FAILED   format: ", result.StdoutLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_MissingFile_ExitsTwoWithOneLine()
    {
        await _workspace.SignedDatagramAsync();

        CliResult result = await _workspace.RunAsync("verify", "missing.cbor", "--device-key", "keys/device.pem");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("timemark: missing.cbor: cannot read: no such file\n", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task Verify_KeyFileNotPem_ExitsTwoWithOneLineNamingIt()
    {
        string file = await _workspace.SignedDatagramAsync();
        _workspace.WriteText("garbage.pem", "this is not a key\n");

        CliResult result = await _workspace.RunAsync("verify", file, "--device-key", "garbage.pem");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("timemark: garbage.pem: key: no PEM block found; expected \"PUBLIC KEY\"\n", result.Stderr);
    }

    [Fact]
    public async Task Verify_KeyFileWithCorruptBase64_ExitsTwoWithoutStackTrace()
    {
        string file = await _workspace.SignedDatagramAsync();
        _workspace.WriteText("corrupt.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");

        CliResult result = await _workspace.RunAsync("verify", file, "--device-key", "corrupt.pem");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("timemark: corrupt.pem: ", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
    }
}
