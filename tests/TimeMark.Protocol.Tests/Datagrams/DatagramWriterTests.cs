using TimeMark.Protocol.Datagrams;

namespace TimeMark.Protocol.Tests.Datagrams;

public class DatagramWriterTests
{
    private static readonly DatagramContent VectorContent = new()
    {
        Ts = Vectors.Ts,
        Ver = Vectors.Ver,
        Action = Vectors.Action,
        Body = Vectors.Bytes(Vectors.Body),
    };

    [Theory]
    [InlineData(true, Vectors.Ed25519Indefinite)]
    [InlineData(false, Vectors.Ed25519Definite)]
    public void Write_Ed25519_MatchesIndependentVectorByteForByte(bool indefinite, string expected) =>
        Assert.Equal(expected, Convert.ToHexStringLower(DatagramWriter.Write(VectorContent, TestKeys.DeviceEd25519, indefinite)));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Write_P256_VerifiesAndReadsBack(bool indefinite)
    {
        byte[] bytes = DatagramWriter.Write(VectorContent, TestKeys.DeviceP256, indefinite);

        Assert.True(DatagramReader.TryRead(bytes, out Datagram datagram, out _));
        Assert.Equal(indefinite, datagram.IsIndefiniteLength);
        Assert.True(DatagramVerifier.VerifyDeviceSignature(datagram, TestKeys.DeviceP256Public));
        // Same pairs as the independent vector; only the (randomised) signature differs.
        Assert.Equal(CborBuilder.DevicePairs(), datagram.DevicePairs.ToArray());
    }

    [Fact]
    public void Write_BodyNotAMap_Throws() =>
        Assert.Throws<ArgumentException>(() => DatagramWriter.Write(VectorContent with { Body = new byte[] { 0x01 } }, TestKeys.DeviceEd25519, true));

    [Fact]
    public void Write_BodyWithTrailingBytes_Throws() =>
        Assert.Throws<ArgumentException>(() => DatagramWriter.Write(VectorContent with { Body = new byte[] { 0xA0, 0xA0 } }, TestKeys.DeviceEd25519, true));
}
