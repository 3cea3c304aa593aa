using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace TimeMark.Tests.Shared;

/// <summary>
/// A real <c>dotnet timemark.dll serve</c> as a child process on free 127.0.0.1 ports, in a
/// temporary folder of its own (deleted on dispose). Linked into every test project that
/// starts the broker, so there is one way to start, stop, kill and read it.
/// </summary>
internal class ServeProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private readonly string _program;
    private Process? _process;

    /// <param name="program">The timemark.dll to run.</param>
    /// <param name="root">The working folder; a new temporary one when null.</param>
    public ServeProcess(string program, string? root = null)
    {
        _program = program;
        Root = root ?? Directory.CreateTempSubdirectory("timemark-serve-").FullName;
    }

    public string Root { get; }
    public int MqttPort { get; private set; }
    public int HttpPort { get; private set; }
    public HttpClient Http { get; } = new();

    /// <summary>When set, the broker runs under <c>ulimit -n</c> this many open files.</summary>
    public int? OpenFileLimit { get; init; }

    /// <summary>Everything the broker wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>Starts the broker (same ports on a restart) and waits until its HTTP API answers.</summary>
    public async Task StartAsync(params string[] extraArgs)
    {
        string[] listeners = ListenerFlags();

        ProcessStartInfo start = StartInfo([_program, "serve", .. listeners, .. extraArgs]);
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

    /// <summary>
    /// The --mqtt and --http flags the broker is started with, choosing free ports on first use, so that a
    /// verb that must see the same settings as serve (measure) can be given them before the start.
    /// </summary>
    public string[] ListenerFlags()
    {
        if (MqttPort == 0)
        {
            MqttPort = FreePort();
            HttpPort = FreePort();
            Http.BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}/");
        }
        return ["--mqtt", $"127.0.0.1:{MqttPort}", "--http", $"127.0.0.1:{HttpPort}"];
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

    /// <summary>Waits for the process to end on its own and returns the exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        Process process = _process ?? throw new InvalidOperationException("not started");
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
        using Process process = Process.Start(StartInfo([_program, .. args])) ?? throw new InvalidOperationException("dotnet did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
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
        GC.SuppressFinalize(this);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        // Under a limit, sh sets it and then execs dotnet, so the process (and its pid) is the broker's.
        var start = new ProcessStartInfo(OpenFileLimit is null ? DotnetHost.Path : "/bin/sh")
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (OpenFileLimit is int limit)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"ulimit -n {limit} && exec \"$0\" \"$@\"");
            start.ArgumentList.Add(DotnetHost.Path);
        }
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        return start;
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
}
