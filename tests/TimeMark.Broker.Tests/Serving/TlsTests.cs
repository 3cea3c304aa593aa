using System.Buffers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;
using TimeMark.Protocol.Verification;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>MQTT over TLS with device certificates: the certificate's CN names the agent, its key signs.</summary>
public sealed class TlsTests : IAsyncLifetime, IDisposable
{
    private readonly BrokerProcess _broker = new();
    private readonly TestCertificates _authority = new();
    private int _tlsPort;

    public async Task InitializeAsync()
    {
        using ECDsa serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 server = _authority.Issue("127.0.0.1", server: true, serverKey);
        await File.WriteAllTextAsync(Path.Combine(_broker.Root, "server.pem"), server.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(_broker.Root, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(_broker.Root, "ca.pem"), _authority.Ca.ExportCertificatePem());
        _tlsPort = TimeMark.Tests.Shared.ServeProcess.FreePort();
        _broker.WriteConfig($$"""
            { "Tls": { "Endpoint": "127.0.0.1:{{_tlsPort}}", "CertificateFile": "server.pem", "KeyFile": "server.key", "DeviceCaFile": "ca.pem" },
              "Access": [ { "Identity": "etl", "Subscribe": [ "braid/#" ] } ] }
            """);
        await _broker.StartAsync();
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    public void Dispose() => _authority.Dispose();

    private async Task<(IMqttClient Client, MqttClientConnectResult Result)> ConnectAsync(X509Certificate2 certificate)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientConnectResult result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _tlsPort)
            .WithClientId("any-client-id")
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTlsOptions(tls => tls
                .UseTls()
                .WithClientCertificates([certificate])
                .WithTrustChain([_authority.Ca])
                .WithCertificateValidationHandler(e => e.SslPolicyErrors == System.Net.Security.SslPolicyErrors.None
                    || e.Chain.ChainElements[^1].Certificate.Thumbprint == _authority.Ca.Thumbprint))
            .Build());
        return (client, result);
    }

    [Fact]
    public async Task Publish_DeviceCertificateWithoutKeyFile_SignedByTheCertificateKey_IsMarked()
    {
        using ECDsa deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 certificate = _authority.Issue("agent-tls", server: false, deviceKey);
        using SigningKey signer = SigningKey.ImportPem(deviceKey.ExportPkcs8PrivateKeyPem());
        byte[] datagram = DatagramWriter.Write(new DatagramContent
        {
            Ts = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Ver = 1, Action = 1, Body = new byte[] { 0xA0 },
        }, signer, indefiniteLength: true);
        var (subscriber, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "etl-1", "etl");
        await using var _s = subscriber;
        await subscriber.SubscribeAsync("braid/#");

        var (client, connected) = await ConnectAsync(certificate);
        using (client)
        {
            Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
            MqttClientPublishResult ack = await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic("braid/agent/agent-tls/shadow/reported/").WithPayload(datagram)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            Assert.True((int)ack.ReasonCode < 0x80, ack.ReasonCode.ToString());
        }

        byte[] record = subscriber.Receive().Payload.ToArray();
        VerificationReport report = RecordVerifier.Verify(record, signer.PublicKey, await _broker.TimeMarkKeyAsync(), DateTimeOffset.UtcNow);
        Assert.True(report.Passed, string.Join("\n", report.Checks));
    }

    [Fact]
    public async Task Connect_CertificateFromAnotherCa_IsRefused()
    {
        using var stranger = new TestCertificates("Some Other CA");
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 certificate = stranger.Issue("agent-tls", server: false, key);

        // The TLS handshake fails, so MQTTnet reports no CONNACK but an exception.
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var (client, result) = await ConnectAsync(certificate);
            using (client)
                Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        });
        Assert.Contains("does not chain to the device CA", _broker.Output);
    }

    [Fact]
    public async Task Publish_CertificateAgentOnAnotherAgentsTopic_NotAuthorized()
    {
        using ECDsa deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 certificate = _authority.Issue("agent-tls", server: false, deviceKey);
        var (client, _) = await ConnectAsync(certificate);
        using (client)
        {
            MqttClientPublishResult ack = await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic("braid/agent/other/shadow/reported/").WithPayload(new byte[] { 0xA0 })
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, ack.ReasonCode);
        }
    }
}
