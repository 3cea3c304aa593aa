using System.Diagnostics;

namespace TimeMark.Attestation.Tests;

/// <summary>Runs a child process and collects its exit code and output.</summary>
internal static class Shell
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>Runs <c>bash -c SCRIPT</c>.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> BashAsync(string script, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null) =>
        RunAsync("bash", ["-c", script], workingDirectory, environment);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, IEnumerable<string> args, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        // `dotnet test` hands its MSBuild and test-host settings down; a nested dotnet build must not see them.
        foreach (string key in start.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase) || key.Equals("NUGET_PACKAGES", StringComparison.OrdinalIgnoreCase))
                start.Environment.Remove(key);
        }
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {Timeout}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
