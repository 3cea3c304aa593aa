using System.Buffers;
using System.Text.Json;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// DeviceVerification=Deferred: datagrams are marked, logged and forwarded before SIGN is checked; the check
/// runs afterwards, and a bad SIGN is counted and recorded, though the message has already gone out.
/// </summary>
public sealed class DeferredVerificationTests : IAsyncLifetime
{
    private readonly AgentBroker _broker = new();

    public async Task InitializeAsync() => await _broker.StartAsync(""" "DeviceVerification": "Deferred" """);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    /// <summary>Polls GET /metrics until the series has <paramref name="value"/>: the deferred check runs after the PUBACK.</summary>
    private async Task WaitForMetricAsync(string series, long value)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        string line = "";
        while (DateTime.UtcNow < deadline)
        {
            string metrics = await _broker.Http.GetStringAsync("metrics");
            line = metrics.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal)) ?? "";
            if (line == $"{series} {value}")
                return;
            await Task.Delay(100);
        }
        Assert.Fail($"{series} is \"{line}\", not {value}, after 20 s");
    }

    [Fact]
    public async Task Publish_BadSignature_ForwardedAsSignDeferredThenCountedAndRecorded()
    {
        using SigningKey impostor = SigningKey.Generate(KeyAlgorithm.EcdsaP256);

        var (ack, received) = await _broker.PublishAndReceiveAsync(Readings.Datagram(impostor, ver: 1));

        // Forwarded and acknowledged: the check had not run yet.
        Assert.True((int)ack.ReasonCode < 0x80);
        Assert.Equal("sign-deferred", Readings.Property(received, "tm-status"));
        Assert.True(DatagramReader.TryRead(received.Payload.ToArray(), out Datagram marked, out _));
        Assert.True(DatagramVerifier.VerifyBrokerToken(marked, await _broker.TimeMarkKeyAsync()));
        // Then found bad: counted, and kept as a rejection record naming the log index it went out as.
        await WaitForMetricAsync("timemark_deferred_verifications_total{verdict=\"bad-signature\"}", 1);
        await WaitForMetricAsync("timemark_messages_rejected_total{reason=\"BadSignature\"}", 1);
        using JsonDocument rejections = JsonDocument.Parse(await _broker.Http.GetStringAsync("rejections"));
        string detail = rejections.RootElement.EnumerateArray().Single().GetProperty("detail").GetString()!;
        Assert.Contains($"already forwarded as log index {Readings.Property(received, "tm-log-index")}", detail);
    }

    [Fact]
    public async Task Publish_GoodSignature_ForwardedAsSignDeferredAndCountedGood()
    {
        var (ack, received) = await _broker.PublishAndReceiveAsync(Readings.Datagram(_broker.Device, ver: 1));

        Assert.True((int)ack.ReasonCode < 0x80);
        Assert.Equal("sign-deferred", Readings.Property(received, "tm-status"));
        await WaitForMetricAsync("timemark_deferred_verifications_total{verdict=\"good\"}", 1);
        await WaitForMetricAsync("timemark_deferred_verifications_total{verdict=\"bad-signature\"}", 0);
    }
}
