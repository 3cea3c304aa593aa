namespace TimeMark.Cli.Tests;

/// <summary>The root command: help, and System.CommandLine's parse errors mapped to exit code 2.</summary>
public sealed class ProgramTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Main_Help_ExitsZeroAndListsEveryVerb()
    {
        CliResult result = await _workspace.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string verb in new[] { "keygen", "device", "inspect", "verify", "mark", "log" })
            Assert.Contains($"  {verb} ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_LogHelp_ListsEveryLogVerb()
    {
        CliResult result = await _workspace.RunAsync("log", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string verb in new[] { "verify", "prove", "consistency", "export-entry", "check-proof", "check-consistency" })
            Assert.Contains($"  {verb} ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_DeviceHelp_ListsSignWithItsOptions()
    {
        CliResult result = await _workspace.RunAsync("device", "sign", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string option in new[] { "--key", "--body", "--ts", "--ver", "--action", "--status", "--indefinite", "--out" })
            Assert.Contains(option, result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_UnknownOption_ExitsTwoNamingIt()
    {
        CliResult result = await _workspace.RunAsync("verify", "x.cbor", "--device-key", "k.pem", "--bogus");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--bogus", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_NoCommand_ExitsTwo()
    {
        CliResult result = await _workspace.RunAsync();

        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task Main_RequiredOptionMissing_ExitsTwoNamingIt()
    {
        CliResult result = await _workspace.RunAsync("verify", "x.cbor");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--device-key", result.Stderr, StringComparison.Ordinal);
    }
}
