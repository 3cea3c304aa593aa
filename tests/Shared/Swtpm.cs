using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TimeMark.Tests.Shared;

/// <summary>
/// A real TPM 2.0 for tests: Debian's swtpm, manufactured by <c>swtpm_setup</c> with an RSA and an
/// ECC endorsement key and their certificates issued by a local CA of its own, serving raw TPM
/// commands on a free 127.0.0.1 port. Optionally provisioned with an ECDSA P-256 attestation key
/// under the RSA EK at <see cref="AkHandle"/>, made by tpm2-tools exactly as an operator would.
/// Disposing sends TPM2_Shutdown (so the TPM clock stays "safe"), stops swtpm and deletes its folder.
/// </summary>
/// <remarks>
/// Every instance lives under TIMEMARK_TEST_SWTPM_ROOT when set, so test.sh can stop any swtpm a
/// crashed test run left behind.
/// </remarks>
internal sealed class Swtpm : IAsyncDisposable
{
    public const uint RsaEkHandle = 0x81010001;
    public const uint RsaEkCertificateIndex = 0x01c00002;
    public const uint EccEkHandle = 0x81010016;
    public const uint AkHandle = 0x81000010;

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private Process? _process;

    private Swtpm(string root)
    {
        Root = root;
    }

    /// <summary>The folder holding the TPM state, the local CA and scratch files.</summary>
    public string Root { get; }

    public string StateDirectory => Path.Combine(Root, "state");

    /// <summary>The root and the intermediate certificate that issued the EK certificates, in one PEM file.</summary>
    public string EkCaFile => Path.Combine(Root, "ek-ca.pem");

    private string LogFile => Path.Combine(Root, "swtpm.log");

    public int Port { get; private set; }

    public int ControlPort { get; private set; }

    /// <summary>The TPM as TimeMark names it (<c>--tpm</c>).</summary>
    public string Target => $"swtpm:host=127.0.0.1,port={Port}";

