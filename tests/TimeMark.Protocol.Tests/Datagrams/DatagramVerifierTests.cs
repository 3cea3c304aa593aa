using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

using static TimeMark.Protocol.Tests.TestDatagrams;

namespace TimeMark.Protocol.Tests.Datagrams;

public class DatagramVerifierTests
{
    public static TheoryData<string, string> DeviceVectors => new()
    {
        { Vectors.P256Indefinite, "device-p256.pem" },
        { Vectors.P256Definite, "device-p256.pem" },
        { Vectors.Ed25519Indefinite, "device-ed25519.pem" },
        { Vectors.Ed25519Definite, "device-ed25519.pem" },
    };

    private static VerifyingKey Key(string file) =>
        file == "device-p256.pem" ? TestKeys.DeviceP256Public : TestKeys.DeviceEd25519Public;

    [Theory]
    [MemberData(nameof(DeviceVectors))]
    public void VerifyDeviceSignature_IndependentVector_ReturnsTrue(string hex, string keyFile) =>
        Assert.True(DatagramVerifier.VerifyDeviceSignature(Read(Vectors.Bytes(hex)), Key(keyFile)));

    [Theory]
    [MemberData(nameof(DeviceVectors))]
    public void VerifyDeviceSignature_OtherDevicesKey_ReturnsFalse(string hex, string keyFile)
    {
        VerifyingKey other = keyFile == "device-p256.pem" ? TestKeys.DeviceEd25519Public : TestKeys.DeviceP256Public;
        Assert.False(DatagramVerifier.VerifyDeviceSignature(Read(Vectors.Bytes(hex)), other));
    }

    [Theory]
    [MemberData(nameof(DeviceVectors))]
    public void VerifyDeviceSignature_AnyBitFlippedInSignedPairsOrSign_NeverVerifies(string hex, string keyFile)
    {
        byte[] original = Vectors.Bytes(hex);
        Datagram clean = Read(original);
        // Every byte from the first key to the end of SIGN is covered: the pairs by the
        // signing input, the SIGN key and value by being the signature itself.
        int signEnd = clean.SignOffset + 5 + 2 + 64;
        for (int i = clean.PairsStart; i < signEnd; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] mangled = (byte[])original.Clone();
                mangled[i] ^= (byte)(1 << bit);
                bool verifies = DatagramReader.TryRead(mangled, out Datagram datagram, out _)
                    && DatagramVerifier.VerifyDeviceSignature(datagram, Key(keyFile));
                Assert.False(verifies, $"flipping bit {bit} of byte {i} still verifies");
            }
        }
    }

    [Fact]
    public void VerifyDeviceSignature_ReframedDefiniteToIndefinite_StillVerifies()
    {
        // The map header is outside the signing input: the rule signs 0xBF ‖ pairs ‖ 0xFF whatever the framing.
        byte[] definite = Vectors.Bytes(Vectors.Ed25519Definite);
        byte[] reframed = [0xBF, .. definite[1..], 0xFF];
        Assert.Equal(Vectors.Ed25519Indefinite, Convert.ToHexStringLower(reframed));
        Assert.True(DatagramVerifier.VerifyDeviceSignature(Read(reframed), TestKeys.DeviceEd25519Public));
    }

    [Fact]
    public void VerifyDeviceSignature_BrokerFieldsChanged_StillVerifies()
    {
        // The device signature covers only the pairs before SIGN.
        byte[] marked = Vectors.Bytes(Vectors.Ed25519MarkedIndefinite);
        Datagram clean = Read(marked);
        int ingestionValue = clean.SignOffset + 5 + 2 + 64 + 15;
        marked[ingestionValue + 8] ^= 0x01; // low byte of INGESTION_TIME
        marked[^2] ^= 0x01; // last byte of the token
        Assert.True(DatagramVerifier.VerifyDeviceSignature(Read(marked), TestKeys.DeviceEd25519Public));
    }

    [Theory]
    [InlineData(Vectors.Ed25519MarkedIndefinite)]
    [InlineData(Vectors.Ed25519MarkedDefinite)]
    public void VerifyBrokerToken_IndependentVector_ReturnsTrue(string hex) =>
        Assert.True(DatagramVerifier.VerifyBrokerToken(Read(Vectors.Bytes(hex)), TestKeys.BrokerPublic));

    [Fact]
    public void VerifyBrokerToken_AnyBitFlippedBeforeTheTokenValue_NeverVerifies()
    {
        byte[] original = Vectors.Bytes(Vectors.Ed25519MarkedIndefinite);
        for (int i = 1; i < original.Length - 1; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] mangled = (byte[])original.Clone();
                mangled[i] ^= (byte)(1 << bit);
                bool verifies = DatagramReader.TryRead(mangled, out Datagram datagram, out _)
                    && DatagramVerifier.VerifyBrokerToken(datagram, TestKeys.BrokerPublic);
                Assert.False(verifies, $"flipping bit {bit} of byte {i} still verifies");
            }
        }
    }

    [Fact]
    public void VerifyBrokerToken_UnmarkedDatagram_ReturnsFalse() =>
        Assert.False(DatagramVerifier.VerifyBrokerToken(Read(Vectors.Bytes(Vectors.Ed25519Indefinite)), TestKeys.BrokerPublic));

    [Fact]
    public void VerifyBrokerToken_EcdsaKey_ReturnsFalse() =>
        Assert.False(DatagramVerifier.VerifyBrokerToken(Read(Vectors.Bytes(Vectors.Ed25519MarkedIndefinite)), TestKeys.DeviceP256Public));

    [Fact]
    public void SigningInputFor_Sign_IsIndefiniteMapOfThePairsBeforeSign()
    {
        byte[] input = DatagramVerifier.SigningInputFor(Read(Vectors.Bytes(Vectors.Ed25519Definite)), DatagramField.Sign);
        Assert.Equal([0xBF, .. CborBuilder.DevicePairs(), 0xFF], input);
    }

    [Fact]
    public void SigningInputFor_LargeDatagram_UsesPooledBufferAndVerifies()
    {
        // A BODY larger than the stack buffer takes the pooled path.
        byte[] body = CborBuilder.Pair("BODY", w => { w.WriteStartMap(1); w.WriteTextString("blob"); w.WriteByteString(new byte[4000]); w.WriteEndMap(); });
        var content = new DatagramContent { Ts = 1, Ver = 1, Action = 1, Body = body.AsMemory(5) };
        byte[] datagram = DatagramWriter.Write(content, TestKeys.DeviceP256, indefiniteLength: true);
        Assert.True(DatagramVerifier.VerifyDeviceSignature(Read(datagram), TestKeys.DeviceP256Public));
    }
}
