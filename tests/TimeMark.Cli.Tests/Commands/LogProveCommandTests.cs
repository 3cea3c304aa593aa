using TimeMark.Cli.Tests.Log;
using TimeMark.EvidenceLog;

namespace TimeMark.Cli.Tests.Commands;

public sealed class LogProveCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Prove_NoSize_ProvesAgainstTheLatestCheckpoint()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);

        CliResult result = await _workspace.RunAsync("log", "prove", "--db", TestLog.DbName, "--index", "17");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(InclusionProofJson.TryParse(System.Text.Encoding.UTF8.GetBytes(result.Stdout), out InclusionProofJson? proof, out _));
        Assert.Equal(17, proof.LeafIndex);
        Assert.Equal(TestLog.Size, proof.TreeSize);
        Assert.Equal(MerkleHash.Leaf(TestLog.Entry(17).Format()), proof.LeafHash);
        Assert.True(proof.Verify(proof.LeafHash, TestLog.ParseCheckpoint(log.Checkpoint150).RootHash));
        Assert.Equal(proof.Format() + "\n", result.Stdout);
    }

    [Fact]
    public async Task Prove_IndexNotBelowSize_ExitsTwo()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);

        CliResult result = await _workspace.RunAsync("log", "prove", "--db", TestLog.DbName, "--index", "100", "--size", "100");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("timemark: --index 100 is not below the tree size 100\n", result.Stderr);
    }

    [Fact]
    public async Task Prove_SizeBeyondLog_ExitsTwo()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);

        CliResult result = await _workspace.RunAsync("log", "prove", "--db", TestLog.DbName, "--index", "1", "--size", "151");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("timemark: --size 151 is beyond the 150 entries of log.db\n", result.Stderr);
    }

    [Fact]
    public async Task Consistency_ProvesBetweenStoredCheckpoints()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);

        CliResult result = await _workspace.RunAsync("log", "consistency", "--db", TestLog.DbName, "--from", "100", "--to", "150");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(ConsistencyProofJson.TryParse(System.Text.Encoding.UTF8.GetBytes(result.Stdout), out ConsistencyProofJson? proof, out _));
        Assert.True(proof.Verify(TestLog.ParseCheckpoint(log.Checkpoint100).RootHash, TestLog.ParseCheckpoint(log.Checkpoint150).RootHash));
    }

    [Fact]
    public async Task Consistency_FromAfterTo_ExitsTwo()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);

        CliResult result = await _workspace.RunAsync("log", "consistency", "--db", TestLog.DbName, "--from", "120", "--to", "100");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("timemark: --from 120 is greater than --to 100\n", result.Stderr);
    }

    [Fact]
    public async Task ExportEntry_WritesTheStoredBytes()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);

        CliResult result = await _workspace.RunAsync("log", "export-entry", "--db", TestLog.DbName, "--index", "42", "--out", "e.bin");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(TestLog.Entry(42).Format(), _workspace.ReadBytes("e.bin"));
    }
}
