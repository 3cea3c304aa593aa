using System.Text.Json.Nodes;
using TimeMark.Cli.Tests.Log;

namespace TimeMark.Cli.Tests.Commands;

public sealed class LogCheckProofCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task CheckProof_ProveThenCheckWithEntry_ExitsZero()
    {
        using TestLog log = await ProveEntry17Async();

        CliResult result = await _workspace.RunAsync(
            "log", "check-proof", "--checkpoint", "checkpoint.txt", "--key", log.VerifierKey, "--proof", "proof.json", "--entry", "entry.bin");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            ["ok       signature", "ok       checkpoint", "ok       proof", "ok       entry", "ok       leaf-hash", "ok       tree-size", "ok       inclusion", "verdict"],
            result.StdoutLines.Select(line => line[..line.IndexOf(':', StringComparison.Ordinal)]));
        Assert.Equal("ok       inclusion: the path leads from leaf 17 to the checkpoint's root", result.StdoutLines[6]);
        Assert.Equal("verdict: PASSED (7 checks passed, 0 skipped)", result.StdoutLines[^1]);
    }

    [Fact]
    public async Task CheckProof_LeafHashAndKeyFile_ExitsZero()
    {
        using TestLog log = await ProveEntry17Async();
        _workspace.WriteText("log.vkey", log.VerifierKey + "\n");
        string leafHash = JsonNode.Parse(_workspace.ReadBytes("proof.json"))!["leaf_hash"]!.GetValue<string>();

        CliResult result = await _workspace.RunAsync(
            "log", "check-proof", "--checkpoint", "checkpoint.txt", "--key-file", "log.vkey", "--proof", "proof.json", "--leaf-hash", leafHash);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task CheckProof_OneProofHashFlipped_ExitsOneWithFailedInclusion()
    {
        using TestLog log = await ProveEntry17Async();
        JsonNode proof = JsonNode.Parse(_workspace.ReadBytes("proof.json"))!;
        byte[] hash = Convert.FromBase64String(proof["hashes"]![2]!.GetValue<string>());
        hash[5] ^= 0x01;
        proof["hashes"]![2] = Convert.ToBase64String(hash);
        _workspace.WriteText("proof.json", proof.ToJsonString());

        CliResult result = await _workspace.RunAsync(
            "log", "check-proof", "--checkpoint", "checkpoint.txt", "--key", log.VerifierKey, "--proof", "proof.json", "--entry", "entry.bin");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("ok       proof: ", result.StdoutLines[2], StringComparison.Ordinal);
        Assert.StartsWith("FAILED   inclusion: the path does not lead from leaf 17 ", result.StdoutLines[6], StringComparison.Ordinal);
        Assert.Equal("verdict: FAILED (1 of 7 checks failed)", result.StdoutLines[^1]);
    }

    [Fact]
    public async Task CheckProof_OtherEntry_ExitsOne()
    {
        using TestLog log = await ProveEntry17Async();
        _workspace.WriteBytes("entry.bin", TestLog.Entry(18).Format());

        CliResult result = await _workspace.RunAsync(
            "log", "check-proof", "--checkpoint", "checkpoint.txt", "--key", log.VerifierKey, "--proof", "proof.json", "--entry", "entry.bin");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("FAILED   leaf-hash: ", result.StdoutLines[4], StringComparison.Ordinal);
        Assert.StartsWith("FAILED   inclusion: ", result.StdoutLines[6], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckProof_WrongKey_ExitsOneWithFailedSignature()
    {
        using TestLog log = await ProveEntry17Async();

        CliResult result = await _workspace.RunAsync(
            "log", "check-proof", "--checkpoint", "checkpoint.txt", "--key", TestLog.OtherVerifierKey(), "--proof", "proof.json", "--entry", "entry.bin");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("FAILED   signature: no valid signature by timemark.test/cli-log+", result.StdoutLines[0], StringComparison.Ordinal);
        Assert.Equal("verdict: FAILED (1 of 7 checks failed)", result.StdoutLines[^1]);
    }

    [Fact]
    public async Task CheckProof_ProofForOtherTreeSize_ExitsOneWithFailedTreeSize()
    {
        using TestLog log = await ProveEntry17Async();
        _workspace.WriteBytes("checkpoint.txt", log.Checkpoint100);

        CliResult result = await _workspace.RunAsync(
            "log", "check-proof", "--checkpoint", "checkpoint.txt", "--key", log.VerifierKey, "--proof", "proof.json", "--entry", "entry.bin");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("FAILED   tree-size: the proof is for tree size 150, the checkpoint is of 100", result.StdoutLines[5]);
        Assert.StartsWith("skipped  inclusion: ", result.StdoutLines[6], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckProof_ProofNotJson_ExitsOneWithFailedProof()
    {
        using TestLog log = await ProveEntry17Async();
        _workspace.WriteText("proof.json", "{\"leaf_index\":17}");

        CliResult result = await _workspace.RunAsync(
            "log", "check-proof", "--checkpoint", "checkpoint.txt", "--key", log.VerifierKey, "--proof", "proof.json", "--entry", "entry.bin");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("FAILED   proof: proof.json is not an inclusion proof (MissingField)", result.StdoutLines[2]);
    }

    [Fact]
    public async Task CheckProof_BothEntryAndLeafHash_ExitsTwo()
    {
        CliResult result = await _workspace.RunAsync(
            "log", "check-proof", "--checkpoint", "c.txt", "--key", "k", "--proof", "p.json", "--entry", "e.bin", "--leaf-hash", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("exactly one of them", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckProof_LeafHashNotCanonicalBase64_ExitsTwo()
    {
        CliResult result = await _workspace.RunAsync(
            "log", "check-proof", "--checkpoint", "c.txt", "--key", "k", "--proof", "p.json", "--leaf-hash", "AAAA");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--leaf-hash \"AAAA\" is not the standard base64 of a 32-byte hash", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckProof_NoKey_ExitsTwo()
    {
        CliResult result = await _workspace.RunAsync("log", "check-proof", "--checkpoint", "c.txt", "--proof", "p.json", "--entry", "e.bin");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("give --key VKEY or --key-file FILE", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckProof_MissingCheckpointFile_ExitsTwo()
    {
        using TestLog log = await ProveEntry17Async();

        CliResult result = await _workspace.RunAsync(
            "log", "check-proof", "--checkpoint", "nope.txt", "--key", log.VerifierKey, "--proof", "proof.json", "--entry", "entry.bin");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("timemark: nope.txt: cannot read: no such file\n", result.Stderr);
    }

    // The log, entry 17 exported, its proof against the latest checkpoint (150), and that checkpoint in checkpoint.txt.
    private async Task<TestLog> ProveEntry17Async()
    {
        TestLog log = await TestLog.CreateAsync(_workspace);
        CliResult proof = await _workspace.RunCheckedAsync("log", "prove", "--db", TestLog.DbName, "--index", "17");
        _workspace.WriteText("proof.json", proof.Stdout);
        await _workspace.RunCheckedAsync("log", "export-entry", "--db", TestLog.DbName, "--index", "17", "--out", "entry.bin");
        _workspace.WriteBytes("checkpoint.txt", log.Checkpoint150);
        return log;
    }
}
