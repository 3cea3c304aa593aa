using TimeMark.Broker.Transport;

namespace TimeMark.Broker.Tests.Transport;

public sealed class OpenFileLimitTests
{
    [Fact]
    public void ConnectionCapacity_IsTheLimitLessTheReserve() => Assert.Equal(65_536 - OpenFileLimit.Reserve, OpenFileLimit.ConnectionCapacity(65_536));

    [Fact]
    public void ConnectionCapacity_LimitBelowTheReserve_IsOne() => Assert.Equal(1, OpenFileLimit.ConnectionCapacity(100));

    [Fact]
    public void ConnectionCapacity_UnknownLimit_IsUnbounded() => Assert.Equal(int.MaxValue, OpenFileLimit.ConnectionCapacity(null));

    [Fact]
    public void ConnectionCapacity_OfThisProcess_IsBelowItsLimit() => Assert.InRange(OpenFileLimit.ConnectionCapacity(), 1, int.MaxValue - 1);
}
