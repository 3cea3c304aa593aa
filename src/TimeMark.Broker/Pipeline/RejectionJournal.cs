using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace TimeMark.Broker.Pipeline;

/// <summary>
/// Rejection records on disk, so that they outlive the broker: one JSON object per line (<see cref="Rejection.WriteTo"/>)
/// in <see cref="FileName"/> in the data directory, written by a background thread in batches, each flushed to disk
/// (fsync) before the next. At start the newest records are read back.
/// </summary>
/// <remarks>
/// A rejection never waits for the disk. When the queue is full (bad messages arrive faster than the disk takes their
/// records) or the file cannot be written, the record is still kept in memory, logged and counted by reason, but not
/// saved; <see cref="Unsaved"/> counts those. The file is capped: once it passes the size limit it becomes
/// <see cref="PreviousFileName"/>, replacing the one before, so at most about twice the limit is kept.
/// </remarks>
public sealed partial class RejectionJournal : IAsyncDisposable
{
    public const string FileName = "rejections.jsonl";
    public const string PreviousFileName = "rejections.1.jsonl";

    /// <summary>Size at which the file is set aside: about 200,000 records of a few hundred bytes.</summary>
    public const long DefaultMaxFileBytes = 64L << 20;

    /// <summary>Records waiting for the disk at most.</summary>
    public const int QueueCapacity = 65_536;

    /// <summary>Records per write and fsync at most, so a flood still reaches the disk in steps of bounded size.</summary>
    private const int MaxBatch = 4096;

    /// <summary>Unsaved records are logged for the first and then once per this many.</summary>
    private const long UnsavedLogInterval = 10_000;

    private readonly Channel<Rejection> _queue = Channel.CreateBounded<Rejection>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });

    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _path;
    private readonly string _previousPath;
    private readonly long _maxFileBytes;
    private readonly ILogger<RejectionJournal> _logger;
    private FileStream? _file; // Written only by the journal's thread once started.
    private long _unsaved;

    private RejectionJournal(string directory, long maxFileBytes, ILogger<RejectionJournal> logger)
    {
        _path = Path.Combine(directory, FileName);
        _previousPath = Path.Combine(directory, PreviousFileName);
        _maxFileBytes = maxFileBytes;
        _logger = logger;
    }

    /// <summary>Opens the journal in <paramref name="directory"/>, creating it if needed, and starts its writer.</summary>
    /// <param name="keep">How many of the newest saved records to read back.</param>
    /// <param name="saved">The newest saved records, oldest first; lines that do not parse (a write cut short) are skipped and logged.</param>
    /// <exception cref="IOException">The file cannot be read or opened for writing; the message names it.</exception>
    public static RejectionJournal Open(string directory, int keep, ILogger<RejectionJournal> logger, out IReadOnlyList<Rejection> saved,
        long maxFileBytes = DefaultMaxFileBytes)
    {
        var journal = new RejectionJournal(directory, maxFileBytes, logger);
        try
        {
            saved = journal.ReadBack(keep);
            journal._file = journal.OpenForAppend();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"rejection journal {journal._path}: {e.Message}", e);
        }
        new Thread(journal.Run) { IsBackground = true, Name = "tm-rejections" }.UnsafeStart();
        return journal;
    }

    /// <summary>Records that were not saved: queue full, file not writable, or recorded after the journal stopped.</summary>
    public long Unsaved => Interlocked.Read(ref _unsaved);

    /// <summary>Queues a record for the disk; never waits.</summary>
    public void Append(Rejection rejection)
    {
        if (!_queue.Writer.TryWrite(rejection))
            CountUnsaved(1, "the queue to the disk is full or closed");
    }

    /// <summary>Saves what is queued, then closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopped.Task.ConfigureAwait(false);
    }

    private List<Rejection> ReadBack(int keep)
    {
        var newest = new Queue<Rejection>();
        foreach (string path in new[] { _previousPath, _path })
        {
            if (!File.Exists(path))
                continue;
            int unreadable = 0;
            foreach (string line in File.ReadLines(path, Encoding.UTF8))
            {
                if (line.Length == 0)
                    continue; // Left by OpenForAppend after a line cut short.
                if (!Rejection.TryParse(Encoding.UTF8.GetBytes(line), out Rejection? rejection))
                {
                    unreadable++;
                    continue;
                }
                if (newest.Count == keep)
                    newest.Dequeue();
                newest.Enqueue(rejection);
            }
            if (unreadable > 0)
                LogUnreadable(_logger, path, unreadable);
        }
        return [.. newest];
    }

    /// <summary>Opens the file at its end; a last line cut short by a crash is ended first, so the next record starts a line.</summary>
    private FileStream OpenForAppend()
    {
        var file = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            if (file.Length > 0)
            {
                file.Seek(-1, SeekOrigin.End);
                if (file.ReadByte() != '\n')
                    file.WriteByte((byte)'\n');
            }
            file.Seek(0, SeekOrigin.End);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private void Run()
    {
        var lines = new ArrayBufferWriter<byte>(64 * 1024);
        using var json = new Utf8JsonWriter(lines);
        ChannelReader<Rejection> queue = _queue.Reader;
        try
        {
            // A thread of its own: fsync blocks, and a flood of rejections must not hold the thread pool's workers.
            while (queue.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                lines.ResetWrittenCount();
                int count = 0;
                while (count < MaxBatch && queue.TryRead(out Rejection? rejection))
                {
                    json.Reset(lines);
                    rejection.WriteTo(json);
                    json.Flush();
                    lines.Write("\n"u8);
                    count++;
                }
                Save(lines.WrittenSpan, count);
            }
        }
        finally
        {
            _file?.Dispose();
            _stopped.TrySetResult();
        }
    }

    private void Save(ReadOnlySpan<byte> lines, int count)
    {
        try
        {
            _file ??= OpenForAppend();
            _file.Write(lines);
            _file.Flush(flushToDisk: true);
            if (_file.Length >= _maxFileBytes)
                SetAside();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Reopened for the next batch; a line this write left half done is ended then.
            _file?.Dispose();
            _file = null;
            CountUnsaved(count, e.Message);
        }
    }

    private void SetAside()
    {
        _file!.Dispose();
        _file = null;
        File.Move(_path, _previousPath, overwrite: true);
        _file = OpenForAppend();
    }

    private void CountUnsaved(long count, string reason)
    {
        long total = Interlocked.Add(ref _unsaved, count);
        if ((total - count) / UnsavedLogInterval != total / UnsavedLogInterval || total == count)
            LogUnsaved(_logger, _path, total, reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejection journal {Path}: {Count} unreadable lines skipped (a write cut short by a crash, or an edited file)")]
    private static partial void LogUnreadable(ILogger logger, string path, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejection journal {Path}: {Total} records so far not saved (kept in memory and logged only): {Reason}")]
    private static partial void LogUnsaved(ILogger logger, string path, long total, string reason);
}
