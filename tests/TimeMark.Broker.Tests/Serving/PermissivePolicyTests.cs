using System.Buffers;
using System.Text;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>--policy permissive: what fails a check is still marked, logged and forwarded, with tm-status naming the failure.</summary>
public sealed class PermissivePolicyTests : IAsyncLifetime
{
    private readonly AgentBroker _broker = new();

    public async Task InitializeAsync() => await _broker.StartAsync(flags: ["--policy", "permissive"]);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task Publish_BadSignature_MarkedAndForwardedWithStatus()
    {
        using SigningKey impostor = SigningKey.Generate(KeyAlgorithm.EcdsaP256);

        var (ack, received) = await _broker.PublishAndReceiveAsync(Readings.Datagram(impostor, ver: 1));

        Assert.True((int)ack.ReasonCode < 0x80);
        Assert.Equal("bad-signature", Readings.Property(received, "tm-status"));
        Assert.True(DatagramReader.TryRead(received.Payload.ToArray(), out Datagram marked, out _));
        Assert.True(DatagramVerifier.VerifyBrokerToken(marked, await _broker.TimeMarkKeyAsync()));
        Assert.False(DatagramVerifier.VerifyDeviceSignature(marked, _broker.Device.PublicKey));
    }

    [Fact]
    public async Task Publish_NotADatagram_ForwardedUntouchedWithTokenAndStatus()
    {
        byte[] payload = Encoding.UTF8.GetBytes("{\"temp\": 21}");

        var (_, received) = await _broker.PublishAndReceiveAsync(payload);

        Assert.Equal(payload, received.Payload.ToArray());
        Assert.Equal("malformed-datagram", Readings.Property(received, "tm-status"));
        byte[] entry = await _broker.Http.GetByteArrayAsync($"log/entries/{Readings.Property(received, "tm-log-index")}");
        Assert.True((await _broker.TimeMarkKeyAsync()).Verify(entry, Convert.FromBase64String(Readings.Property(received, "tm-token"))));
    }
}
