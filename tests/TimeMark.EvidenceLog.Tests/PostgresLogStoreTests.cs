using Npgsql;

namespace TimeMark.EvidenceLog.Tests;

/// <summary>The store contract (<see cref="LogStoreTests"/>) on PostgreSQL, plus connection strings, URLs and one schema per log.</summary>
public class PostgresLogStoreTests : LogStoreTests
{
    private protected override StoreFixture CreateFixture() => new PostgresLogFixture();

    [Theory]
    [InlineData("postgres://db.example/timemark", true)]
    [InlineData("postgresql://u:p@db.example:5432/timemark?sslmode=require", true)]
    [InlineData("Host=db.example;Database=timemark", true)]
    [InlineData("Username=u; host = db.example", true)]
    [InlineData("Server=db.example;Database=timemark", true)]
    [InlineData("/var/lib/timemark/log.db", false)]
    [InlineData("log.db", false)]
    [InlineData("data/Hostname.db", false)]
    public void IsPostgres_DatabaseString_PicksTheStore(string database, bool postgres)
    {
        Assert.Equal(postgres, LogStore.IsPostgres(database));
    }

    [Fact]
    public async Task OpenDatabaseAsync_ConnectionString_OpensPostgresStoreInTheLogsSchema()
    {
        using var fixture = new PostgresLogFixture();

        using LogStore store = await LogStore.OpenDatabaseAsync(fixture.ConnectionString, fixture.LogName);

        Assert.Equal(fixture.LogName, Assert.IsType<PostgresLogStore>(store).LogName);
        Assert.Equal(4L, fixture.Scalar($"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{fixture.LogName}'"));
    }

    [Fact]
    public async Task OpenAsync_Url_OpensTheSameLogAsTheConnectionString()
    {
        using var fixture = new PostgresLogFixture();
        await AppendAsync(fixture, 3);
        var builder = new NpgsqlConnectionStringBuilder(fixture.ConnectionString);
        string url = $"postgresql://{Uri.EscapeDataString(builder.Username!)}@{builder.Host}:{builder.Port}/{Uri.EscapeDataString(builder.Database!)}?application_name=timemark-test";

        using LogStore store = await LogStore.OpenDatabaseAsync(url, fixture.LogName);

        Assert.Equal(fixture.StoreName, store.Name);
        Assert.Equal(3, store.TreeSize);
    }

    [Fact]
    public async Task OpenAsync_UrlWithUnknownParameter_ThrowsNamingIt()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => PostgresLogStore.OpenAsync("postgresql://db.example/timemark?colour=blue"));

        Assert.Contains("unsupported parameter 'colour'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_PasswordInConnectionString_NeverInTheMessage()
    {
        using var fixture = new PostgresLogFixture();
        fixture.Execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)");
        string withPassword = fixture.ConnectionString + ";Password=hunter2-never-printed";

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => PostgresLogStore.OpenAsync(withPassword, fixture.LogName));

        Assert.Contains(fixture.StoreName, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_ServerUnreachable_ThrowsNamingTheDatabase()
    {
        // Port 1 on loopback: nothing listens, so the connection is refused at once.
        var e = await Assert.ThrowsAsync<InvalidDataException>(
            () => PostgresLogStore.OpenAsync("Host=127.0.0.1;Port=1;Username=u;Password=hunter2-never-printed;Database=d;Timeout=5", "broker1"));

        Assert.StartsWith("evidence log store 'postgresql://u@127.0.0.1:1/d schema broker1': the PostgreSQL server cannot be reached", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Broker1")]
    [InlineData("1broker")]
    [InlineData("pg_broker")]
    [InlineData("broker-1")]
    [InlineData("broker\"; DROP SCHEMA public; --")]
    public async Task OpenAsync_InvalidLogName_Throws(string logName)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => PostgresLogStore.OpenAsync("Host=127.0.0.1;Port=1", logName));

        Assert.Equal("logName", e.ParamName);
    }

    [Fact]
    public async Task OpenAsync_TwoLogsInOneDatabase_AreIndependent()
    {
        using var first = new PostgresLogFixture();
        using var second = new PostgresLogFixture();
        await AppendAsync(first, 3);
        await AppendAsync(second, 5);

        using LogStore one = await first.OpenStoreAsync();
        using LogStore other = await second.OpenStoreAsync();

        Assert.Equal(3, one.TreeSize);
        Assert.Equal(5, other.TreeSize);
        Assert.Equal(LogFixture.SequentialRoot(5), await other.ReadTreeHashAsync(5));
    }

    [Fact]
    public async Task PrepareForWritingAsync_AnotherWriterAppendedSinceOpening_SeesItsEntries()
    {
        using var fixture = new PostgresLogFixture();
        await using LogStore store = await fixture.OpenStoreAsync();
        await AppendAsync(fixture, 3);

        await store.PrepareForWritingAsync(CancellationToken.None);

        Assert.Equal(3, store.TreeSize);
        Assert.Equal(LogFixture.SequentialRoot(3), await store.ReadTreeHashAsync(3));
    }
}
