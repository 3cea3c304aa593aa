using TimeMark.Cli.Tests.Log;

namespace TimeMark.Cli.Tests.Commands;

public sealed class LogVerifyCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Verify_IntactLogWithKey_ExitsZeroWithSummary()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);

        CliResult result = await _workspace.RunAsync("log", "verify", "--db", TestLog.DbName, "--key", log.VerifierKey);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            [
                "ok       entries: 150 entries are valid log entries and match their stored leaf hashes",
                "ok       hashes: 296 stored hashes match the hashes recomputed from the entries",
                "ok       checkpoints: 3 checkpoints (tree sizes 0 to 150, origin timemark.test/cli-log) match the recomputed roots; signatures verify",
            ],
            result.StdoutLines[..3]);
        Assert.StartsWith("tree: 150 entries, root ", result.StdoutLines[3], StringComparison.Ordinal);
        Assert.Equal("verdict: PASSED", result.StdoutLines[4]);
        Assert.Empty(result.Stderr);
    }

    [Fact]
    public async Task Verify_KeyFile_ExitsZero()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);
        _workspace.WriteText("log.vkey", log.VerifierKey + "\n");

        CliResult result = await _workspace.RunAsync("log", "verify", "--db", TestLog.DbName, "--key-file", "log.vkey");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.EndsWith("; signatures verify", result.StdoutLines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_KeyAndKeyFile_ExitsTwo()
    {
        CliResult result = await _workspace.RunAsync("log", "verify", "--db", "x.db", "--key", "k", "--key-file", "k.vkey");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not both", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_NoKey_ExitsZeroSayingSignaturesWereNotChecked()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);

        CliResult result = await _workspace.RunAsync("log", "verify", "--db", TestLog.DbName);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.EndsWith("signatures not checked (no --key)", result.StdoutLines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_EntryByteChanged_ExitsOneNamingTheEntry()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);
        byte[] entry = TestLog.Entry(17).Format();
        entry[^1] ^= 0x01; // the last payload byte: still a valid entry, so only the hashes can tell
        log.Execute("UPDATE entries SET entry = $entry WHERE idx = 17", ("$entry", entry));

        CliResult result = await _workspace.RunAsync("log", "verify", "--db", TestLog.DbName);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("FAILED   entry 17: stored leaf hash ", result.StdoutLines[0], StringComparison.Ordinal);
        Assert.Contains(" but SHA-256(0x00 || entry) is ", result.StdoutLines[0], StringComparison.Ordinal);
        Assert.StartsWith("verdict: FAILED", result.StdoutLines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_EntryNotCbor_ExitsOneNamingTheEntry()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);
        log.Execute("UPDATE entries SET entry = x'ff' WHERE idx = 3");

        CliResult result = await _workspace.RunAsync("log", "verify", "--db", TestLog.DbName);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("FAILED   entry 3: not a valid log entry (NotDeterministicCbor)", result.StdoutLines[0]);
    }

    [Fact]
    public async Task Verify_StoredHashChanged_ExitsOneNamingTheStorageIndex()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);
        // Storage index 40 is the level-1 hash written with entry 21 (StoredHashIndex(0, 21) = 39).
        log.Execute("UPDATE hashes SET hash = zeroblob(32) WHERE idx = 40");

        CliResult result = await _workspace.RunAsync("log", "verify", "--db", TestLog.DbName);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(
            "FAILED   stored hash 40 (level 1, written with entry 21): stored 0000000000000000000000000000000000000000000000000000000000000000 but recomputed ",
            result.StdoutLines[0],
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_StoredHashMissing_ExitsOneNamingTheStorageIndex()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);
        log.Execute("DELETE FROM hashes WHERE idx = 100");

        CliResult result = await _workspace.RunAsync("log", "verify", "--db", TestLog.DbName);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"^FAILED   stored hash 100 \(level \d+, written with entry \d+\): missing$", result.StdoutLines[0]);
    }

    [Fact]
    public async Task Verify_CheckpointRootChanged_ExitsOneNamingTheCheckpointSize()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);
        string note = System.Text.Encoding.UTF8.GetString(log.Checkpoint100);
        string[] lines = note.Split('\n');
        string zeros = Convert.ToBase64String(new byte[32]);
        log.Execute("UPDATE checkpoints SET note = $note WHERE tree_size = 100", ("$note", note.Replace(lines[2], zeros, StringComparison.Ordinal)));

        CliResult result = await _workspace.RunAsync("log", "verify", "--db", TestLog.DbName, "--key", log.VerifierKey);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"FAILED   checkpoint 100: root {zeros} but the entries give {lines[2]}", result.StdoutLines[0]);
    }

    [Fact]
    public async Task Verify_OtherKey_ExitsOneNamingTheFirstCheckpoint()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);
        CliResult result = await _workspace.RunAsync("log", "verify", "--db", TestLog.DbName, "--key", TestLog.OtherVerifierKey());

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("FAILED   checkpoint 0: signature does not verify with timemark.test/cli-log+", result.StdoutLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_NotADatabase_ExitsTwoNamingTheFile()
    {
        _workspace.WriteText("junk.db", "this is not a SQLite database, just text that is long enough to fill a header........");

        CliResult result = await _workspace.RunAsync("log", "verify", "--db", "junk.db");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.StartsWith("timemark: evidence log store '", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("junk.db': the file is not a SQLite database", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_MissingFile_ExitsTwoWithoutCreatingIt()
    {
        CliResult result = await _workspace.RunAsync("log", "verify", "--db", "missing.db");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("missing.db': no such file", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_workspace.PathOf("missing.db")));
    }

    [Fact]
    public async Task Verify_MalformedKey_ExitsTwo()
    {
        using TestLog log = await TestLog.CreateAsync(_workspace);

        CliResult result = await _workspace.RunAsync("log", "verify", "--db", TestLog.DbName, "--key", "not-a-key");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("timemark: --key: not a signed-note verifier key (name+hex8+base64 of 0x01 and an Ed25519 public key): MalformedVerifierKey\n", result.Stderr);
    }
}
