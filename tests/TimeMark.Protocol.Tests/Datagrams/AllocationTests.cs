using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Protocol.Tests.Datagrams;

/// <summary>The per-message path allocates nothing: reading slices, verifying and marking use the stack.</summary>
public class AllocationTests
{
    private static long AllocatedBy(Action action)
    {
        action(); // warm up: JIT, per-thread reader caches, crypto handles
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
            action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData(Vectors.Ed25519Indefinite)]
    [InlineData(Vectors.Ed25519MarkedDefinite)]
    public void TryRead_AllocatesNothing(string hex)
    {
        byte[] bytes = Vectors.Bytes(hex);
        Assert.Equal(0, AllocatedBy(() => DatagramReader.TryRead(bytes, out _, out _)));
    }

    [Fact]
    public void TryRead_StructuralRejection_AllocatesNothing()
    {
        // Rejections found by the datagram rules (here: a key after SIGN) cost nothing;
        // malformed CBOR is reported by CborReader through an exception, which allocates.
        byte[] bytes = CborBuilder.Indefinite(CborBuilder.Bytes("SIGN", 64), CborBuilder.UInt("TS", 1));
        Assert.Equal(0, AllocatedBy(() => DatagramReader.TryRead(bytes, out _, out _)));
    }

    [Fact]
    public void VerifyDeviceSignature_P256_AllocatesNoMoreThanTheRawVerify()
    {
        // .NET's OpenSSL-backed ECDsa.VerifyHash allocates about 1.2 KB per call by itself;
        // the datagram path must add nothing to that.
        Assert.True(DatagramReader.TryRead(Vectors.Bytes(Vectors.P256Indefinite), out Datagram datagram, out _));
        using var raw = System.Security.Cryptography.ECDsa.Create();
        raw.ImportSubjectPublicKeyInfo(TestKeys.DeviceP256Public.ExportSubjectPublicKeyInfo(), out _);
        byte[] hash = System.Security.Cryptography.SHA256.HashData(DatagramVerifier.SigningInputFor(datagram, DatagramField.Sign));
        byte[] signature = datagram.Sign.ToArray();

        long rawVerify = AllocatedBy(() => Assert.True(raw.VerifyHash((ReadOnlySpan<byte>)hash, signature)));
        long datagramVerify = AllocatedBy(() => DatagramVerifier.VerifyDeviceSignature(datagram, TestKeys.DeviceP256Public));
        Assert.Equal(rawVerify, datagramVerify);
    }

    [Fact]
    public void VerifyDeviceSignature_Ed25519_AllocatesNothing()
    {
        Assert.True(DatagramReader.TryRead(Vectors.Bytes(Vectors.Ed25519Indefinite), out Datagram datagram, out _));
        Assert.Equal(0, AllocatedBy(() => DatagramVerifier.VerifyDeviceSignature(datagram, TestKeys.DeviceEd25519Public)));
    }

    [Fact]
    public void Mark_IntoCallersBuffer_AllocatesNothing()
    {
        Assert.True(DatagramReader.TryRead(Vectors.Bytes(Vectors.Ed25519Indefinite), out Datagram datagram, out _));
        var destination = new byte[DatagramMarker.MarkedLength(datagram, Vectors.IngestionTime, Vectors.LogIndex)];
        SigningKey broker = TestKeys.Broker;
        Assert.Equal(0, AllocatedBy(() => DatagramMarker.Mark(datagram, Vectors.IngestionTime, Vectors.LogIndex, broker, destination)));
    }
}
