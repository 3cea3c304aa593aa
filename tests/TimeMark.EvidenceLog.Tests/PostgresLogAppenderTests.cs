using Xunit.Abstractions;

namespace TimeMark.EvidenceLog.Tests;

/// <summary>The sequencer tests (<see cref="LogAppenderTests"/>) on PostgreSQL, plus the one-writer rule across processes.</summary>
public class PostgresLogAppenderTests(ITestOutputHelper output) : LogAppenderTests(output)
{
    private protected override StoreFixture CreateFixture() => new PostgresLogFixture();

    [Fact]
    public async Task StartAsync_AnotherAppenderHoldsTheLog_ThrowsNamingTheLog()
    {
        using var fixture = new PostgresLogFixture();
        await using LogAppender first = await fixture.StartAsync();

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => fixture.StartAsync());

        Assert.Contains($"evidence log store '{fixture.StoreName}': another appender is writing this log", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_PreviousAppenderStopped_ContinuesTheLog()
    {
        using var fixture = new PostgresLogFixture();
        LogAppender first = await fixture.StartAsync();
        await first.FillAsync(first.Reserve(), LogFixture.Entry(0));
        await first.StopAsync();

        await using LogAppender second = await fixture.StartAsync();

        Assert.Equal(1, second.Reserve());
    }
}
