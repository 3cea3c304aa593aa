namespace TimeMark.EvidenceLog.Tests;

public class SqliteLogSnapshotTests
{
    [Fact]
    public async Task OpenAsync_MissingFile_ThrowsWithoutCreatingIt()
    {
        using var directory = new TempDirectory();
        string path = directory.File("none.db");

        InvalidDataException e = await Assert.ThrowsAsync<InvalidDataException>(() => SqliteLogSnapshot.OpenAsync(path));

        Assert.Equal($"evidence log store '{path}': no such file", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task OpenAsync_WhileAppending_SeesTheTreeAsOpened()
    {
        using var fixture = new LogFixture();
        await using LogAppender appender = await fixture.StartAsync();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => appender.FillAsync(appender.Reserve(), LogFixture.Entry(i))));

        using SqliteLogSnapshot snapshot = await SqliteLogSnapshot.OpenAsync(fixture.DbPath);
        await Task.WhenAll(Enumerable.Range(10, 10).Select(i => appender.FillAsync(appender.Reserve(), LogFixture.Entry(i))));

        Assert.Equal(10, snapshot.EntryCount);
        Assert.Equal(10, (await snapshot.ReadEntriesAsync(0, 100)).Count);
        Assert.Equal(LogFixture.SequentialRoot(10), await snapshot.ReadTreeHashAsync(10));
    }

    [Fact]
    public async Task ProveInclusionAsync_SameAsTheStore()
    {
        using var fixture = new LogFixture();
        await using LogAppender appender = await fixture.StartAsync();
        await Task.WhenAll(Enumerable.Range(0, 37).Select(i => appender.FillAsync(appender.Reserve(), LogFixture.Entry(i))));
        using SqliteLogSnapshot snapshot = await SqliteLogSnapshot.OpenAsync(fixture.DbPath);

        InclusionProof fromSnapshot = await snapshot.ProveInclusionAsync(11, 37);
        InclusionProof fromStore = await appender.Store.ProveInclusionAsync(11, 37);

        Assert.Equal(fromStore.Path.ToArray(), fromSnapshot.Path.ToArray());
    }
}
