using NSec.Cryptography;
using TimeMark.EvidenceLog;

namespace TimeMark.Bench.EvidenceLog;

/// <summary>A fresh evidence log in a temp folder on the local disk, for one benchmark class; deleted on dispose.</summary>
internal sealed class BenchLog : IAsyncDisposable
{
    public const string Origin = "timemark.bench/log";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("timemark-bench-");
    private readonly Key _key = Key.Create(SignatureAlgorithm.Ed25519);

    private BenchLog() => Signer = new NoteSigner(Origin, _key);

    public NoteSigner Signer { get; }

    public LogAppender Appender { get; private set; } = null!;

    public string DbPath => Path.Combine(_directory.FullName, "log.db");

    public static async Task<BenchLog> StartAsync(int maxBatchSize = LogAppenderOptions.DefaultMaxBatchSize)
    {
        var log = new BenchLog();
        var options = new LogAppenderOptions { Path = log.DbPath, Origin = Origin, MaxBatchSize = maxBatchSize };
        log.Appender = await LogAppender.StartAsync(options, log.Signer);
        return log;
    }

    /// <summary>A ~300-byte message entry (256-byte payload), as LogFixture.Entry in the tests.</summary>
    public static LogEntry Entry(long index)
    {
        byte[] payload = new byte[256];
        new Random((int)index).NextBytes(payload);
        return LogEntry.ForMessage($"sensors/{index % 7}", $"device-{index % 5}", 1_700_000_000_000UL + (ulong)index, payload);
    }

    /// <summary>Appends <paramref name="entries"/>, all in flight at once, and waits until they are durable.</summary>
    public Task AppendAsync(LogEntry[] entries)
    {
        var tasks = new Task[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            tasks[i] = Appender.FillAsync(Appender.Reserve(), entries[i]);
        }

        return Task.WhenAll(tasks);
    }

    public async ValueTask DisposeAsync()
    {
        await Appender.StopAsync();
        _key.Dispose();
        _directory.Delete(recursive: true);
    }
}
