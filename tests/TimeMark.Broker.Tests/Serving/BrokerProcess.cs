using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// The real <c>timemark serve</c> as a child process on free 127.0.0.1 ports,
/// in a temporary folder with its own devices and data folders.
/// </summary>
internal sealed class BrokerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "timemark.dll");

    private readonly StringBuilder _output = new();
    private Process? _process;

    public BrokerProcess(string? root = null)
    {
        Root = root ?? Directory.CreateTempSubdirectory("timemark-serve-").FullName;
        Directory.CreateDirectory(DevicesDirectory);
    }

    public string Root { get; }
    public string DevicesDirectory => Path.Combine(Root, "devices");
    public string DataDirectory => Path.Combine(Root, "data");
    public int MqttPort { get; private set; }
    public int HttpPort { get; private set; }
    public HttpClient Http { get; } = new();

    /// <summary>Everything the broker wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>Registers an agent: writes devices/{id}.pem and returns its private key.</summary>
    public SigningKey AddDevice(string agentId, KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256)
    {
        SigningKey key = SigningKey.Generate(algorithm);
        File.WriteAllText(Path.Combine(DevicesDirectory, agentId + ".pem"), key.PublicKey.ExportPem());
        return key;
    }

    public void WriteConfig(string json) => File.WriteAllText(Path.Combine(Root, "timemark.json"), json);

    /// <summary>Starts the broker (same ports on a restart) and waits until its HTTP API answers.</summary>
    public async Task StartAsync(params string[] extraArgs)
    {
        if (MqttPort == 0)
        {
            MqttPort = FreePort();
            HttpPort = FreePort();
            Http.BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}/");
        }

        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { Program, "serve", "--mqtt", $"127.0.0.1:{MqttPort}", "--http", $"127.0.0.1:{HttpPort}" }.Concat(extraArgs))
            start.ArgumentList.Add(arg);
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"timemark serve exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using HttpResponseMessage health = await Http.GetAsync("healthz");
                if (health.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timemark serve did not answer /healthz within {StartTimeout}:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>Sends SIGTERM and waits for the exit code.</summary>
    public async Task<int> StopAsync()
    {
        Process process = _process ?? throw new InvalidOperationException("not started");
        const int sigterm = 15;
        if (Kill(process.Id, sigterm) != 0)
            throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        using var timeout = new CancellationTokenSource(StartTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    /// <summary>SIGKILL: no chance to flush anything.</summary>
    public async Task KillAsync()
    {
        Process process = _process ?? throw new InvalidOperationException("not started");
        process.Kill();
        await process.WaitForExitAsync();
    }

    /// <summary>Runs another timemark verb in the broker's folder and returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunCliAsync(params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Program);
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    public async Task<VerifyingKey> TimeMarkKeyAsync()
    {
        using JsonDocument keys = JsonDocument.Parse(await Http.GetStringAsync("keys"));
        return VerifyingKey.ImportPem(keys.RootElement.GetProperty("timemark_key_pem").GetString());
    }

    public async Task<JsonDocument> GetJsonAsync(string path) => JsonDocument.Parse(await Http.GetStringAsync(path));

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        Http.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (host is not null && File.Exists(host))
            return host;
        string? self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
