namespace TimeMark.EvidenceLog.Tests;

/// <summary>The store contract (<see cref="LogStoreTests"/>) on SQLite, plus what only a SQLite file has.</summary>
public class SqliteLogStoreTests : LogStoreTests
{
    private protected override StoreFixture CreateFixture() => new LogFixture();

    [Fact]
    public async Task OpenAsync_MissingFile_CreatesEmptyLogInWalMode()
    {
        using var fixture = new LogFixture();

        using (SqliteLogStore store = await SqliteLogStore.OpenAsync(fixture.DbPath))
        {
            Assert.Equal(fixture.DbPath, store.Path);
            Assert.Equal(0, store.TreeSize);
            Assert.Equal(MerkleHash.Empty, await store.ReadTreeHashAsync(0));
        }

        Assert.Equal("wal", fixture.Scalar("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task OpenDatabaseAsync_FilePath_OpensSqliteStore()
    {
        using var fixture = new LogFixture();

        using LogStore store = await LogStore.OpenDatabaseAsync(fixture.DbPath);

        Assert.IsType<SqliteLogStore>(store);
    }

    [Fact]
    public async Task OpenDatabaseAsync_FilePathWithLogName_Throws()
    {
        using var fixture = new LogFixture();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => LogStore.OpenDatabaseAsync(fixture.DbPath, "broker1"));

        Assert.Equal("logName", e.ParamName);
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
    public async Task Append_BatchFailsHalfway_NothingOfItIsStoredAndTheNextBatchAppends()
    {
        using var fixture = new LogFixture();
        await AppendAsync(fixture, 3);
        using var store = (SqliteLogStore)await fixture.OpenStoreAsync();
        // A row in the way of the batch's third entry (index 5) makes its INSERT fail after two entries went in.
        fixture.Execute("INSERT INTO entries (idx, leaf_hash, entry) VALUES (5, zeroblob(32), x'00')");

        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => store.AppendAsync(Pending(3, 4)));

        Assert.Equal(3, store.TreeSize);
        Assert.Equal(4L, fixture.Scalar("SELECT count(*) FROM entries"));
        fixture.Execute("DELETE FROM entries WHERE idx = 5");
        await store.AppendAsync(Pending(3, 4));
        Assert.Equal(7, store.TreeSize);
        Assert.Equal(StoreFixture.SequentialRoot(7), await store.ReadTreeHashAsync(7));
    }

    private static PendingEntry[] Pending(long start, int count) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            byte[] bytes = StoreFixture.Entry(start + i).Format();
            return new PendingEntry(bytes, MerkleHash.Leaf(bytes));
        })];
}
