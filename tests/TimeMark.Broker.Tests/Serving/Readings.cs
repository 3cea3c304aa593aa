using System.Text;
using MQTTnet;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>What the serving tests publish and read back.</summary>
internal static class Readings
{
    /// <summary>A signed datagram as the BRAID firmware sends it: indefinite map, TS in Unix seconds, BODY {"temp": 21}.</summary>
    public static byte[] Datagram(SigningKey key, ulong ver, ulong ts = 0) => DatagramWriter.Write(new DatagramContent
    {
        Ts = ts == 0 ? (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() : ts,
        Ver = ver,
        Action = 1,
        Body = new byte[] { 0xA1, 0x64, 0x74, 0x65, 0x6D, 0x70, 0x18, 0x15 },
    }, key, indefiniteLength: true);

    /// <summary>A user property of a received message, as text.</summary>
    public static string Property(MqttApplicationMessage message, string name) =>
        Encoding.UTF8.GetString(message.UserProperties.Single(p => p.Name == name).ValueBuffer.Span);
}
