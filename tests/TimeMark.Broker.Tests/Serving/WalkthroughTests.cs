using System.Diagnostics;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>The README walkthrough, end to end: serve, device simulate, subscribe, verify.</summary>
public sealed class WalkthroughTests : IAsyncLifetime
{
    private readonly BrokerProcess _broker = new();

    public async Task InitializeAsync()
    {
        _broker.WriteConfig("""{ "Access": [ { "Identity": "etl", "Subscribe": [ "braid/#" ] } ] }""");
        await _broker.StartAsync();
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task SimulateSubscribeVerify_EveryStoredRecordVerifiesWithItsDeviceAndBrokerKeys()
    {
        string mqtt = $"127.0.0.1:{_broker.MqttPort}";
        Task<(int ExitCode, string Output)> subscriber = _broker.RunCliAsync("subscribe", "--broker", mqtt, "--username", "etl", "--out", "records", "--count", "6");
        await WaitForSubscriberAsync();

        var (simulated, simulateOutput) = await _broker.RunCliAsync("device", "simulate", "--broker", mqtt, "--agents", "3", "--count", "2",
            "--interval", "0.05", "--devices", "devices", "--clock-skew", "-300");
        var (subscribed, subscribeOutput) = await subscriber;

        Assert.True(simulated == 0, simulateOutput);
        Assert.Equal("Success: 6", simulateOutput.Trim());
        Assert.True(subscribed == 0, subscribeOutput);
        await File.WriteAllTextAsync(Path.Combine(_broker.Root, "broker.pem"), (await _broker.TimeMarkKeyAsync()).ExportPem());
        foreach (string record in Directory.GetFiles(Path.Combine(_broker.Root, "records"), "*.cbor"))
        {
            string agent = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(record, ".json")))
                .RootElement.GetProperty("topic").GetString()!.Split('/')[2];
            var (verified, report) = await _broker.RunCliAsync("verify", record, "--device-key", $"devices/{agent}.pem", "--broker-key", "broker.pem");
            Assert.True(verified == 0, report);
            Assert.Contains("clock skew (INGESTION_TIME - TS): +30", report);
        }
        Assert.Equal(6, Directory.GetFiles(Path.Combine(_broker.Root, "records"), "*.cbor").Length);
    }

    /// <summary>
    /// The subscriber is a separate process: the broker logs its SUBSCRIBE as it accepts it, and the simulator,
    /// a new process, starts long after MQTTnet has recorded the subscription.
    /// </summary>
    private async Task WaitForSubscriberAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (!_broker.Output.Contains("(etl) subscribed to braid/#", StringComparison.Ordinal))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the subscriber did not subscribe");
            await Task.Delay(20);
        }
    }
}
