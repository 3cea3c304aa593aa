using System.Text.Json.Nodes;
using TimeMark.Cli.Tests.Log;

namespace TimeMark.Cli.Tests.Commands;

public sealed class LogCheckConsistencyCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task CheckConsistency_ProveThenCheck_ExitsZero()
    {
        using TestLog log = await ProveAsync();

        CliResult result = await _workspace.RunAsync(
            "log", "check-consistency", "--old", "old.txt", "--new", "new.txt", "--key", log.VerifierKey, "--proof", "consistency.json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("ok       consistency: the tree of 100 entries is a prefix of the tree of 150", result.StdoutLines[^2]);
        Assert.Equal("verdict: PASSED (8 checks passed, 0 skipped)", result.StdoutLines[^1]);
    }

    [Fact]
    public async Task CheckConsistency_OneProofHashFlipped_ExitsOne()
    {
        using TestLog log = await ProveAsync();
        JsonNode proof = JsonNode.Parse(_workspace.ReadBytes("consistency.json"))!;
        byte[] hash = Convert.FromBase64String(proof["hashes"]![0]!.GetValue<string>());
        hash[0] ^= 0x80;
        proof["hashes"]![0] = Convert.ToBase64String(hash);
        _workspace.WriteText("consistency.json", proof.ToJsonString());

        CliResult result = await _workspace.RunAsync(
            "log", "check-consistency", "--old", "old.txt", "--new", "new.txt", "--key", log.VerifierKey, "--proof", "consistency.json");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("FAILED   consistency: ", result.StdoutLines[^2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConsistency_CheckpointsSwapped_ExitsOneWithFailedSizes()
    {
        using TestLog log = await ProveAsync();

        CliResult result = await _workspace.RunAsync(
            "log", "check-consistency", "--old", "new.txt", "--new", "old.txt", "--key", log.VerifierKey, "--proof", "consistency.json");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("FAILED   sizes: ", result.StdoutLines[^3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConsistency_WrongKey_ExitsOne()
    {
        await ProveAsync();

        CliResult result = await _workspace.RunAsync(
            "log", "check-consistency", "--old", "old.txt", "--new", "new.txt", "--key", TestLog.OtherVerifierKey(), "--proof", "consistency.json");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("FAILED   old-signature: ", result.StdoutLines[0], StringComparison.Ordinal);
        Assert.StartsWith("FAILED   new-signature: ", result.StdoutLines[2], StringComparison.Ordinal);
    }

    private async Task<TestLog> ProveAsync()
    {
        TestLog log = await TestLog.CreateAsync(_workspace);
        CliResult proof = await _workspace.RunCheckedAsync("log", "consistency", "--db", TestLog.DbName, "--from", "100", "--to", "150");
        _workspace.WriteText("consistency.json", proof.Stdout);
        _workspace.WriteBytes("old.txt", log.Checkpoint100);
        _workspace.WriteBytes("new.txt", log.Checkpoint150);
        return log;
    }
}
