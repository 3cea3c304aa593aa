using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace TimeMark.Attestation.Tests.BuildScript;

/// <summary><c>dotnet OUT/timemark.dll serve</c> from a published folder, on free 127.0.0.1 ports, in its own working folder.</summary>
internal sealed class PublishedBroker : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private readonly TempDirectory _root = new("timemark-published-serve-");
    private Process? _process;

    public HttpClient Http { get; } = new();

    public string BaseAddress => Http.BaseAddress!.ToString();

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public static async Task<PublishedBroker> StartAsync(string publishedDirectory)
    {
        var broker = new PublishedBroker();
        await broker.RunAsync(publishedDirectory);
        return broker;
    }

    public async Task<JsonDocument> GetBuildAsync() => JsonDocument.Parse(await Http.GetStringAsync("build"));

    private async Task RunAsync(string publishedDirectory)
    {
        int mqtt = FreePort(), http = FreePort();
        Http.BaseAddress = new Uri($"http://127.0.0.1:{http}/");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _root.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { Path.Combine(publishedDirectory, "timemark.dll"), "serve", "--mqtt", $"127.0.0.1:{mqtt}", "--http", $"127.0.0.1:{http}" })
            start.ArgumentList.Add(arg);
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        DateTime deadline = DateTime.UtcNow + StartTimeout;
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

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        Http.Dispose();
        _root.Dispose();
    }
}
