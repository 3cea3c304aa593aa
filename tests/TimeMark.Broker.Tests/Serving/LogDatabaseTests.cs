namespace TimeMark.Broker.Tests.Serving;

/// <summary>The LogDatabase setting moves the evidence log out of {DataDirectory}/log.db.</summary>
public sealed class LogDatabaseTests : IAsyncLifetime
{
    private readonly BrokerProcess _broker = new();

    public Task InitializeAsync()
    {
        _broker.WriteConfig("""{ "LogDatabase": "evidence.sqlite" }""");
        return _broker.StartAsync();
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task Serve_LogDatabaseSqlitePath_LogInThatFileNotInDataDirectory()
    {
        Assert.Equal(0, await _broker.StopAsync());
        Assert.True(File.Exists(Path.Combine(_broker.Root, "evidence.sqlite")));
        Assert.False(File.Exists(Path.Combine(_broker.DataDirectory, "log.db")));
    }
}
