namespace TimeMark.Broker.Transport;

/// <summary>
/// A connection's stream that reads ahead. MQTTnet reads each packet in two to four small reads (the fixed
/// header's two bytes, further remaining-length bytes one at a time, then the body), and on a
/// <see cref="System.Net.Sockets.NetworkStream"/> each read is one recv system call: about 4.5 per message
/// through the broker (the PUBLISH and the subscriber's PUBACK). This stream fills a
/// <see cref="BufferSize"/>-byte buffer with one receive and serves the small reads from it, so a busy
/// connection costs one system call per buffer, not per packet field. Writes go straight through.
/// </summary>
/// <remarks>
/// One reader at a time (MQTTnet's receive loop) and one writer at a time (its send loop) may use it at once:
/// they share nothing but the inner stream, which allows that. The buffer costs each connection
/// <see cref="BufferSize"/> bytes for its lifetime (docs/benchmarks.md, connection scale).
/// </remarks>
internal sealed class ReadAheadStream(Stream inner) : Stream
{
    /// <summary>Bytes read ahead at most: a dozen ~300-byte PUBLISHes; larger reads bypass the buffer.</summary>
    public const int BufferSize = 4096;

    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;

    public override bool CanRead => inner.CanRead;
    public override bool CanWrite => inner.CanWrite;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_start == _end && !destination.IsEmpty)
        {
            if (destination.Length >= BufferSize)
                return await inner.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
            _start = 0;
            _end = await inner.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        }
        return TakeBuffered(destination.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> destination)
    {
        if (_start == _end && !destination.IsEmpty)
        {
            if (destination.Length >= BufferSize)
                return inner.Read(destination);
            _start = 0;
            _end = inner.Read(_buffer);
        }
        return TakeBuffered(destination);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    private int TakeBuffered(Span<byte> destination)
    {
        int count = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, count).CopyTo(destination);
        _start += count;
        return count;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(source, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(ReadOnlySpan<byte> source) => inner.Write(source);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
