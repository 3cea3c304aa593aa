using Microsoft.Data.Sqlite;
using NSec.Cryptography;
using TimeMark.EvidenceLog;

namespace TimeMark.Cli.Tests.Log;

/// <summary>
/// A real evidence log in a test's folder, written by <see cref="LogAppender"/> with an Ed25519 checkpoint key:
/// 100 entries, stop, reopen, 50 more, stop. It holds checkpoints of sizes 0 (signed at start), 100 and 150.
/// </summary>
internal sealed class TestLog : IDisposable
{
    public const string Origin = "timemark.test/cli-log";
    public const string DbName = "log.db";
    public const int FirstRun = 100;
    public const int Size = 150;

    private readonly Key _key = KeyWithPlusInVerifierKey();

    private TestLog(string dbPath) => DbPath = dbPath;

    public string DbPath { get; }

    /// <summary>The log's verifier key (C2SP signed-note vkey).</summary>
    public string VerifierKey => new NoteSigner(Origin, _key).Verifier.Format();

    /// <summary>The signed checkpoint after the first run (size 100), as note bytes.</summary>
    public byte[] Checkpoint100 { get; private set; } = [];

    /// <summary>The final signed checkpoint (size 150), as note bytes.</summary>
    public byte[] Checkpoint150 { get; private set; } = [];

    public static async Task<TestLog> CreateAsync(CliWorkspace workspace)
    {
        var log = new TestLog(workspace.PathOf(DbName));
        var signer = new NoteSigner(Origin, log._key);
        // A long interval: checkpoints are signed only at start (empty log) and at each stop.
        var options = new LogAppenderOptions { Path = log.DbPath, Origin = Origin, CheckpointInterval = TimeSpan.FromHours(1) };
        log.Checkpoint100 = await AppendAsync(options, signer, 0, FirstRun);
        log.Checkpoint150 = await AppendAsync(options, signer, FirstRun, Size);
        return log;
    }

    /// <summary>A ~300-byte message entry whose content depends only on <paramref name="index"/>.</summary>
    public static LogEntry Entry(long index)
    {
        byte[] payload = new byte[256];
        new Random((int)index).NextBytes(payload);
        return LogEntry.ForMessage($"sensors/{index % 7}", $"device-{index % 5}", 1_700_000_000_000UL + (ulong)index, payload);
    }

    /// <summary>The checkpoint inside a signed note (the test's own notes, so they parse).</summary>
    public static Checkpoint ParseCheckpoint(byte[] note)
    {
        Assert.True(SignedNote.TryParse(note, out SignedNote? signed, out ParseError error), error.ToString());
        Assert.True(TimeMark.EvidenceLog.Checkpoint.TryParse(signed.Text, out Checkpoint? checkpoint, out error), error.ToString());
        return checkpoint;
    }

    /// <summary>A verifier key with the log's name but another key: what an impostor would publish.</summary>
    public static string OtherVerifierKey()
    {
        using Key other = Key.Create(SignatureAlgorithm.Ed25519);
        return new NoteSigner(Origin, other).Verifier.Format();
    }

    /// <summary>Runs one SQL statement on the log file directly, bypassing TimeMark (to damage it).</summary>
    public void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ToString());
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, object value) in parameters)
            command.Parameters.AddWithValue(name, value);
        Assert.Equal(1, command.ExecuteNonQuery());
    }

    public void Dispose() => _key.Dispose();

    // A key whose verifier key's base64 holds a '+', so that every test covers the keys NoteVerifier.TryParse refuses
    // (it splits on every '+'); the CLI must accept them. About half of all keys qualify.
    private static Key KeyWithPlusInVerifierKey()
    {
        while (true)
        {
            var key = Key.Create(SignatureAlgorithm.Ed25519);
            if (new NoteSigner(Origin, key).Verifier.Format().Split('+', 3)[2].Contains('+', StringComparison.Ordinal))
                return key;
            key.Dispose();
        }
    }

    private static async Task<byte[]> AppendAsync(LogAppenderOptions options, NoteSigner signer, int from, int to)
    {
        LogAppender appender = await LogAppender.StartAsync(options, signer);
        await using (appender)
        {
            await Task.WhenAll(Enumerable.Range(from, to - from).Select(i => appender.FillAsync(appender.Reserve(), Entry(i))));
            await appender.StopAsync();
            return appender.LatestCheckpoint.Format();
        }
    }
}
