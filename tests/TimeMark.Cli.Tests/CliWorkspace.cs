using System.Diagnostics;
using TimeMark.Tests.Shared;

namespace TimeMark.Cli.Tests;

/// <summary>
/// A fresh temporary folder for one test, and a way to run the built
/// <c>timemark</c> in it as a child process (<c>dotnet timemark.dll …</c>),
/// as a user would: the tests see only exit codes, stdout, stderr and files.
/// </summary>
internal sealed class CliWorkspace : IDisposable
{
    /// <summary>Far above a normal run (well under a second), so only a hang trips it.</summary>
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The ProjectReference copies timemark.dll with its runtimeconfig and deps next to the test assembly.</summary>
    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "timemark.dll");

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("timemark-cli-tests-");

    public string Root => _directory.FullName;

    public string PathOf(string name) => Path.Combine(Root, name);

    public void WriteText(string name, string text) => File.WriteAllText(PathOf(name), text);

    public void WriteBytes(string name, byte[] bytes) => File.WriteAllBytes(PathOf(name), bytes);

    public byte[] ReadBytes(string name) => File.ReadAllBytes(PathOf(name));

    /// <summary>A key file from the linked test data (RFC 8032 keys), copied into this folder.</summary>
    public string CopyTestKey(string name)
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "TestData", name), PathOf(name));
        return name;
    }

    public async Task<CliResult> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost.Path)
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
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"timemark {string.Join(' ', args)} did not finish within {RunTimeout}");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Keygen, then sign BODY as the device: the common first steps. Returns the
    /// file name of the datagram; the keys are keys/device.* and keys/broker.*.
    /// </summary>
    public async Task<string> SignedDatagramAsync(string deviceKeyType = "ed25519", string body = """{"msg": "hello", "n": 1}""", params string[] signOptions)
    {
        await RunCheckedAsync("keygen", "--type", deviceKeyType, "--out", "keys", "--name", "device");
        await RunCheckedAsync("keygen", "--type", "ed25519", "--out", "keys", "--name", "broker");
        WriteText("body.json", body);
        await RunCheckedAsync(["device", "sign", "--key", "keys/device.key", "--body", "body.json", "--out", "datagram.cbor", .. signOptions]);
        return "datagram.cbor";
    }

    /// <summary>Runs a step a test builds on; a failure there is a broken setup, not the behaviour under test.</summary>
    public async Task<CliResult> RunCheckedAsync(params string[] args)
    {
        CliResult result = await RunAsync(args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"setup step timemark {string.Join(' ', args)} failed: {result}");
        return result;
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
