using Microsoft.Data.Sqlite;
using NSec.Cryptography;

namespace TimeMark.EvidenceLog.Tests;

/// <summary>Shared helpers for the store and appender tests: a temp log file, a signing key, deterministic entries.</summary>
internal sealed class LogFixture : IDisposable
{
    public const string Origin = "timemark.test/log";

    private readonly TempDirectory _directory = new();

    public LogFixture()
    {
        Key = Key.Create(SignatureAlgorithm.Ed25519);
        Signer = new NoteSigner(Origin, Key);
        DbPath = _directory.File("log.db");
    }

    public Key Key { get; }

    public NoteSigner Signer { get; }

    public string DbPath { get; }

    public LogAppenderOptions Options(TimeSpan? checkpointInterval = null, int maxBatchSize = LogAppenderOptions.DefaultMaxBatchSize) => new()
    {
        Path = DbPath,
        Origin = Origin,
        MaxBatchSize = maxBatchSize,
        // Long by default so that tests decide when checkpoints are signed (CheckpointNowAsync, StopAsync).
        CheckpointInterval = checkpointInterval ?? TimeSpan.FromHours(1),
    };

    public Task<LogAppender> StartAsync(TimeSpan? checkpointInterval = null, int maxBatchSize = LogAppenderOptions.DefaultMaxBatchSize) =>
        LogAppender.StartAsync(Options(checkpointInterval, maxBatchSize), Signer);

    /// <summary>A ~300-byte message entry whose content depends only on <paramref name="index"/>.</summary>
    public static LogEntry Entry(long index)
    {
        byte[] payload = new byte[256];
        new Random((int)index).NextBytes(payload);
        return LogEntry.ForMessage($"sensors/{index % 7}", $"device-{index % 5}", 1_700_000_000_000UL + (ulong)index, payload);
    }

    /// <summary>The root of entries 0..size-1 (<see cref="Entry"/>) appended one by one in memory.</summary>
    public static Hash SequentialRoot(long size, Func<long, LogEntry>? entry = null)
    {
        var store = new MemoryHashStore();
        for (long i = 0; i < size; i++)
        {
            store.Append((entry ?? Entry)(i).Format());
        }

        return MerkleTree.TreeHash(size, store);
    }

    /// <summary>A raw connection to the log file, bypassing the store (to inspect or damage it).</summary>
    public SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public void Execute(string sql)
    {
        using SqliteConnection connection = OpenRaw();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        Key.Dispose();
        _directory.Dispose();
    }
}
