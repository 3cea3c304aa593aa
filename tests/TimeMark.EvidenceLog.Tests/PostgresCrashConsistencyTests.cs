using Xunit.Abstractions;

namespace TimeMark.EvidenceLog.Tests;

/// <summary>The SIGKILL crash test (<see cref="CrashConsistencyTests"/>) on PostgreSQL.</summary>
public class PostgresCrashConsistencyTests(ITestOutputHelper output) : CrashConsistencyTests(output)
{
    private protected override StoreFixture CreateFixture() => new PostgresLogFixture();
}
