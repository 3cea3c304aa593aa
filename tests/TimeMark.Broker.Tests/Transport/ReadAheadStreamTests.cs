using TimeMark.Broker.Transport;

namespace TimeMark.Broker.Tests.Transport;

/// <summary>
/// The read-ahead under every MQTT connection: MQTTnet's small reads of a packet are served from one receive,
/// and the bytes it gets are exactly the bytes sent, however the network splits them.
/// </summary>
public sealed class ReadAheadStreamTests
{
    /// <summary>An inner stream that hands out at most <paramref name="chunk"/> bytes per read and counts its reads and writes.</summary>
    private sealed class CountingStream(byte[] data, int chunk = int.MaxValue) : MemoryStream(data.Length)
    {
        private int _readPosition;

        public int Reads { get; private set; }
        public List<byte[]> Writes { get; } = [];

        public override ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            Reads++;
            int count = Math.Min(Math.Min(destination.Length, chunk), data.Length - _readPosition);
            data.AsMemory(_readPosition, count).CopyTo(destination);
            _readPosition += count;
            return ValueTask.FromResult(count);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            Writes.Add(source.ToArray());
            return ValueTask.CompletedTask;
        }
    }

    private static byte[] Bytes(int count) => [.. Enumerable.Range(0, count).Select(i => unchecked((byte)i))];

    /// <summary>Reads exactly <paramref name="count"/> bytes, looping as MQTTnet does.</summary>
    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var result = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = await stream.ReadAsync(result.AsMemory(read));
            Assert.NotEqual(0, n);
            read += n;
        }
        return result;
    }

    [Fact]
    public async Task ReadAsync_HeaderLengthAndBody_ServedFromOneInnerRead()
    {
        byte[] packet = Bytes(300);
        var inner = new CountingStream(packet);
        await using var stream = new ReadAheadStream(inner);

        byte[] header = await ReadExactlyAsync(stream, 2);
        byte[] length = await ReadExactlyAsync(stream, 1);
        byte[] body = await ReadExactlyAsync(stream, 297);

        Assert.Equal(packet, (byte[])[.. header, .. length, .. body]);
        Assert.Equal(1, inner.Reads);
    }

    [Fact]
    public async Task ReadAsync_DataArrivingInPieces_AssembledInOrder()
    {
        byte[] data = Bytes(5000);
        await using var stream = new ReadAheadStream(new CountingStream(data, chunk: 7));

        byte[] read = [.. await ReadExactlyAsync(stream, 2), .. await ReadExactlyAsync(stream, 4998)];

        Assert.Equal(data, read);
    }

    [Fact]
    public async Task ReadAsync_LargeRead_GoesStraightToTheInnerStream()
    {
        byte[] data = Bytes(ReadAheadStream.BufferSize + 10);
        var inner = new CountingStream(data);
        await using var stream = new ReadAheadStream(inner);

        var destination = new byte[ReadAheadStream.BufferSize + 10];
        int n = await stream.ReadAsync(destination);

        Assert.Equal(data.Length, n);
        Assert.Equal(data, destination);
        Assert.Equal(1, inner.Reads);
    }

    [Fact]
    public async Task ReadAsync_AtEndOfStream_ReturnsZero()
    {
        await using var stream = new ReadAheadStream(new CountingStream(Bytes(3)));

        await ReadExactlyAsync(stream, 3);

        Assert.Equal(0, await stream.ReadAsync(new byte[10]));
    }

    [Fact]
    public async Task WriteAsync_ReachesTheInnerStreamAtOnceWithoutFlush()
    {
        var inner = new CountingStream([]);
        await using var stream = new ReadAheadStream(inner);

        await stream.WriteAsync(new byte[] { 0x40, 0x02, 0x00, 0x01 });

        Assert.Equal((byte[])[0x40, 0x02, 0x00, 0x01], Assert.Single(inner.Writes));
    }
}