    /// <summary>The TPM as tpm2-tools name it (TPM2TOOLS_TCTI).</summary>
    public string Tcti => $"swtpm:host=127.0.0.1,port={Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Manufactures a new TPM (EKs and certificates) and starts it.</summary>
    /// <param name="provisionAk">Also create the attestation key under the RSA EK and make it persistent at <see cref="AkHandle"/>.</param>
    public static async Task<Swtpm> StartAsync(bool provisionAk = true)
    {
        string? parent = Environment.GetEnvironmentVariable("TIMEMARK_TEST_SWTPM_ROOT");
        if (parent is not null)
            Directory.CreateDirectory(parent);
        string root = parent is null
            ? Directory.CreateTempSubdirectory("timemark-swtpm-").FullName
            : Directory.CreateDirectory(Path.Combine(parent, "swtpm-" + Guid.NewGuid().ToString("N"))).FullName;
        var tpm = new Swtpm(root);
        try
        {
            await tpm.ManufactureAsync();
            await tpm.RestartAsync();
            if (provisionAk)
                await tpm.ProvisionAkAsync();
            return tpm;
        }
        catch
        {
            await tpm.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts swtpm on the same state (a power cycle when it was stopped: PCRs reset, persistent keys kept).</summary>
    public async Task RestartAsync()
    {
        if (IsRunning)
            await StopAsync();
        if (Port == 0)
            (Port, ControlPort) = FreePortPair();
        // swtpm writes to its log file, not to pipes nobody reads.
        var start = new ProcessStartInfo("swtpm") { UseShellExecute = false };
        foreach (string arg in (string[])["socket", "--tpm2", "--server", $"type=tcp,port={Port},bindaddr=127.0.0.1",
                     "--ctrl", $"type=tcp,port={ControlPort},bindaddr=127.0.0.1", "--tpmstate", $"dir={StateDirectory}",
                     "--flags", "not-need-init,startup-clear", "--log", $"file={LogFile},level=1"])
            start.ArgumentList.Add(arg);
        _process = Process.Start(start) ?? throw new InvalidOperationException("swtpm did not start");
        var deadline = DateTime.UtcNow + CommandTimeout;
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"swtpm exited with {_process.ExitCode}: {(File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile) : "no log")}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>An orderly stop: TPM2_Shutdown(CLEAR) first, so the next start keeps a "safe" clock.</summary>
    public async Task StopAsync()
    {
        if (!IsRunning)
            return;
        await ToolAsync("tpm2_shutdown", "-c");
        Kill();
    }

    /// <summary>Power loss: swtpm killed without TPM2_Shutdown.</summary>
    public void Kill()
    {
        if (_process is null)
            return;
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
        _process = null;
    }

    /// <summary>Runs one tpm2-tools program against this TPM; throws with its output when it fails.</summary>
    public async Task<string> ToolAsync(string tool, params string[] args)
    {
        var (exitCode, stdout, stderr) = await RunAsync(tool, args, new Dictionary<string, string> { ["TPM2TOOLS_TCTI"] = Tcti });
        if (exitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} exited with {exitCode}: {stderr}{stdout}");
        return stdout;
    }

    /// <summary>tpm2_createak under the RSA EK (ECDSA P-256, SHA-256), tpm2_evictcontrol to <see cref="AkHandle"/>.</summary>
    public async Task ProvisionAkAsync()
    {
        string context = Path.Combine(Root, "ak.ctx");
        await ToolAsync("tpm2_createak", "-C", $"0x{RsaEkHandle:x8}", "-c", context, "-G", "ecc", "-g", "sha256", "-s", "ecdsa");
        await ToolAsync("tpm2_evictcontrol", "-C", "o", "-c", context, $"0x{AkHandle:x8}");
        await ToolAsync("tpm2_flushcontext", "-t");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // A test may have left the TPM unusable on purpose; stopping it is all that matters now.
        }
        Kill();
        Directory.Delete(Root, recursive: true);
    }

    private async Task ManufactureAsync()
    {
        string ca = Path.Combine(Root, "ca");
        Directory.CreateDirectory(ca);
        Directory.CreateDirectory(StateDirectory);
        string localCaConfig = Path.Combine(Root, "localca.conf");
        await File.WriteAllTextAsync(localCaConfig,
            $"statedir = {ca}\nsigningkey = {ca}/signkey.pem\nissuercert = {ca}/issuercert.pem\ncertserial = {ca}/certserial\n");
        string setupConfig = Path.Combine(Root, "swtpm_setup.conf");
        await File.WriteAllTextAsync(setupConfig,
            $"create_certs_tool = /usr/bin/swtpm_localca\ncreate_certs_tool_config = {localCaConfig}\n" +
            "create_certs_tool_options = /etc/swtpm-localca.options\nactive_pcr_banks = sha256\n");
        var (exitCode, stdout, stderr) = await RunAsync("swtpm_setup",
            ["--tpm2", "--tpmstate", StateDirectory, "--create-ek-cert", "--create-platform-cert", "--config", setupConfig, "--overwrite"], null);
        if (exitCode != 0)
            throw new InvalidOperationException($"swtpm_setup exited with {exitCode}: {stderr}{stdout}");
        await File.WriteAllTextAsync(EkCaFile,
            await File.ReadAllTextAsync(Path.Combine(ca, "swtpm-localca-rootca-cert.pem")) + await File.ReadAllTextAsync(Path.Combine(ca, "issuercert.pem")));
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Two free ports P and P+1: tpm2-tools' swtpm TCTI finds the control channel at the data port + 1.</summary>
    private static (int Data, int Control) FreePortPair()
    {
        while (true)
        {
            using var data = new TcpListener(IPAddress.Loopback, 0);
            data.Start();
            int port = ((IPEndPoint)data.LocalEndpoint).Port;
            if (port == IPEndPoint.MaxPort)
                continue;
            try
            {
                using var control = new TcpListener(IPAddress.Loopback, port + 1);
                control.Start();
                return (port, port + 1);
            }
            catch (SocketException)
            {
                // Taken: try another pair.
            }
        }
    }
}
