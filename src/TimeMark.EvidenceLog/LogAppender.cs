// The evidence log's one sequencer (house style rule 15): a Channel<T> read by one consumer that orders filled
// slots, group-commits the contiguous prefix to the store, and signs C2SP tlog-checkpoint notes.
//
// Index reservation is separate from filling, so the broker can sign LOG_INDEX (inside its token) in parallel
// before the entry exists: Reserve() is a lock-free counter, FillAsync/VoidAsync hand the formatted entry to
// the sequencer, and the returned task completes once the entry is in a committed (fsynced) transaction.
// The store only ever holds a contiguous prefix 0..TreeSize-1; a filled slot after a gap waits for the gap.
//
// Reuse of indexes after a crash: reserved-but-not-durable indexes are handed out again after a restart. That is
// safe under the broker's contract: a message (and the token naming its LOG_INDEX) is forwarded and acknowledged
// only after its FillAsync task completed, i.e. only for durable indexes.

using System.Threading.Channels;

namespace TimeMark.EvidenceLog;

/// <summary>
/// Appends entries to an evidence log: reserve an index, fill it (in any order, from any thread), await durability.
/// Signs a checkpoint of the durable tree at most once per <see cref="LogAppenderOptions.CheckpointInterval"/> while it grows.
/// </summary>
public sealed class LogAppender : IAsyncDisposable
{
    // Written by any thread (FillAsync, VoidAsync, the ticker, shutdown); read only by the sequencer.
    private readonly Channel<Command> _channel = Channel.CreateUnbounded<Command>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = false });

    // Immutable after construction; read by the sequencer (and _timeProvider also by VoidAsync callers).
    private readonly NoteSigner _signer;
    private readonly string _origin;
    private readonly int _maxBatchSize;
    private readonly TimeProvider _timeProvider;

    // Cancels the checkpoint ticker at shutdown. Created in the constructor, cancelled by ShutdownAsync.
    private readonly CancellationTokenSource _tickerStop = new();

    // The next index to hand out; bitwise complement (~count, negative) once stopping. Any thread, Interlocked only.
    private long _reservation;

    // Set once by the sequencer when storage fails, before it refuses further commands; read by anyone.
    private Exception? _failure;

    // The latest signed checkpoint. Written only by the sequencer (and the constructor); read by anyone.
    private SignedNote _latestCheckpoint;

    // Sequencer-owned: filled slots not yet committed, by index, and the tree size of _latestCheckpoint.
    private readonly Dictionary<long, Command> _pending = [];
    private readonly PendingEntry[] _batch;
    private readonly List<TaskCompletionSource> _batchWaiters = [];
    private long _checkpointSize;

    // The consumer and ticker tasks, awaited by ShutdownAsync. Set once in Start.
    private Task _sequencer = Task.CompletedTask;
    private Task _ticker = Task.CompletedTask;

    // Set once by StopAsync/DisposeAsync, so shutdown runs once and later callers await the same task. Guarded by _shutdownLock.
    private readonly Lock _shutdownLock = new();
    private Task? _shutdown;

    private LogAppender(LogStore store, NoteSigner signer, LogAppenderOptions options, SignedNote latest, long checkpointSize)
    {
        Store = store;
        _batch = new PendingEntry[options.MaxBatchSize];
        _signer = signer;
        _origin = options.Origin;
        _maxBatchSize = options.MaxBatchSize;
        _timeProvider = options.TimeProvider;
        _latestCheckpoint = latest;
        _checkpointSize = checkpointSize;
        _reservation = store.TreeSize;
    }

    private enum CommandKind
    {
        Fill,
        Tick,
        Checkpoint,
        Stop,
    }

    /// <summary>The store, for reads (entries, proofs, checkpoints). Owned by the appender and disposed with it.</summary>
    public LogStore Store { get; }

    /// <summary>The number of durable entries.</summary>
    public long TreeSize => Store.TreeSize;

    /// <summary>
    /// The storage failure that stopped the sequencer (an <see cref="InvalidOperationException"/> naming its cause), or null while
    /// the log works. Once set, every fill faults with it: the log takes no more entries until it is started again.
    /// </summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Completes when the sequencer stops: after a stop, or faulted with <see cref="Failure"/> once storage failed.</summary>
    public Task Stopped => _sequencer;

    /// <summary>The number of indexes reserved so far (durable, pending and unfilled).</summary>
    public long ReservedCount
    {
        get
        {
            long value = Volatile.Read(ref _reservation);
            return value >= 0 ? value : ~value;
        }
    }

    /// <summary>Raised on the sequencer after each checkpoint is signed and stored. For tests: handlers must be quick and not throw.</summary>
    internal event Action<SignedNote>? CheckpointSigned;

    /// <summary>The latest signed checkpoint (C2SP tlog-checkpoint note). Never null once started.</summary>
    public SignedNote LatestCheckpoint => Volatile.Read(ref _latestCheckpoint);

    /// <summary>
    /// Opens (or creates) the log in <see cref="LogAppenderOptions.Database"/> (SQLite or PostgreSQL, see <see cref="LogStore.OpenDatabaseAsync"/>),
    /// claims it as its one writer and starts its sequencer. The counter resumes at the durable size. If the log has no
    /// checkpoint yet, one of the current tree is signed first.
    /// </summary>
    /// <param name="options">Validated here.</param>
    /// <param name="signer">The log's checkpoint key; its name should be the origin. The caller keeps owning the key.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="InvalidDataException">
    /// The store cannot be opened (see <see cref="LogStore.OpenDatabaseAsync"/>), another appender holds the PostgreSQL log, the
    /// PostgreSQL server does not make commits durable, or the latest checkpoint has another origin or is not signed by <paramref name="signer"/>.
    /// </exception>
    public static async Task<LogAppender> StartAsync(LogAppenderOptions options, NoteSigner signer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(signer);
        options.Validate();
        LogStore store = await LogStore.OpenDatabaseAsync(options.Database, options.LogName, cancellationToken).ConfigureAwait(false);
        try
        {
            await store.PrepareForWritingAsync(cancellationToken).ConfigureAwait(false);
            SignedNote latest;
            long checkpointSize;
            byte[]? stored = await store.ReadLatestCheckpointAsync(cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                checkpointSize = store.TreeSize;
                latest = await SignCheckpointAsync(store, options.Origin, signer, checkpointSize).ConfigureAwait(false);
            }
            else
            {
                // The store already checked that the note parses and matches the tree.
                if (!SignedNote.TryParse(stored, out SignedNote? note, out _)
                    || !Checkpoint.TryParse(note.Text, out Checkpoint? checkpoint, out _)
                    || checkpoint.Origin != options.Origin
                    || !note.Verify([signer.Verifier]))
                {
                    throw Errors.StoreProblem(store.Name, $"latest checkpoint is not one of origin '{options.Origin}' signed by {signer}");
                }

                latest = note;
                checkpointSize = checkpoint.TreeSize;
                if (checkpointSize < store.TreeSize)
                {
                    // Entries made durable after the last checkpoint (a crash between commit and signing)
                    // are covered at once, not only when the next entry arrives.
                    checkpointSize = store.TreeSize;
                    latest = await SignCheckpointAsync(store, options.Origin, signer, checkpointSize).ConfigureAwait(false);
                }
            }

            var appender = new LogAppender(store, signer, options, latest, checkpointSize);
            appender.Start(options.CheckpointInterval);
            return appender;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reserves the next index. Lock-free; the caller must later fill or void it.</summary>
    /// <exception cref="ObjectDisposedException">The log is stopping.</exception>
    public long Reserve()
    {
        long current = Volatile.Read(ref _reservation);
        while (true)
        {
            if (current < 0)
            {
                throw Errors.LogStopping();
            }

            long seen = Interlocked.CompareExchange(ref _reservation, current + 1, current);
            if (seen == current)
            {
                return current;
            }

            current = seen;
        }
    }

    /// <summary>
    /// Fills reserved index <paramref name="index"/> with <paramref name="entry"/>. The entry is formatted and hashed on the
    /// calling thread. The task completes when the entry is durable (every earlier index too), and faults if the log stops
    /// or fails first, or if the index was already filled.
    /// </summary>
    /// <param name="index">A value returned by <see cref="Reserve"/>.</param>
    /// <param name="entry">The entry.</param>
    /// <param name="cancellationToken">Cancels waiting only: the entry is still appended.</param>
    /// <exception cref="ArgumentOutOfRangeException">The index was not reserved.</exception>
    public Task FillAsync(long index, LogEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (index < 0 || index >= ReservedCount)
        {
            throw Errors.OutOfRange(nameof(index), index, $"index must have been reserved (0..{ReservedCount - 1})");
        }

        byte[] bytes = entry.Format();
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_channel.Writer.TryWrite(new Command(CommandKind.Fill, index, new PendingEntry(bytes, MerkleHash.Leaf(bytes)), completion)))
        {
            // The sequencer has exited; if it failed, its exception is the LogFailed error every waiter got.
            return Task.FromException(Failure ?? Errors.LogStopping());
        }

        return cancellationToken.CanBeCanceled ? completion.Task.WaitAsync(cancellationToken) : completion.Task;
    }

    /// <summary>
    /// Fills reserved index <paramref name="index"/> with a void entry (INGESTION_TIME now) because it can no longer be
    /// filled with its message; an index is never left as a hole. Completes like <see cref="FillAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The reason is empty or too long (see <see cref="LogEntry.ForVoid"/>).</exception>
    public Task VoidAsync(long index, string reason, CancellationToken cancellationToken = default)
    {
        ulong now = (ulong)Math.Max(0, _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        return FillAsync(index, LogEntry.ForVoid(reason, now), cancellationToken);
    }

    /// <summary>
    /// Stops reserving, waits until every reserved index is filled and durable, signs a final checkpoint and closes the
    /// store. If <paramref name="cancellationToken"/> fires first, stops at once like <see cref="DisposeAsync"/>.
    /// Rethrows a storage failure that stopped the sequencer.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task shutdown = BeginShutdown(graceful: true);
        try
        {
            await shutdown.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Abort: the sequencer commits what is contiguous, signs, and faults the rest.
            _channel.Writer.TryComplete();
            await shutdown.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops at once: commits the contiguous filled prefix, signs a final checkpoint, faults the tasks of entries after a gap,
    /// and closes the store. Storage failures are not rethrown here; use <see cref="StopAsync"/> to observe them.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Task shutdown = BeginShutdown(graceful: false);
        _channel.Writer.TryComplete();
        try
        {
            await shutdown.ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // The sequencer's storage failure (Errors.LogFailed); already delivered to every waiting FillAsync task.
        }
    }

    /// <summary>Signs a checkpoint of the durable tree now if it grew, ignoring the interval; returns the latest. For tests.</summary>
    internal async Task<SignedNote> CheckpointNowAsync()
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_channel.Writer.TryWrite(new Command(CommandKind.Checkpoint, 0, default, completion)))
        {
            throw Errors.LogStopping();
        }

        await completion.Task.ConfigureAwait(false);
        return LatestCheckpoint;
    }

    private static async Task<SignedNote> SignCheckpointAsync(LogStore store, string origin, NoteSigner signer, long treeSize)
    {
        var checkpoint = new Checkpoint(origin, treeSize, await store.ReadTreeHashAsync(treeSize).ConfigureAwait(false));
        SignedNote note = SignedNote.Sign(checkpoint.Format(), signer);
        await store.AddCheckpointAsync(treeSize, note.Format()).ConfigureAwait(false);
        return note;
    }

    private void Start(TimeSpan checkpointInterval)
    {
        _sequencer = Task.Run(RunSequencerAsync);
        _ticker = Task.Run(() => RunTickerAsync(checkpointInterval, _tickerStop.Token));
    }

    private Task BeginShutdown(bool graceful)
    {
        // Forbid new reservations: flip the counter to its complement once.
        long current = Volatile.Read(ref _reservation);
        while (current >= 0)
        {
            long seen = Interlocked.CompareExchange(ref _reservation, ~current, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }

        if (graceful)
        {
            _channel.Writer.TryWrite(new Command(CommandKind.Stop, 0, default, null));
        }

        lock (_shutdownLock)
        {
            return _shutdown ??= ShutdownAsync();
        }
    }

    private async Task ShutdownAsync()
    {
        try
        {
            await _sequencer.ConfigureAwait(false);
        }
        finally
        {
            await _tickerStop.CancelAsync().ConfigureAwait(false);
            await _ticker.ConfigureAwait(false);
            _tickerStop.Dispose();
            await Store.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RunTickerAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, _timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false)
                && _channel.Writer.TryWrite(new Command(CommandKind.Tick, 0, default, null)))
            {
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    // The sequencer: the only code that writes to the store after StartAsync.
    private async Task RunSequencerAsync()
    {
        ChannelReader<Command> reader = _channel.Reader;
        bool stopping = false;
        var checkpointWaiters = new List<TaskCompletionSource>();
        try
        {
            while (true)
            {
                bool tick = false;
                while (reader.TryRead(out Command command))
                {
                    switch (command.Kind)
                    {
                        case CommandKind.Fill:
                            Accept(command);
                            break;
                        case CommandKind.Tick:
                            tick = true;
                            break;
                        case CommandKind.Checkpoint:
                            checkpointWaiters.Add(command.Completion!);
                            break;
                        case CommandKind.Stop:
                            stopping = true;
                            break;
                    }
                }

                await CommitContiguousAsync().ConfigureAwait(false);
                if (tick || checkpointWaiters.Count > 0)
                {
                    await CheckpointIfGrownAsync().ConfigureAwait(false);
                    checkpointWaiters.ForEach(waiter => waiter.TrySetResult());
                    checkpointWaiters.Clear();
                }

                if (stopping && TreeSize == ReservedCount)
                {
                    break;
                }

                if (!await reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    // Completed by DisposeAsync or an aborted StopAsync.
                    break;
                }
            }

            // Refuse further commands, then take what was written before that.
            _channel.Writer.TryComplete();
            while (reader.TryRead(out Command command))
            {
                if (command.Kind == CommandKind.Fill)
                {
                    Accept(command);
                }
                else if (command.Completion is { } waiter)
                {
                    checkpointWaiters.Add(waiter);
                }
            }

            await CommitContiguousAsync().ConfigureAwait(false);
            await CheckpointIfGrownAsync().ConfigureAwait(false);
            checkpointWaiters.ForEach(waiter => waiter.TrySetResult());
            foreach ((long index, Command command) in _pending)
            {
                command.Completion!.TrySetException(Errors.NotCommitted(index));
            }
        }
        catch (Exception e)
        {
            // Storage failed: nothing after the failed batch can be committed in order, so fail every waiter.
            Exception failure = Errors.LogFailed(e);
            Volatile.Write(ref _failure, failure);
            _channel.Writer.TryComplete(e);
            foreach (TaskCompletionSource waiter in _batchWaiters.Concat(_pending.Values.Select(c => c.Completion!)).Concat(checkpointWaiters))
            {
                waiter.TrySetException(failure);
            }

            while (reader.TryRead(out Command command))
            {
                command.Completion?.TrySetException(failure);
            }

            throw failure;
        }
        finally
        {
            _pending.Clear();
        }
    }

    private void Accept(Command command)
    {
        if (command.Index < TreeSize || !_pending.TryAdd(command.Index, command))
        {
            command.Completion!.TrySetException(Errors.AlreadyFilled(command.Index));
        }
    }

    // Commits the contiguous run of filled slots at the tree's end, in batches of at most _maxBatchSize.
    private async Task CommitContiguousAsync()
    {
        while (true)
        {
            _batchWaiters.Clear();
            long next = TreeSize;
            int count = 0;
            while (count < _maxBatchSize && _pending.Remove(next + count, out Command command))
            {
                _batch[count++] = command.Entry;
                _batchWaiters.Add(command.Completion!);
            }

            if (count == 0)
            {
                return;
            }

            await Store.AppendAsync(_batch.AsMemory(0, count)).ConfigureAwait(false);
            Array.Clear(_batch, 0, count);
            foreach (TaskCompletionSource waiter in _batchWaiters)
            {
                waiter.TrySetResult();
            }

            _batchWaiters.Clear();
        }
    }

    private async Task CheckpointIfGrownAsync()
    {
        // Checkpoints strictly advance: a size is signed once, and only sizes of the one append-only tree.
        long size = TreeSize;
        if (size > _checkpointSize)
        {
            SignedNote note = await SignCheckpointAsync(Store, _origin, _signer, size).ConfigureAwait(false);
            Volatile.Write(ref _latestCheckpoint, note);
            _checkpointSize = size;
            CheckpointSigned?.Invoke(note);
        }
    }

    private readonly record struct Command(CommandKind Kind, long Index, PendingEntry Entry, TaskCompletionSource? Completion);
}
