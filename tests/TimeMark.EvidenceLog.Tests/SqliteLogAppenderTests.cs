using Xunit.Abstractions;

namespace TimeMark.EvidenceLog.Tests;

/// <summary>The sequencer tests (<see cref="LogAppenderTests"/>) on SQLite.</summary>
public class SqliteLogAppenderTests(ITestOutputHelper output) : LogAppenderTests(output)
{
    private protected override StoreFixture CreateFixture() => new LogFixture();
}
