using TimeMark.Protocol.Datagrams;

namespace TimeMark.Protocol.Tests;

internal static class TestDatagrams
{
    /// <summary>Reads bytes that must be a datagram, failing the test with the reader's reason otherwise.</summary>
    public static Datagram Read(byte[] bytes)
    {
        Assert.True(DatagramReader.TryRead(bytes, out Datagram datagram, out DatagramError error), error.ToString());
        return datagram;
    }
}
