namespace TimeMark.EvidenceLog.Tests;

public class SqliteLogStoreTests
{
    private static async Task AppendAsync(LogFixture fixture, int count)
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

    private static async Task<InvalidDataException> OpenFailsAsync(LogFixture fixture)
    {
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => SqliteLogStore.OpenAsync(fixture.DbPath));
        Assert.Contains(fixture.DbPath, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public async Task OpenAsync_MissingFile_CreatesEmptyLogInWalMode()
    {
        using var fixture = new LogFixture();

        using (SqliteLogStore store = await SqliteLogStore.OpenAsync(fixture.DbPath))
        {
            Assert.Equal(0, store.TreeSize);
            Assert.Equal(MerkleHash.Empty, await store.ReadTreeHashAsync(0));
            Assert.Null(await store.ReadLatestCheckpointAsync());
        }

        using Microsoft.Data.Sqlite.SqliteConnection raw = fixture.OpenRaw();
        using Microsoft.Data.Sqlite.SqliteCommand command = raw.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    [Fact]
    public async Task OpenAsync_NewerSchemaVersion_ThrowsNamingFileAndVersion()
    {
        using var fixture = new LogFixture();
        (await SqliteLogStore.OpenAsync(fixture.DbPath)).Dispose();
        fixture.Execute("UPDATE schema_version SET version = 2");

        InvalidDataException e = await OpenFailsAsync(fixture);

        Assert.Contains("schema version 2 is newer than this build supports (1)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_NotASqliteFile_ThrowsNamingFile()
    {
        using var fixture = new LogFixture();
        byte[] garbage = new byte[8192];
        new Random(1).NextBytes(garbage);
        await File.WriteAllBytesAsync(fixture.DbPath, garbage);

        InvalidDataException e = await OpenFailsAsync(fixture);

        Assert.Contains("the file is not a SQLite database", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_DamagedPages_ThrowsNamingFile()
    {
        using var fixture = new LogFixture();
        await AppendAsync(fixture, 300);
        // Overwrite everything after the 100-byte SQLite header with garbage: the header still says "SQLite format 3".
        byte[] bytes = await File.ReadAllBytesAsync(fixture.DbPath);
        new Random(2).NextBytes(bytes.AsSpan(100));
        await File.WriteAllBytesAsync(fixture.DbPath, bytes);

        InvalidDataException e = await OpenFailsAsync(fixture);

        Assert.Contains("the database file is corrupt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_OtherApplicationsDatabase_Throws()
    {
        using var fixture = new LogFixture();
        fixture.Execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)");

        InvalidDataException e = await OpenFailsAsync(fixture);

        Assert.Contains("not a TimeMark evidence log", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_MissingStoredHash_Throws()
    {
        using var fixture = new LogFixture();
        await AppendAsync(fixture, 5);
        fixture.Execute("DELETE FROM hashes WHERE idx = (SELECT max(idx) FROM hashes)");

        InvalidDataException e = await OpenFailsAsync(fixture);

        Assert.Contains("5 entries need 8 stored hashes, found 7", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_LastEntryAltered_Throws()
    {
        using var fixture = new LogFixture();
        await AppendAsync(fixture, 5);
        fixture.Execute("UPDATE entries SET entry = x'a0' WHERE idx = 4");

        InvalidDataException e = await OpenFailsAsync(fixture);

        Assert.Contains("entry 4 does not match its leaf hash", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_CheckpointDisagreesWithTree_Throws()
    {
        using var fixture = new LogFixture();
        await AppendAsync(fixture, 5);
        // A rewritten history: same size, different hash for the subtree of entries 0..3.
        fixture.Execute("UPDATE hashes SET hash = zeroblob(32) WHERE idx = 6");

        InvalidDataException e = await OpenFailsAsync(fixture);

        Assert.Contains("latest checkpoint (size 5) does not match the stored tree", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProveInclusionAsync_EveryIndexOfEverySize_Verifies()
    {
        using var fixture = new LogFixture();
        await AppendAsync(fixture, 37);
        using SqliteLogStore store = await SqliteLogStore.OpenAsync(fixture.DbPath);

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
        using var fixture = new LogFixture();
        await AppendAsync(fixture, 20);
        using SqliteLogStore store = await SqliteLogStore.OpenAsync(fixture.DbPath);

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
        using var fixture = new LogFixture();
        await AppendAsync(fixture, 3);
        using SqliteLogStore store = await SqliteLogStore.OpenAsync(fixture.DbPath);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ReadTreeHashAsync(4));
    }

    [Fact]
    public async Task ReadEntryAsync_StoredEntry_ParsesToTheAppendedEntry()
    {
        using var fixture = new LogFixture();
        await AppendAsync(fixture, 3);
        using SqliteLogStore store = await SqliteLogStore.OpenAsync(fixture.DbPath);

        byte[] bytes = await store.ReadEntryAsync(2);

        Assert.Equal(LogFixture.Entry(2).Format(), bytes);
    }
}
