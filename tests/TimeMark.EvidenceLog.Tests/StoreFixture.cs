using NSec.Cryptography;

namespace TimeMark.EvidenceLog.Tests;

/// <summary>
/// Shared helpers for the store, appender and crash tests, one subclass per store (<see cref="LogFixture"/> for SQLite,
/// <see cref="PostgresLogFixture"/>): a fresh log (a temp SQLite file or a
/// PostgreSQL schema of its own), a signing key, deterministic entries, and raw SQL access to damage or inspect the log.
/// </summary>
internal abstract class StoreFixture : IDisposable
{
    public const string Origin = "timemark.test/log";

    protected StoreFixture()
    {
        Key = Key.Create(SignatureAlgorithm.Ed25519);
        Signer = new NoteSigner(Origin, Key);
    }

    public Key Key { get; }

    public NoteSigner Signer { get; }

    /// <summary>The database string for <see cref="LogAppenderOptions.Database"/> and <see cref="LogStore.OpenDatabaseAsync"/>.</summary>
    public abstract string Database { get; }

    /// <summary>The log name (PostgreSQL schema), or null for SQLite.</summary>
    public abstract string? LogName { get; }

    /// <summary>What <see cref="LogStore.Name"/> is, and so what every store error message must name.</summary>
    public abstract string StoreName { get; }

    public LogAppenderOptions Options(TimeSpan? checkpointInterval = null, int maxBatchSize = LogAppenderOptions.DefaultMaxBatchSize) => new()
    {
        Database = Database,
        LogName = LogName,
        Origin = Origin,
        MaxBatchSize = maxBatchSize,
        // Long by default so that tests decide when checkpoints are signed (CheckpointNowAsync, StopAsync).
        CheckpointInterval = checkpointInterval ?? TimeSpan.FromHours(1),
    };

    public Task<LogAppender> StartAsync(TimeSpan? checkpointInterval = null, int maxBatchSize = LogAppenderOptions.DefaultMaxBatchSize) =>
        LogAppender.StartAsync(Options(checkpointInterval, maxBatchSize), Signer);

    public Task<LogStore> OpenStoreAsync() => LogStore.OpenDatabaseAsync(Database, LogName);

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

    /// <summary>
    /// Runs <paramref name="sql"/> on a new connection to the log, bypassing the store. Table names are unqualified
    /// (entries, hashes, checkpoints, schema_version); parameters are written <c>@name</c>.
    /// </summary>
    public abstract void Execute(string sql, params (string Name, object Value)[] parameters);

    /// <summary>Runs a one-value query on a new connection (which sees only committed data).</summary>
    public abstract object? Scalar(string sql);

    public void Dispose()
    {
        Key.Dispose();
        DisposeLog();
    }

    /// <summary>Deletes the log (file or schema).</summary>
    protected abstract void DisposeLog();
}
