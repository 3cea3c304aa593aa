using System.Net;
using TimeMark.Broker.Hosting;

namespace TimeMark.Broker.Tests.Hosting;

public class EndpointTests
{
    [Theory]
    [InlineData("0.0.0.0:1883", "0.0.0.0", 1883)]
    [InlineData("127.0.0.1:8080", "127.0.0.1", 8080)]
    [InlineData("[::1]:1883", "::1", 1883)]
    public void TryParse_AddressAndPort_Parses(string text, string address, int port)
    {
        Assert.True(Endpoint.TryParse(text, out Endpoint? endpoint));
        Assert.Equal(new Endpoint(IPAddress.Parse(address), port), endpoint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1")]
    [InlineData("localhost:1883")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    [InlineData(":1883")]
    public void TryParse_NoExplicitAddressOrPort_Fails(string text) => Assert.False(Endpoint.TryParse(text, out _));

    [Fact]
    public void ToString_WritesIPv6InBrackets() => Assert.Equal("[::1]:1883", new Endpoint(IPAddress.IPv6Loopback, 1883).ToString());
}
