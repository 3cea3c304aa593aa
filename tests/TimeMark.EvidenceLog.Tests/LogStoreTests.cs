namespace TimeMark.EvidenceLog.Tests;

/// <summary>
/// The store contract (LogStore.cs), run on every store: <see cref="SqliteLogStoreTests"/> and <see cref="PostgresLogStoreTests"/>
/// inherit these tests and add their store's own.
/// </summary>
public abstract class LogStoreTests
{
    private protected abstract StoreFixture CreateFixture();

    private protected static async Task AppendAsync(StoreFixture fixture, int count)
    {
        await using LogAppender appender = await fixture.StartAsync();
        var tasks = new List<Task>();
        for (int i = 0; i < count; i++)
        {
            long index = appender.Reserve();
            tasks.Add(appender.FillAsync(index, LogFixture.Entry(index)));
        }

        await Task.WhenAll(tasks);
        await appender.StopAsync();
    }

    private protected static async Task<InvalidDataException> OpenFailsAsync(StoreFixture fixture)
    {
        var e = await Assert.ThrowsAsync<InvalidDataException>(fixture.OpenStoreAsync);
        Assert.StartsWith($"evidence log store '{fixture.StoreName}': ", e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public async Task OpenDatabaseAsync_NoLogYet_CreatesEmptyLog()
    {
        using StoreFixture fixture = CreateFixture();

        using LogStore store = await fixture.OpenStoreAsync();

        Assert.Equal(fixture.StoreName, store.Name);
        Assert.Equal(0, store.TreeSize);
        Assert.Equal(MerkleHash.Empty, await store.ReadTreeHashAsync(0));
        Assert.Null(await store.ReadLatestCheckpointAsync());
    }

    [Fact]
    public async Task OpenDatabaseAsync_Reopened_SameTreeAndCheckpoint()
    {
        using StoreFixture fixture = CreateFixture();
        await AppendAsync(fixture, 10);

        using LogStore store = await fixture.OpenStoreAsync();

        Assert.Equal(10, store.TreeSize);
        Assert.Equal(LogFixture.SequentialRoot(10), await store.ReadTreeHashAsync(10));
        Assert.True(SignedNote.TryParse((await store.ReadLatestCheckpointAsync())!, out SignedNote? note, out _));
        Assert.True(Checkpoint.TryParse(note.Text, out Checkpoint? checkpoint, out _));
        Assert.Equal(10, checkpoint.TreeSize);
    }

    [Fact]
    public async Task OpenDatabaseAsync_NewerSchemaVersion_ThrowsNamingDatabaseAndVersion()
    {
        using StoreFixture fixture = CreateFixture();
        (await fixture.OpenStoreAsync()).Dispose();
        fixture.Execute("UPDATE schema_version SET version = 2");

        InvalidDataException e = await OpenFailsAsync(fixture);

        Assert.Contains("schema version 2 is newer than this build supports (1); use a newer TimeMark", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenDatabaseAsync_OtherApplicationsTables_ThrowsNotATimeMarkLog()
    {
        using StoreFixture fixture = CreateFixture();
        fixture.Execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)");

        InvalidDataException e = await OpenFailsAsync(fixture);

        Assert.Contains("not a TimeMark evidence log", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenDatabaseAsync_MissingStoredHash_Throws()
    {
        using StoreFixture fixture = CreateFixture();
        await AppendAsync(fixture, 5);
        fixture.Execute("DELETE FROM hashes WHERE idx = (SELECT max(idx) FROM hashes)");

        InvalidDataException e = await OpenFailsAsync(fixture);

        Assert.Contains("5 entries need 8 stored hashes, found 7", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenDatabaseAsync_LastEntryAltered_Throws()
    {
        using StoreFixture fixture = CreateFixture();
        await AppendAsync(fixture, 5);
        fixture.Execute("UPDATE entries SET entry = @entry WHERE idx = 4", ("entry", new byte[] { 0xa0 }));

        InvalidDataException e = await OpenFailsAsync(fixture);

        Assert.Contains("entry 4 does not match its leaf hash", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenDatabaseAsync_CheckpointDisagreesWithTree_Throws()
    {
        using StoreFixture fixture = CreateFixture();
        await AppendAsync(fixture, 5);
        // A rewritten history: same size, different hash for the subtree of entries 0..3.
        fixture.Execute("UPDATE hashes SET hash = @hash WHERE idx = 6", ("hash", new byte[32]));

        InvalidDataException e = await OpenFailsAsync(fixture);

        Assert.Contains("latest checkpoint (size 5) does not match the stored tree", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenDatabaseAsync_CheckpointBeyondTree_Throws()
    {
        using StoreFixture fixture = CreateFixture();
        await AppendAsync(fixture, 5);
        fixture.Execute("DELETE FROM entries WHERE idx = 4");
        fixture.Execute("DELETE FROM hashes WHERE idx >= 7");

        InvalidDataException e = await OpenFailsAsync(fixture);

        Assert.Contains("latest checkpoint (size 5) does not match the stored tree of 4 entries", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProveInclusionAsync_EveryIndexOfEverySize_Verifies()
    {
        using StoreFixture fixture = CreateFixture();
        await AppendAsync(fixture, 37);
        using LogStore store = await fixture.OpenStoreAsync();

        for (long size = 1; size <= 37; size++)
        {
            Hash root = await store.ReadTreeHashAsync(size);
            Assert.Equal(LogFixture.SequentialRoot(size), root);
            for (long index = 0; index < size; index++)
            {
                InclusionProof proof = await store.ProveInclusionAsync(index, size);
                Hash leaf = MerkleHash.Leaf(await store.ReadEntryAsync(index));
                Assert.True(InclusionProof.Verify(index, size, proof.Path.AsSpan(), leaf, root), $"index {index} size {size}");
            }
        }
    }

    [Fact]
    public async Task ProveConsistencyAsync_EveryPairOfSizes_Verifies()
    {
        using StoreFixture fixture = CreateFixture();
        await AppendAsync(fixture, 20);
        using LogStore store = await fixture.OpenStoreAsync();

        for (long newSize = 0; newSize <= 20; newSize++)
        {
            Hash newRoot = await store.ReadTreeHashAsync(newSize);
            for (long oldSize = 0; oldSize <= newSize; oldSize++)
            {
                ConsistencyProof proof = await store.ProveConsistencyAsync(oldSize, newSize);
                Hash oldRoot = await store.ReadTreeHashAsync(oldSize);
                Assert.True(ConsistencyProof.Verify(oldSize, newSize, proof.Path.AsSpan(), oldRoot, newRoot), $"{oldSize} -> {newSize}");
            }
        }
    }

    [Fact]
    public async Task ReadTreeHashAsync_BeyondDurableSize_Throws()
    {
        using StoreFixture fixture = CreateFixture();
        await AppendAsync(fixture, 3);
        using LogStore store = await fixture.OpenStoreAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ReadTreeHashAsync(4));
    }

    [Fact]
    public async Task ReadEntryAsync_BeyondDurableSize_Throws()
    {
        using StoreFixture fixture = CreateFixture();
        await AppendAsync(fixture, 3);
        using LogStore store = await fixture.OpenStoreAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ReadEntryAsync(3));
    }

    [Fact]
    public async Task ReadEntryAsync_StoredEntry_ParsesToTheAppendedEntry()
    {
        using StoreFixture fixture = CreateFixture();
        await AppendAsync(fixture, 3);
        using LogStore store = await fixture.OpenStoreAsync();

        byte[] bytes = await store.ReadEntryAsync(2);

        Assert.Equal(LogFixture.Entry(2).Format(), bytes);
    }
}
