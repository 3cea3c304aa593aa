using System.Net;
using System.Net.Sockets;
using System.Text;
using TimeMark.Attestation.Reports;
using TimeMark.Protocol.Keys;

namespace TimeMark.Cli.Tests.Commands;

/// <summary>
/// <c>timemark attest</c>: usage errors and an unreachable broker exit 2; against a broker without a TPM (a small
/// HTTP stand-in serving a self-reported report), the output lines and exit codes. The end-to-end tests with a real
/// broker and swtpm are in TimeMark.Broker.Tests.
/// </summary>
public sealed class AttestCommandTests : IDisposable
{
    private const string BinaryHash = "4f1c3e2d5b6a79880796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Attest_MissingExpectHash_ExitsTwo()
    {
        CliResult result = await _workspace.RunAsync("attest", "http://127.0.0.1:1/");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--expect-hash", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("/relative/path")]
    public async Task Attest_NotAnHttpUrl_ExitsTwo(string url)
    {
        CliResult result = await _workspace.RunAsync("attest", url, "--expect-hash", BinaryHash);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is not an absolute http:// or https:// URL", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task Attest_ExpectHashNotSha256_ExitsTwo()
    {
        CliResult result = await _workspace.RunAsync("attest", "http://127.0.0.1:1/", "--expect-hash", "abc");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--expect-hash \"abc\" is not a SHA-256", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_NegativeMaxClockSkew_ExitsTwo()
    {
        CliResult result = await _workspace.RunAsync("attest", "http://127.0.0.1:1/", "--expect-hash", BinaryHash, "--max-clock-skew", "-1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--max-clock-skew", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_EkCaFileMissing_ExitsTwo()
    {
        CliResult result = await _workspace.RunAsync("attest", "http://127.0.0.1:1/", "--expect-hash", BinaryHash, "--ek-ca", "missing.pem");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("missing.pem", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_AkFileWithoutPublicKey_ExitsTwo()
    {
        _workspace.WriteText("ak.pem", "not a key\n");

        CliResult result = await _workspace.RunAsync("attest", "http://127.0.0.1:1/", "--expect-hash", BinaryHash, "--ak", "ak.pem");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ak.pem: holds no \"PUBLIC KEY\" PEM block", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_NothingListening_ExitsTwoSayingTheBrokerCannotBeReached()
    {
        CliResult result = await _workspace.RunAsync("attest", $"http://127.0.0.1:{ClosedPort()}/", "--expect-hash", BinaryHash);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot reach the broker at", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task Attest_BrokerWithoutAttestationEndpoint_ExitsTwoWithTheHttpStatus()
    {
        await using var broker = FakeBroker.Start(_ => null);

        CliResult result = await _workspace.RunAsync("attest", broker.Url, "--expect-hash", BinaryHash);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("attestation?nonce=", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("HTTP 404", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_SelfReportedBroker_ExitsOneWithTheSelfReportedVerdict()
    {
        await using var broker = FakeBroker.Start(nonce => SelfReported(nonce));

        CliResult result = await _workspace.RunAsync("attest", broker.Url, "--expect-hash", BinaryHash);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(AttestationCheck.All, result.StdoutLines[..^1].Select(line => line.Split("  ")[1]));
        Assert.Equal("PASS  report-format  timemark-attestation/1, self-reported: no TPM evidence (no TPM configured)", result.StdoutLines[0]);
        Assert.Contains("SKIP  quote-signature  self-reported: no TPM evidence", result.StdoutLines);
        Assert.Equal("verdict: NOT attested (self-reported: no TPM evidence)", result.StdoutLines[^1]);
        Assert.Empty(result.Stderr);
    }

    [Fact]
    public async Task Attest_SelfReportedBrokerWithAllowUnattested_ExitsZero()
    {
        await using var broker = FakeBroker.Start(nonce => SelfReported(nonce));

        CliResult result = await _workspace.RunAsync("attest", broker.Url, "--expect-hash", BinaryHash, "--allow-unattested");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("verdict: attested", result.StdoutLines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_ReportForAnotherNonce_ExitsOneWithFailedNonce()
    {
        await using var broker = FakeBroker.Start(_ => SelfReported([1, 2, 3]));

        CliResult result = await _workspace.RunAsync("attest", broker.Url, "--expect-hash", BinaryHash, "--allow-unattested");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.StdoutLines, line => line.StartsWith("FAIL  nonce  ", StringComparison.Ordinal));
        Assert.StartsWith("verdict: NOT attested (nonce: ", result.StdoutLines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_ReportNotJson_ExitsOneWithFailedReportFormat()
    {
        await using var broker = FakeBroker.Start(_ => "<html>"u8.ToArray());

        CliResult result = await _workspace.RunAsync("attest", broker.Url, "--expect-hash", BinaryHash);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("FAIL  report-format  attestation report: not JSON", result.StdoutLines[0], StringComparison.Ordinal);
    }

    private static readonly SigningKey TimeMarkKey = SigningKey.Generate(KeyAlgorithm.Ed25519);

    /// <summary>What a broker without a TPM answers, signed by its time-mark key.</summary>
    private static byte[] SelfReported(byte[] nonce)
    {
        const string config = "{}";
        return AttestationStatement.Sign(new AttestationReport
        {
            Attested = false,
            Nonce = nonce,
            Time = AttestationReport.FormatTime(DateTimeOffset.UtcNow),
            Build = new ReportBuild { BinaryHash = BinaryHash, Verified = true, Status = "verified" },
            Config = config,
            ConfigHash = AttestationReport.HashConfig(config),
            TimeMarkKeyPem = TimeMarkKey.PublicKey.ExportPem(),
            TimeMarkKeyId = TimeMarkKey.PublicKey.Id.ToFullHex(),
            Pcr = 23,
            EventLog = "",
            TpmError = "no TPM configured",
        }, TimeMarkKey).Format();
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A stand-in for the broker's HTTP API: GET /keys serves <see cref="TimeMarkKey"/>, GET /attestation?nonce=HEX
    /// answers what the report function gives for the nonce (404 for null); everything else is 404.
    /// </summary>
    private sealed class FakeBroker : IAsyncDisposable
    {
        private readonly HttpListener _listener;
        private readonly Func<byte[], byte[]?> _report;
        private readonly Task _serving;

        private FakeBroker(HttpListener listener, string url, Func<byte[], byte[]?> report)
        {
            _listener = listener;
            _report = report;
            Url = url;
            _serving = ServeAsync();
        }

        public string Url { get; }

        public static FakeBroker Start(Func<byte[], byte[]?> report)
        {
            string url = $"http://127.0.0.1:{ClosedPort()}/";
            var listener = new HttpListener();
            listener.Prefixes.Add(url);
            listener.Start();
            return new FakeBroker(listener, url, report);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            try
            {
                await _serving;
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                // Stopping the listener ends the pending GetContextAsync this way.
            }
            _listener.Close();
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context = await _listener.GetContextAsync();
                byte[]? body = Answer(context.Request);
                context.Response.StatusCode = body is null ? 404 : 200;
                body ??= "not found\n"u8.ToArray();
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }

        private byte[]? Answer(HttpListenerRequest request) => request.Url!.AbsolutePath switch
        {
            "/keys" => Encoding.UTF8.GetBytes(new System.Text.Json.Nodes.JsonObject { ["timemark_key_pem"] = TimeMarkKey.PublicKey.ExportPem() }.ToJsonString()),
            "/attestation" => _report(Convert.FromHexString(request.QueryString["nonce"] ?? "")),
            _ => null,
        };
    }
}
