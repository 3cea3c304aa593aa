using Xunit.Abstractions;

namespace TimeMark.EvidenceLog.Tests;

/// <summary>The SIGKILL crash test (<see cref="CrashConsistencyTests"/>) on Sqlite.</summary>
public class SqliteCrashConsistencyTests(ITestOutputHelper output) : CrashConsistencyTests(output)
{
    private protected override StoreFixture CreateFixture() => new LogFixture();
}
