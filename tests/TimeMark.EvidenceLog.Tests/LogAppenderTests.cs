using System.Diagnostics;
using Xunit.Abstractions;

namespace TimeMark.EvidenceLog.Tests;

/// <summary>
/// The sequencer on every store: <see cref="SqliteLogAppenderTests"/> and <see cref="PostgresLogAppenderTests"/> run these tests.
/// </summary>
public abstract class LogAppenderTests(ITestOutputHelper output)
{
    private protected abstract StoreFixture CreateFixture();

    private static Checkpoint ParseCheckpoint(SignedNote note)
    {
        Assert.True(Checkpoint.TryParse(note.Text, out Checkpoint? checkpoint, out _));
        return checkpoint;
    }

    [Fact]
    public async Task FillAsync_ReservedAndFilledOnManyThreads_SameRootAsSequentialAppend()
    {
        using StoreFixture fixture = CreateFixture();
        const int workers = 8;
        const int perWorker = 500;
        await using LogAppender appender = await fixture.StartAsync(maxBatchSize: 64);

        // Each worker reserves a few indexes, then fills them in reverse order, so fills arrive out of order.
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            for (int done = 0; done < perWorker; done += 5)
            {
                long[] indexes = [.. Enumerable.Range(0, 5).Select(_ => appender.Reserve())];
                await Task.WhenAll(indexes.Reverse().Select(i => appender.FillAsync(i, LogFixture.Entry(i))));
            }
        })));

        Assert.Equal(workers * perWorker, appender.TreeSize);
        Assert.Equal(LogFixture.SequentialRoot(workers * perWorker), await appender.Store.ReadTreeHashAsync(workers * perWorker));
    }

    [Fact]
    public async Task FillAsync_ShuffledFillsOfReservedIndexes_SameRootAsSequentialAppend()
    {
        using StoreFixture fixture = CreateFixture();
        const int count = 3000;
        await using LogAppender appender = await fixture.StartAsync(maxBatchSize: 100);
        long[] indexes = [.. Enumerable.Range(0, count).Select(_ => appender.Reserve())];
        new Random(7).Shuffle(indexes);

        var tasks = new Task[count];
        Parallel.For(0, count, i => tasks[i] = appender.FillAsync(indexes[i], LogFixture.Entry(indexes[i])));
        await Task.WhenAll(tasks);

        Assert.Equal(LogFixture.SequentialRoot(count), await appender.Store.ReadTreeHashAsync(count));
    }

    [Fact]
    public async Task FillAsync_AfterAGap_CompletesOnlyOnceTheGapIsFilled()
    {
        using StoreFixture fixture = CreateFixture();
        await using LogAppender appender = await fixture.StartAsync();
        long first = appender.Reserve();
        long second = appender.Reserve();

        Task secondDone = appender.FillAsync(second, LogFixture.Entry(second));
        // The sequencer handles commands in order, so after this round trip it has seen the second fill.
        await appender.CheckpointNowAsync();

        Assert.False(secondDone.IsCompleted);
        Assert.Equal(0, appender.TreeSize);

        await appender.FillAsync(first, LogFixture.Entry(first));
        await secondDone;
        Assert.Equal(2, appender.TreeSize);
    }

    [Fact]
    public async Task FillAsync_Completed_EntryIsCommittedInTheFile()
    {
        using StoreFixture fixture = CreateFixture();
        await using LogAppender appender = await fixture.StartAsync();
        long index = appender.Reserve();

        await appender.FillAsync(index, LogFixture.Entry(index));

        // A separate connection sees only committed data.
        Assert.Equal(LogFixture.Entry(0).Format(), (byte[]?)fixture.Scalar("SELECT entry FROM entries WHERE idx = 0"));
    }

    [Fact]
    public async Task FillAsync_SameIndexTwice_SecondFaults()
    {
        using StoreFixture fixture = CreateFixture();
        await using LogAppender appender = await fixture.StartAsync();
        long index = appender.Reserve();
        await appender.FillAsync(index, LogFixture.Entry(index));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => appender.FillAsync(index, LogFixture.Entry(99)));

        Assert.Contains("index 0 was already filled", e.Message, StringComparison.Ordinal);
        Assert.Equal(LogFixture.Entry(0).Format(), await appender.Store.ReadEntryAsync(0));
    }

    [Fact]
    public async Task FillAsync_StorageFails_ThisAndEveryLaterFillFaultWithTheCause()
    {
        using StoreFixture fixture = CreateFixture();
        await using LogAppender appender = await fixture.StartAsync();
        long first = appender.Reserve();
        await appender.FillAsync(first, LogFixture.Entry(first));
        Assert.Null(appender.Failure);

        fixture.Execute("DROP TABLE entries");
        long second = appender.Reserve();
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => appender.FillAsync(second, LogFixture.Entry(second)));
        long third = appender.Reserve();
        var later = await Assert.ThrowsAsync<InvalidOperationException>(() => appender.FillAsync(third, LogFixture.Entry(third)));

        Assert.Contains("storage failure", failed.Message, StringComparison.Ordinal);
        Assert.Contains("entries", failed.Message, StringComparison.Ordinal); // the cause: the table is gone
        Assert.Same(failed, later);
        Assert.Same(failed, appender.Failure);
        Assert.Equal(1, appender.TreeSize);
    }

    [Fact]
    public async Task FillAsync_UnreservedIndex_Throws()
    {
        using StoreFixture fixture = CreateFixture();
        await using LogAppender appender = await fixture.StartAsync();

        // Thrown synchronously: a programmer error, not a storage outcome.
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = appender.FillAsync(0, LogFixture.Entry(0)); });
    }

    [Fact]
    public async Task VoidAsync_ReservedIndex_StoresVoidEntryWithReason()
    {
        using StoreFixture fixture = CreateFixture();
        await using LogAppender appender = await fixture.StartAsync();
        long voided = appender.Reserve();
        long filled = appender.Reserve();

        await Task.WhenAll(appender.FillAsync(filled, LogFixture.Entry(filled)), appender.VoidAsync(voided, "signing failed"));

        Assert.True(LogEntry.TryParse(await appender.Store.ReadEntryAsync(voided), out LogEntry? entry, out _));
        Assert.Equal(LogEntryKind.Void, entry.Kind);
        Assert.Equal("signing failed", entry.Reason);
        Assert.Equal(2, appender.TreeSize);
    }

    [Fact]
    public async Task StartAsync_Reopened_SameRootAndContinuesAtDurableSize()
    {
        using StoreFixture fixture = CreateFixture();
        Hash root;
        await using (LogAppender first = await fixture.StartAsync())
        {
            for (int i = 0; i < 10; i++)
            {
                await first.FillAsync(first.Reserve(), LogFixture.Entry(i));
            }

            root = await first.Store.ReadTreeHashAsync(10);
            await first.StopAsync();
        }

        await using LogAppender second = await fixture.StartAsync();
        Assert.Equal(10, second.TreeSize);
        Assert.Equal(root, await second.Store.ReadTreeHashAsync(10));
        Assert.Equal(10, ParseCheckpoint(second.LatestCheckpoint).TreeSize);

        long next = second.Reserve();
        await second.FillAsync(next, LogFixture.Entry(next));

        Assert.Equal(10, next);
        Assert.Equal(LogFixture.SequentialRoot(11), await second.Store.ReadTreeHashAsync(11));
    }

    [Fact]
    public async Task StartAsync_CheckpointBehindTheDurableTree_SignsOneOfTheWholeTree()
    {
        using StoreFixture fixture = CreateFixture();
        await using (LogAppender first = await fixture.StartAsync())
        {
            for (int i = 0; i < 5; i++)
            {
                await first.FillAsync(first.Reserve(), LogFixture.Entry(i));
            }

            await first.StopAsync();
        }

        // As after a crash between a batch's commit and its checkpoint: the newest checkpoint is not there.
        fixture.Execute("DELETE FROM checkpoints WHERE tree_size = (SELECT MAX(tree_size) FROM checkpoints)");

        await using LogAppender second = await fixture.StartAsync();
        Assert.Equal(5, ParseCheckpoint(second.LatestCheckpoint).TreeSize);
    }

    [Fact]
    public async Task StartAsync_OtherSigningKey_Throws()
    {
        using StoreFixture fixture = CreateFixture();
        await (await fixture.StartAsync()).StopAsync();
        using var otherKey = NSec.Cryptography.Key.Create(NSec.Cryptography.SignatureAlgorithm.Ed25519);

        var e = await Assert.ThrowsAsync<InvalidDataException>(
            () => LogAppender.StartAsync(fixture.Options(), new NoteSigner(LogFixture.Origin, otherKey)));

        Assert.Contains("latest checkpoint is not one of origin", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_EmptyOrigin_ThrowsNamingTheOption()
    {
        using StoreFixture fixture = CreateFixture();
        LogAppenderOptions options = fixture.Options();
        options.Origin = string.Empty;

        var e = await Assert.ThrowsAsync<ArgumentException>(() => LogAppender.StartAsync(options, fixture.Signer));

        Assert.Equal("Origin", e.ParamName);
    }

    [Fact]
    public async Task StartAsync_NewLog_SignsCheckpointOfEmptyTree()
    {
        using StoreFixture fixture = CreateFixture();
        await using LogAppender appender = await fixture.StartAsync();

        Checkpoint checkpoint = ParseCheckpoint(appender.LatestCheckpoint);

        Assert.True(appender.LatestCheckpoint.Verify([fixture.Signer.Verifier]));
        Assert.Equal(0, checkpoint.TreeSize);
        Assert.Equal(MerkleHash.Empty, checkpoint.RootHash);
        Assert.Equal(LogFixture.Origin, checkpoint.Origin);
    }

    [Fact]
    public async Task CheckpointNowAsync_GrowingTree_CheckpointsVerifyAndAreConsistentWithLaterTrees()
    {
        using StoreFixture fixture = CreateFixture();
        await using LogAppender appender = await fixture.StartAsync();
        var checkpoints = new List<Checkpoint> { ParseCheckpoint(appender.LatestCheckpoint) };
        foreach (int round in new[] { 1, 2, 5, 8, 13 })
        {
            for (int i = 0; i < round; i++)
            {
                long index = appender.Reserve();
                await appender.FillAsync(index, LogFixture.Entry(index));
            }

            SignedNote note = await appender.CheckpointNowAsync();
            Assert.True(note.Verify([fixture.Signer.Verifier]));
            checkpoints.Add(ParseCheckpoint(note));
        }

        Assert.Equal([0L, 1, 3, 8, 16, 29], checkpoints.Select(c => c.TreeSize));
        foreach (Checkpoint older in checkpoints)
        {
            foreach (Checkpoint newer in checkpoints.Where(c => c.TreeSize >= older.TreeSize))
            {
                ConsistencyProof proof = await appender.Store.ProveConsistencyAsync(older.TreeSize, newer.TreeSize);
                Assert.True(ConsistencyProof.Verify(older.TreeSize, newer.TreeSize, proof.Path.AsSpan(), older.RootHash, newer.RootHash));
            }
        }
    }

    [Fact]
    public async Task CheckpointNowAsync_TreeDidNotGrow_KeepsTheSameCheckpoint()
    {
        using StoreFixture fixture = CreateFixture();
        await using LogAppender appender = await fixture.StartAsync();
        SignedNote before = appender.LatestCheckpoint;

        Assert.Same(before, await appender.CheckpointNowAsync());
    }

    [Fact]
    public async Task StopAsync_AfterAppends_StoresFinalCheckpointOfDurableSize()
    {
        using StoreFixture fixture = CreateFixture();
        LogAppender appender = await fixture.StartAsync();
        for (int i = 0; i < 7; i++)
        {
            await appender.FillAsync(appender.Reserve(), LogFixture.Entry(i));
        }

        await appender.StopAsync();

        Assert.Equal(7, ParseCheckpoint(appender.LatestCheckpoint).TreeSize);
        using LogStore store = await fixture.OpenStoreAsync();
        byte[]? stored = await store.ReadLatestCheckpointAsync();
        Assert.Equal(appender.LatestCheckpoint.Format(), stored);
        Assert.Throws<ObjectDisposedException>(() => appender.Reserve());
    }

    [Fact]
    public async Task StopAsync_ReservedIndexFilledLater_WaitsForIt()
    {
        using StoreFixture fixture = CreateFixture();
        LogAppender appender = await fixture.StartAsync();
        long index = appender.Reserve();

        Task stopped = appender.StopAsync();
        await appender.FillAsync(index, LogFixture.Entry(index));
        await stopped;

        Assert.Equal(1, ParseCheckpoint(appender.LatestCheckpoint).TreeSize);
    }

    [Fact]
    public async Task DisposeAsync_EntryAfterAGap_FaultsAndIsNotStored()
    {
        using StoreFixture fixture = CreateFixture();
        LogAppender appender = await fixture.StartAsync();
        long gap = appender.Reserve();
        long filled = appender.Reserve();
        Task afterGap = appender.FillAsync(filled, LogFixture.Entry(filled));
        _ = gap;

        await appender.DisposeAsync();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => afterGap);
        Assert.Contains("before index 1 became durable", e.Message, StringComparison.Ordinal);
        await using LogAppender reopened = await fixture.StartAsync();
        Assert.Equal(0, reopened.TreeSize);
        Assert.Equal(0, reopened.Reserve());
    }

    [Fact]
    public async Task StopAsync_CalledConcurrentlyWithDisposeAsync_ShutsDownOnce()
    {
        using StoreFixture fixture = CreateFixture();
        LogAppender appender = await fixture.StartAsync();
        await appender.FillAsync(appender.Reserve(), LogFixture.Entry(0));

        await Task.WhenAll(appender.StopAsync(), appender.DisposeAsync().AsTask(), appender.StopAsync());

        Assert.Equal(1, ParseCheckpoint(appender.LatestCheckpoint).TreeSize);
    }

    [Fact]
    public async Task FillAsync_AfterStop_Faults()
    {
        using StoreFixture fixture = CreateFixture();
        LogAppender appender = await fixture.StartAsync();
        long index = appender.Reserve();
        await appender.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => appender.FillAsync(index, LogFixture.Entry(index)));
    }

    [Fact]
    public async Task CheckpointInterval_Elapsed_SignsCheckpointOfGrownTree()
    {
        using StoreFixture fixture = CreateFixture();
        await using LogAppender appender = await fixture.StartAsync(checkpointInterval: TimeSpan.FromMilliseconds(20));
        var signed = new TaskCompletionSource<SignedNote>(TaskCreationOptions.RunContinuationsAsynchronously);
        appender.CheckpointSigned += note => signed.TrySetResult(note);

        await appender.FillAsync(appender.Reserve(), LogFixture.Entry(0));
        SignedNote note = await signed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, ParseCheckpoint(note).TreeSize);
    }

    // A rough figure, not a benchmark: durable appends of ~300-byte entries from 16 concurrent appenders.
    [Fact]
    public async Task FillAsync_ConcurrentAppenders_ReportsRoughThroughput()
    {
        using StoreFixture fixture = CreateFixture();
        const int workers = 16;
        const int perWorker = 3000;
        await using LogAppender appender = await fixture.StartAsync();
        LogEntry[] entries = [.. Enumerable.Range(0, workers * perWorker).Select(i => LogFixture.Entry(i))];

        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < perWorker; i++)
            {
                long index = appender.Reserve();
                await appender.FillAsync(index, entries[(w * perWorker) + i]);
            }
        })));
        stopwatch.Stop();

        output.WriteLine($"{workers * perWorker} durable appends in {stopwatch.ElapsedMilliseconds} ms: {workers * perWorker / stopwatch.Elapsed.TotalSeconds:F0}/s (rough; 16 appenders each awaiting its own append; {GetType().Name})");
        Assert.Equal(workers * perWorker, appender.TreeSize);
    }

    // A rough figure, not a benchmark: 50,000 ~300-byte appends all in flight at once (batches fill up to MaxBatchSize).
    [Fact]
    public async Task FillAsync_ManyInFlight_ReportsRoughThroughput()
    {
        using StoreFixture fixture = CreateFixture();
        const int count = 50_000;
        await using LogAppender appender = await fixture.StartAsync();
        LogEntry[] entries = [.. Enumerable.Range(0, count).Select(i => LogFixture.Entry(i))];

        var stopwatch = Stopwatch.StartNew();
        var tasks = new Task[count];
        for (int i = 0; i < count; i++)
        {
            tasks[i] = appender.FillAsync(appender.Reserve(), entries[i]);
        }

        await Task.WhenAll(tasks);
        stopwatch.Stop();

        output.WriteLine($"{count} durable appends in {stopwatch.ElapsedMilliseconds} ms: {count / stopwatch.Elapsed.TotalSeconds:F0}/s (rough; all in flight, one producer thread; {GetType().Name})");
        Assert.Equal(count, appender.TreeSize);
    }
}
