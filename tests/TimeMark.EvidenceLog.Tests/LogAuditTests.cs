namespace TimeMark.EvidenceLog.Tests;

public class LogAuditTests
{
    [Fact]
    public async Task RunAsync_LogWrittenByAppender_PassesWithSequentialRoot()
    {
        using var fixture = new LogFixture();
        await using (LogAppender appender = await fixture.StartAsync())
        {
            await Task.WhenAll(Enumerable.Range(0, 300).Select(i => appender.FillAsync(appender.Reserve(), LogFixture.Entry(i))));
            await appender.StopAsync();
        }

        using SqliteLogSnapshot snapshot = await SqliteLogSnapshot.OpenAsync(fixture.DbPath);
        LogAudit audit = await LogAudit.RunAsync(snapshot, fixture.Signer.Verifier);

        Assert.True(audit.Passed, audit.Failure);
        Assert.Equal(300, audit.EntryCount);
        Assert.Equal(LogFixture.SequentialRoot(300), audit.RootHash);
        Assert.Equal([0L, 300L], audit.CheckpointSizes);
        Assert.Equal(LogFixture.Origin, audit.Origin);
    }

    [Fact]
    public async Task RunAsync_EntryRowMissing_FailsNamingTheIndex()
    {
        using var fixture = new LogFixture();
        await using (LogAppender appender = await fixture.StartAsync())
        {
            await Task.WhenAll(Enumerable.Range(0, 20).Select(i => appender.FillAsync(appender.Reserve(), LogFixture.Entry(i))));
            await appender.StopAsync();
        }

        fixture.Execute("DELETE FROM entries WHERE idx = 7");
        using SqliteLogSnapshot snapshot = await SqliteLogSnapshot.OpenAsync(fixture.DbPath);
        LogAudit audit = await LogAudit.RunAsync(snapshot, null);

        Assert.Equal("entry 7: missing (the entries table has rows up to index 19)", audit.Failure);
    }

    [Fact]
    public async Task RunAsync_ExtraStoredHash_Fails()
    {
        using var fixture = new LogFixture();
        await using (LogAppender appender = await fixture.StartAsync())
        {
            await Task.WhenAll(Enumerable.Range(0, 5).Select(i => appender.FillAsync(appender.Reserve(), LogFixture.Entry(i))));
            await appender.StopAsync();
        }

        // 5 entries have 8 stored hashes (indexes 0..7).
        fixture.Execute("INSERT INTO hashes (idx, hash) VALUES (8, zeroblob(32))");
        using SqliteLogSnapshot snapshot = await SqliteLogSnapshot.OpenAsync(fixture.DbPath);
        LogAudit audit = await LogAudit.RunAsync(snapshot, null);

        Assert.Equal("stored hash 8: present, but 5 entries have only 8 stored hashes", audit.Failure);
    }
}
