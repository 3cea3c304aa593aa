using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

using static TimeMark.Protocol.Tests.TestDatagrams;

namespace TimeMark.Protocol.Tests.Datagrams;

public class DatagramMarkerTests
{
    [Theory]
    [InlineData(Vectors.Ed25519Indefinite, Vectors.Ed25519MarkedIndefinite)]
    [InlineData(Vectors.Ed25519Definite, Vectors.Ed25519MarkedDefinite)]
    public void Mark_MatchesIndependentVectorByteForByte(string device, string expected)
    {
        byte[] marked = DatagramMarker.Mark(Read(Vectors.Bytes(device)), Vectors.IngestionTime, Vectors.LogIndex, TestKeys.Broker);
        Assert.Equal(expected, Convert.ToHexStringLower(marked));
    }

    [Theory]
    [InlineData(Vectors.P256Indefinite)]
    [InlineData(Vectors.P256Definite)]
    public void Mark_LeavesEveryDeviceByteAfterTheHeaderUntouched(string device)
    {
        byte[] original = Vectors.Bytes(device);
        Datagram datagram = Read(original);
        byte[] marked = DatagramMarker.Mark(datagram, Vectors.IngestionTime, Vectors.LogIndex, TestKeys.Broker);

        Assert.Equal(datagram.AllPairs.ToArray(), marked.AsSpan(1, datagram.AllPairs.Length).ToArray());
        Datagram markedDatagram = Read(marked);
        Assert.True(DatagramVerifier.VerifyDeviceSignature(markedDatagram, TestKeys.DeviceP256Public));
        Assert.True(DatagramVerifier.VerifyBrokerToken(markedDatagram, TestKeys.BrokerPublic));
        Assert.Equal(datagram.IsIndefiniteLength, markedDatagram.IsIndefiniteLength);
    }

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(23UL, 24UL)]
    [InlineData(255UL, 256UL)]
    [InlineData(65535UL, 65536UL)]
    [InlineData(4294967295UL, 4294967296UL)]
    [InlineData(ulong.MaxValue, ulong.MaxValue)]
    public void Mark_EveryIntegerWidth_ReadsBackTheSameValues(ulong ingestionTime, ulong logIndex)
    {
        Datagram datagram = Read(Vectors.Bytes(Vectors.Ed25519Indefinite));
        Datagram marked = Read(DatagramMarker.Mark(datagram, ingestionTime, logIndex, TestKeys.Broker));

        Assert.Equal(ingestionTime, marked.IngestionTime);
        Assert.Equal(logIndex, marked.LogIndex);
        Assert.True(DatagramVerifier.VerifyBrokerToken(marked, TestKeys.BrokerPublic));
    }

    [Fact]
    public void Mark_DefiniteMapCrossingTheOneByteCount_GrowsTheHeader()
    {
        // 21 device pairs + SIGN = 22; marked = 25 pairs, which needs the two-byte head 0xB8 0x19.
        byte[][] pairs = Enumerable.Range(0, 21).Select(i => CborBuilder.UInt($"K{i}", (ulong)i)).ToArray();
        byte[] unsigned = CborBuilder.Definite([.. pairs, CborBuilder.Bytes("SIGN", 64)]);
        var signature = new byte[64];
        TestKeys.DeviceEd25519.Sign([0xBF, .. pairs.SelectMany(p => p), 0xFF], signature);
        byte[] device = [.. unsigned[..^64], .. signature];

        byte[] marked = DatagramMarker.Mark(Read(device), Vectors.IngestionTime, Vectors.LogIndex, TestKeys.Broker);

        Assert.Equal(new byte[] { 0xB8, 25 }, marked[..2]);
        Assert.Equal(device[1..], marked[2..(device.Length + 1)]);
        Datagram markedDatagram = Read(marked);
        Assert.True(DatagramVerifier.VerifyDeviceSignature(markedDatagram, TestKeys.DeviceEd25519Public));
        Assert.True(DatagramVerifier.VerifyBrokerToken(markedDatagram, TestKeys.BrokerPublic));
    }

    [Fact]
    public void Mark_AlreadyMarked_Throws() =>
        Assert.Throws<ArgumentException>(() =>
            DatagramMarker.Mark(Read(Vectors.Bytes(Vectors.Ed25519MarkedIndefinite)), 1, 1, TestKeys.Broker));

    [Fact]
    public void Mark_EcdsaBrokerKey_Throws() =>
        Assert.Throws<ArgumentException>(() =>
            DatagramMarker.Mark(Read(Vectors.Bytes(Vectors.Ed25519Indefinite)), 1, 1, TestKeys.DeviceP256));

    [Fact]
    public void Mark_DestinationTooSmall_Throws()
    {
        Datagram datagram = Read(Vectors.Bytes(Vectors.Ed25519Indefinite));
        var destination = new byte[DatagramMarker.MarkedLength(datagram, 1, 1) - 1];
        Assert.Throws<ArgumentException>(() => DatagramMarker.Mark(datagram, 1, 1, TestKeys.Broker, destination));
    }
}
