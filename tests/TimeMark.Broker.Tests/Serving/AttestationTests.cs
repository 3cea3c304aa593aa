using System.Net;
using System.Text;
using System.Text.Json;
using TimeMark.Protocol.Keys;
using TimeMark.Tests.Shared;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// Remote attestation end to end, the way an operator and an auditor run it: a real swtpm,
/// <c>timemark tpm provision</c>, <c>timemark measure</c>, <c>timemark serve</c>, and <c>timemark attest</c>
/// checking it all from outside. Each attack must fail with its check named.
/// </summary>
public sealed class AttestationTests : IClassFixture<InstalledBroker>, IAsyncLifetime
{
    private const string Topic = "braid/agent/agent-1/shadow/reported/";

    private readonly InstalledBroker _installed;
    private readonly BrokerProcess _broker;
    private Swtpm _tpm = null!;

    public AttestationTests(InstalledBroker installed)
    {
        _installed = installed;
        _broker = new BrokerProcess(installed.Program);
    }

    private string BaseUrl => _broker.Http.BaseAddress!.ToString().TrimEnd('/');

    public async Task InitializeAsync() => _tpm = await Swtpm.StartAsync(provisionAk: false);

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _tpm.DisposeAsync();
    }

    /// <summary>tpm provision, then measure, then serve, all with the same settings.</summary>
    private async Task LaunchAsync(params string[] measureSettings)
    {
        await RunOkAsync("tpm", "provision", "--tpm", _tpm.Target, "--out", _broker.Root);
        await RunOkAsync(["measure", "--tpm", _tpm.Target, .. _broker.ListenerFlags(), .. measureSettings]);
        await _broker.StartAsync("--tpm", _tpm.Target);
    }

    private async Task<string> RunOkAsync(params string[] args)
    {
        var (exitCode, output) = await _broker.RunCliAsync(args);
        Assert.True(exitCode == 0, $"timemark {string.Join(' ', args)} exited with {exitCode}:\n{output}");
        return output;
    }

    private Task<(int ExitCode, string Output)> AttestAsync(params string[] extra) =>
        _broker.RunCliAsync(["attest", BaseUrl, "--expect-hash", _installed.BinaryHash, .. extra]);

    private static void AssertFailed(string check, (int ExitCode, string Output) attest)
    {
        Assert.True(attest.ExitCode == 1, $"attest exited with {attest.ExitCode}, expected 1:\n{attest.Output}");
        Assert.Contains(attest.Output.Split('\n'), line => line.StartsWith("FAIL", StringComparison.Ordinal) && line.Contains(check, StringComparison.Ordinal));
        Assert.Contains("verdict: NOT attested", attest.Output, StringComparison.Ordinal);
    }

    private async Task<bool> PublishAsync(ulong ver)
    {
        using SigningKey device = SigningKey.ImportPem(await File.ReadAllTextAsync(Path.Combine(_broker.Root, "agent-1.key")));
        var (client, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using (client)
            return (int)(await client.PublishAsync(Topic, Readings.Datagram(device, ver))).ReasonCode < 0x80;
    }

    private void AddDevice()
    {
        using SigningKey device = _broker.AddDevice("agent-1");
        File.WriteAllText(Path.Combine(_broker.Root, "agent-1.key"), device.ExportPkcs8Pem());
    }

    [Fact]
    public async Task Attest_MeasuredLaunchWithCertifiedEk_PassesEveryCheck()
    {
        await LaunchAsync();

        var (exitCode, output) = await AttestAsync("--ek-ca", _tpm.EkCaFile);

        Assert.True(exitCode == 0, output);
        Assert.DoesNotContain("FAIL", output, StringComparison.Ordinal);
        foreach (string check in (string[])["quote-signature", "nonce", "pcr-digest", "event-log-replay", "binary", "config", "timemark-key",
                     "ek-certificate", "credential-activation", "qualified-signer", "clock"])
            Assert.Contains(output.Split('\n'), line => line.StartsWith("PASS", StringComparison.Ordinal) && line.Contains(check, StringComparison.Ordinal));
        Assert.Contains("verdict: attested", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quote_FromTheAttestationEndpoint_PassesTpm2Checkquote()
    {
        await LaunchAsync();
        const string nonce = "00112233445566778899aabbccddeeff";

        using JsonDocument report = await _broker.GetJsonAsync($"attestation?nonce={nonce}");

        JsonElement tpm = report.RootElement.GetProperty("tpm");
        string message = Path.Combine(_broker.Root, "quote.msg"), signature = Path.Combine(_broker.Root, "quote.sig");
        await File.WriteAllBytesAsync(message, Convert.FromBase64String(tpm.GetProperty("quote").GetString()!));
        await File.WriteAllBytesAsync(signature, Convert.FromBase64String(tpm.GetProperty("signature").GetString()!));
        string ak = Path.Combine(_broker.Root, "ak.pem");
        // ToolAsync throws when tpm2_checkquote exits non-zero: the signature or the nonce did not check.
        await _tpm.ToolAsync("tpm2_checkquote", "-u", ak, "-m", message, "-s", signature, "-g", "sha256", "-q", nonce);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _tpm.ToolAsync("tpm2_checkquote", "-u", ak, "-m", message, "-s", signature, "-g", "sha256", "-q", "ffeeddccbbaa99887766554433221100"));
    }

    [Fact]
    public async Task Attest_ADifferentBinaryMeasured_FailsBinary()
    {
        string tampered = Directory.CreateTempSubdirectory("timemark-tampered-").FullName;
        try
        {
            InstalledBroker.Install(tampered);
            await File.AppendAllTextAsync(Path.Combine(tampered, "timemark.deps.json"), " ");
            await LaunchAsync("--install-dir", tampered);

            AssertFailed("binary", await AttestAsync("--ek-ca", _tpm.EkCaFile));
        }
        finally
        {
            Directory.Delete(tampered, recursive: true);
        }
    }

    [Fact]
    public async Task Attest_ConfigurationOtherThanMeasured_FailsConfig()
    {
        // Measured as permissive, served strict: the running configuration is not the measured one.
        await LaunchAsync("--policy", "permissive");

        AssertFailed("config", await AttestAsync("--ek-ca", _tpm.EkCaFile));
    }

    [Fact]
    public async Task Attest_EkCertificateFromAnotherCa_FailsEkCertificate()
    {
        await using Swtpm other = await Swtpm.StartAsync(provisionAk: false);
        await LaunchAsync();

        AssertFailed("ek-certificate", await AttestAsync("--ek-ca", other.EkCaFile));
    }

    [Fact]
    public async Task Attest_TamperedEventLog_FailsEventLogReplay()
    {
        await LaunchAsync();
        string eventLog = Path.Combine(_broker.DataDirectory, "attestation-events.log");
        string[] lines = await File.ReadAllLinesAsync(eventLog);
        // Hide the measured binary: drop its line, as an attacker who ran another binary would like to.
        await File.WriteAllLinesAsync(eventLog, lines.Where(l => !l.Contains("timemark-binary", StringComparison.Ordinal)));

        AssertFailed("event-log-replay", await AttestAsync("--ek-ca", _tpm.EkCaFile));
    }

    [Fact]
    public async Task Attest_WithoutMeasure_FailsBinary()
    {
        await RunOkAsync("tpm", "provision", "--tpm", _tpm.Target, "--out", _broker.Root);
        await _broker.StartAsync("--tpm", _tpm.Target);

        AssertFailed("binary", await AttestAsync("--ek-ca", _tpm.EkCaFile));
    }

    [Fact]
    public async Task Attest_ImaLogReplayingToPcr10_PassesImaReplay_AndALineTheTpmNeverSawFailsIt()
    {
        // An IMA measurement list as the kernel shows it, and PCR 10 extended with its template hashes as the kernel would.
        string imaLog = Path.Combine(_broker.Root, "ascii_runtime_measurements_sha256");
        var lines = new StringBuilder();
        foreach (string file in (string[])["/usr/bin/dotnet", "/opt/timemark/timemark.dll"])
        {
            string fileHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(file)));
            string templateHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("template " + file)));
            lines.Append($"10 {templateHash} ima-ng sha256:{fileHash} {file}\n");
            await _tpm.ToolAsync("tpm2_pcrextend", $"10:sha256={templateHash}");
        }
        await File.WriteAllTextAsync(imaLog, lines.ToString());
        _broker.WriteConfig($$"""{ "Attestation": { "ImaLog": "{{imaLog}}" } }""");
        await LaunchAsync();

        var (exitCode, output) = await AttestAsync("--ek-ca", _tpm.EkCaFile);
        Assert.True(exitCode == 0, output);
        Assert.Contains(output.Split('\n'), line => line.StartsWith("PASS", StringComparison.Ordinal) && line.Contains("ima-replay", StringComparison.Ordinal));

        await File.AppendAllTextAsync(imaLog, $"10 {new string('a', 64)} ima-ng sha256:{new string('b', 64)} /usr/bin/hidden\n");
        AssertFailed("ima-replay", await AttestAsync("--ek-ca", _tpm.EkCaFile));
    }

    [Fact]
    public async Task TpmStoppedMidRun_BrokerKeepsMarking_AndAttestationReportsTheFault()
    {
        AddDevice();
        await LaunchAsync();
        Assert.True(await PublishAsync(1));

        _tpm.Kill();

        Assert.True(await PublishAsync(2));
        using JsonDocument report = await _broker.GetJsonAsync("attestation?nonce=01");
        Assert.False(report.RootElement.GetProperty("attested").GetBoolean());
        Assert.Contains("failed", report.RootElement.GetProperty("tpm_error").GetString(), StringComparison.Ordinal);
        var attest = await AttestAsync("--ek-ca", _tpm.EkCaFile);
        Assert.Equal(1, attest.ExitCode);
        Assert.Contains("self-reported", attest.Output, StringComparison.Ordinal);
        Assert.True(await PublishAsync(3));
        using JsonDocument device = await _broker.GetJsonAsync("devices/agent-1");
        Assert.Equal(3, device.RootElement.GetProperty("marked").GetInt64());
    }

    [Fact]
    public async Task TpmPowerCycledMidRun_AttestationFailsReplay_NotPassesOffTheOldLaunch()
    {
        await LaunchAsync();
        _tpm.Kill();
        await _tpm.RestartAsync();

        AssertFailed("event-log-replay", await AttestAsync("--ek-ca", _tpm.EkCaFile));
    }

    [Fact]
    public async Task Serve_TpmUnreachableAtStart_StillMarks_AndAttestationSaysWhy()
    {
        AddDevice();
        await _broker.StartAsync("--tpm", $"swtpm:host=127.0.0.1,port={ServeProcess.FreePort()}");

        Assert.True(await PublishAsync(1));
        using JsonDocument report = await _broker.GetJsonAsync("attestation?nonce=ab");
        Assert.False(report.RootElement.GetProperty("attested").GetBoolean());
        Assert.Contains("cannot reach", report.RootElement.GetProperty("tpm_error").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("TPM", _broker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_BrokerWithoutTpm_RefusedAsSelfReported_AcceptedOnlyWithAllowUnattested()
    {
        await _broker.StartAsync();

        var refused = await AttestAsync();
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("self-reported", refused.Output, StringComparison.Ordinal);

        var allowed = await AttestAsync("--allow-unattested");
        Assert.True(allowed.ExitCode == 0, allowed.Output);
        Assert.Contains("verdict: attested (self-reported", allowed.Output, StringComparison.Ordinal);
        Assert.Contains("accepted by --allow-unattested", allowed.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("zz")]
    [InlineData("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00")]
    public async Task Attestation_NonceNotOneTo64BytesOfHex_IsABadRequest(string nonce)
    {
        await _broker.StartAsync();

        using HttpResponseMessage response = await _broker.Http.GetAsync($"attestation?nonce={nonce}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Credential_WithoutTpm_IsUnavailable()
    {
        await _broker.StartAsync();

        using var body = new StringContent("{\"id_object\":\"AA==\",\"encrypted_secret\":\"AA==\"}", Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await _broker.Http.PostAsync("attestation/credential", body);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Credential_NotForThisTpm_IsRefusedWithTheTpmsReason()
    {
        await LaunchAsync();

        using var body = new StringContent($"{{\"id_object\":\"{Convert.ToBase64String(new byte[68])}\",\"encrypted_secret\":\"{Convert.ToBase64String(new byte[256])}\"}}",
            Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await _broker.Http.PostAsync("attestation/credential", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("TPM refused", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Measure_TpmUnreachable_ExitsOneAndSaysWhy()
    {
        var (exitCode, output) = await _broker.RunCliAsync("measure", "--tpm", $"swtpm:host=127.0.0.1,port={ServeProcess.FreePort()}");

        Assert.Equal(1, exitCode);
        Assert.Contains("cannot measure", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Measure_WithoutTpm_IsAUsageError()
    {
        var (exitCode, output) = await _broker.RunCliAsync("measure");

        Assert.Equal(2, exitCode);
        Assert.Contains("--tpm", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Provision_Twice_KeepsTheSameAttestationKey()
    {
        string first = await RunOkAsync("tpm", "provision", "--tpm", _tpm.Target, "--out", _broker.Root);
        string second = await RunOkAsync("tpm", "provision", "--tpm", _tpm.Target, "--out", _broker.Root);

        Assert.Contains("created", first, StringComparison.Ordinal);
        Assert.Contains("already present", second, StringComparison.Ordinal);
        string Name(string output) => output.Split("name ")[1].Split('\n')[0];
        Assert.Equal(Name(first), Name(second));
    }
}
