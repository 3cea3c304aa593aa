// The byte pipe to a TPM: swtpm's TCP or unix-socket data channel, or a kernel character device. All carry the same
// raw TPM 2.0 command and response bytes (TPM 2.0 Library Part 1 §18); only the framing of reads differs.

using System.Buffers.Binary;
using System.Net.Sockets;

namespace TimeMark.Attestation.Tpm;

/// <summary>One open connection to a TPM that sends a command and returns the whole response.</summary>
internal sealed class TpmConnection : IAsyncDisposable
{
    public const int HeaderSize = 10;

    /// <summary>Larger responses are garbage: TPM responses are bounded by MAX_RESPONSE_SIZE, 4096 on swtpm and most chips.</summary>
    public const int MaxResponseSize = 1 << 16;

    private readonly Stream _stream;

    /// <summary>A character device returns one whole response per read; a socket is a byte stream read until the header's size.</summary>
    private readonly bool _oneResponsePerRead;

    private TpmConnection(Stream stream, bool oneResponsePerRead)
    {
        _stream = stream;
        _oneResponsePerRead = oneResponsePerRead;
    }

    /// <exception cref="SocketException">The swtpm socket could not be reached.</exception>
    /// <exception cref="IOException">The device could not be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">The device could not be opened.</exception>
    public static async Task<TpmConnection> OpenAsync(TpmTarget target, CancellationToken cancellationToken)
    {
        switch (target.Kind)
        {
            case TpmTransportKind.SwtpmTcp:
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(target.Host, target.Port, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                return new TpmConnection(new NetworkStream(socket, ownsSocket: true), oneResponsePerRead: false);
            }
            case TpmTransportKind.SwtpmUnixSocket:
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(target.Path), cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                return new TpmConnection(new NetworkStream(socket, ownsSocket: true), oneResponsePerRead: false);
            }
            default:
                // Unbuffered, so each write is one command and each read one response, as the kernel driver expects.
                var device = new FileStream(target.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0, FileOptions.Asynchronous);
                return new TpmConnection(device, oneResponsePerRead: true);
        }
    }

    /// <summary>Sends one command and reads its response, header included.</summary>
    /// <exception cref="IOException">The connection broke, closed, or the response's size field is not sane.</exception>
    public async Task<byte[]> TransceiveAsync(byte[] command, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(command, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_oneResponsePerRead)
        {
            byte[] buffer = new byte[MaxResponseSize];
            int read = await _stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read < HeaderSize || CheckedSize(buffer) != read)
                throw new IOException($"the device returned {read} bytes, not one whole response");
            return buffer[..read];
        }
        byte[] header = new byte[HeaderSize];
        await ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        byte[] response = new byte[CheckedSize(header)];
        header.CopyTo(response, 0);
        await ReadExactlyAsync(response.AsMemory(HeaderSize), cancellationToken).ConfigureAwait(false);
        return response;
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    private static int CheckedSize(byte[] header)
    {
        uint size = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(2));
        if (size is < HeaderSize or > MaxResponseSize)
            throw new IOException($"the response header gives a size of {size} bytes");
        return (int)size;
    }

    private async Task ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            int read = await _stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
                throw new IOException("the TPM closed the connection before the whole response arrived");
            buffer = buffer[read..];
        }
    }
}
