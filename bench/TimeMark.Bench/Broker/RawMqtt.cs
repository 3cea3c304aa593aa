// MQTT v5 (OASIS MQTT Version 5.0) framing, just enough for a load generator: CONNECT §3.1, CONNACK §3.2,
// PUBLISH §3.3, PUBACK §3.4, SUBSCRIBE §3.8, SUBACK §3.9, DISCONNECT §3.14. Written by hand so the generator's
// own cost per message is a memcpy and a syscall share, not a client library's (issue 7: the MQTTnet client
// cost ~40-70 µs per message on the same cores as the broker).

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TimeMark.Bench.Broker;

/// <summary>One MQTT v5 connection over a raw socket: packets are written as prepared bytes and read by a small framer.</summary>
internal sealed class RawMqtt : IAsyncDisposable
{
    public const byte Connack = 2, Publish = 3, Puback = 4, Suback = 9;

    private readonly Socket _socket;
    private byte[] _buffer = new byte[256 * 1024];
    private int _start, _end;

    private RawMqtt(Socket socket) => _socket = socket;

    /// <summary>The broker's Receive Maximum from CONNACK (§3.2.2.3.3): QoS 1 PUBLISHes it allows in flight.</summary>
    public int ReceiveMaximum { get; private set; } = 65_535;

    /// <summary>Connects, sends CONNECT (clean start), and checks CONNACK's reason code.</summary>
    public static async Task<RawMqtt> ConnectAsync(IPEndPoint broker, string clientId, string? userName, ushort keepAliveSeconds = 60,
        IPAddress? source = null)
    {
        var socket = new Socket(broker.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (source is not null)
            socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(broker);
        var mqtt = new RawMqtt(socket);
        await mqtt.SendAsync(ConnectPacket(clientId, userName, keepAliveSeconds));
        (byte type, ReadOnlyMemory<byte> body) = await mqtt.ReadPacketAsync();
        if (type >> 4 != Connack || body.Length < 2 || body.Span[1] != 0)
            throw new InvalidOperationException($"{clientId}: CONNACK refused (type {type:x2}, reason {(body.Length > 1 ? body.Span[1] : -1):x2})");
        mqtt.ReadConnackProperties(body.Span[2..]);
        return mqtt;
    }

    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes) => _socket.SendAsync(bytes, SocketFlags.None);

    /// <summary>Writes all of <paramref name="bytes"/>, blocking: for the fixed-rate pacer, which has a thread of its own.</summary>
    public void Send(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
            bytes = bytes[_socket.Send(bytes, SocketFlags.None)..];
    }

    /// <summary>SUBSCRIBE to one filter at <paramref name="qos"/> and wait for SUBACK.</summary>
    public async Task SubscribeAsync(string filter, int qos)
    {
        byte[] topic = Encoding.UTF8.GetBytes(filter);
        var body = new List<byte> { 0, 1, 0 }; // packet id 1, no properties
        body.AddRange(Str(topic));
        body.Add((byte)qos);
        await SendAsync(Frame(0x82, [.. body]));
        (byte type, ReadOnlyMemory<byte> ack) = await ReadPacketAsync();
        if (type >> 4 != Suback || ack.Span[^1] >= 0x80)
            throw new InvalidOperationException($"SUBSCRIBE {filter} refused");
    }

    /// <summary>The next whole packet: its first byte and its body (valid until the next read).</summary>
    public async ValueTask<(byte Type, ReadOnlyMemory<byte> Body)> ReadPacketAsync()
    {
        while (true)
        {
            if (TryTakePacket(out byte type, out ReadOnlyMemory<byte> body))
                return (type, body);
            if (!await FillAsync())
                throw new EndOfStreamException("the broker closed the connection");
        }
    }

    /// <summary>Reads more bytes from the socket; false at end of stream.</summary>
    public async ValueTask<bool> FillAsync()
    {
        if (_start > 0 && _start == _end)
            _start = _end = 0;
        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
        }
        int read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
        _end += read;
        return read > 0;
    }

    /// <summary>Takes one whole packet from what was read, if there is one.</summary>
    public bool TryTakePacket(out byte type, out ReadOnlyMemory<byte> body)
    {
        type = 0;
        body = default;
        int available = _end - _start;
        if (available < 2)
            return false;
        int length = 0, shift = 0, at = _start + 1;
        while (true)
        {
            if (at >= _end)
                return false;
            byte b = _buffer[at++];
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                break;
            shift += 7;
        }
        if (_end - at < length)
            return false;
        type = _buffer[_start];
        body = _buffer.AsMemory(at, length);
        _start = at + length;
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await SendAsync(new byte[] { 0xE0, 0x00 }); // DISCONNECT, normal
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already gone.
        }
        _socket.Dispose();
    }

    /// <summary>A PUBLISH with content type application/cbor (§3.3.2.3.9); a packet id only at QoS 1.</summary>
    public static byte[] PublishPacket(byte[] topic, ReadOnlySpan<byte> payload, int qos, ushort packetId)
    {
        ReadOnlySpan<byte> contentType = "application/cbor"u8;
        int propertiesLength = 1 + 2 + contentType.Length;
        int bodyLength = 2 + topic.Length + (qos > 0 ? 2 : 0) + 1 + propertiesLength + payload.Length;
        var packet = new byte[1 + VarIntLength(bodyLength) + bodyLength];
        packet[0] = (byte)(0x30 | (qos << 1));
        int at = 1 + WriteVarInt(packet.AsSpan(1), bodyLength);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(at), (ushort)topic.Length);
        topic.CopyTo(packet, at + 2);
        at += 2 + topic.Length;
        if (qos > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(at), packetId);
            at += 2;
        }
        packet[at++] = (byte)propertiesLength;
        packet[at++] = 0x03;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(at), (ushort)contentType.Length);
        contentType.CopyTo(packet.AsSpan(at + 2));
        at += 2 + contentType.Length;
        payload.CopyTo(packet.AsSpan(at));
        return packet;
    }

    /// <summary>Writes a PUBACK (success, §3.4.2.1: the short form with no reason code) at <paramref name="destination"/>.</summary>
    public static void WritePuback(Span<byte> destination, ushort packetId)
    {
        destination[0] = 0x40;
        destination[1] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], packetId);
    }

    private static byte[] ConnectPacket(string clientId, string? userName, ushort keepAliveSeconds)
    {
        var body = new List<byte> { 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 5 };
        body.Add((byte)(0x02 | (userName is null ? 0 : 0x80))); // clean start, user name
        body.Add((byte)(keepAliveSeconds >> 8));
        body.Add((byte)keepAliveSeconds);
        body.Add(0); // no properties
        body.AddRange(Str(Encoding.UTF8.GetBytes(clientId)));
        if (userName is not null)
            body.AddRange(Str(Encoding.UTF8.GetBytes(userName)));
        return Frame(0x10, [.. body]);
    }

    private void ReadConnackProperties(ReadOnlySpan<byte> properties)
    {
        int length = ReadVarInt(properties, out int at);
        ReadOnlySpan<byte> rest = properties.Slice(at, length);
        while (!rest.IsEmpty)
        {
            byte id = rest[0];
            rest = rest[1..];
            switch (id)
            {
                case 0x21: ReceiveMaximum = BinaryPrimitives.ReadUInt16BigEndian(rest); rest = rest[2..]; break;
                case 0x24 or 0x25 or 0x28 or 0x29 or 0x2A: rest = rest[1..]; break; // byte properties
                case 0x13 or 0x22: rest = rest[2..]; break; // two-byte integers
                case 0x11 or 0x27: rest = rest[4..]; break; // four-byte integers
                case 0x26: rest = SkipString(SkipString(rest)); break; // user property
                default: rest = SkipString(rest); break; // UTF-8 strings and binary data
            }
        }
    }

    private static ReadOnlySpan<byte> SkipString(ReadOnlySpan<byte> span) => span[(2 + BinaryPrimitives.ReadUInt16BigEndian(span))..];

    private static byte[] Str(byte[] value) => [(byte)(value.Length >> 8), (byte)value.Length, .. value];

    private static byte[] Frame(byte first, byte[] body)
    {
        var packet = new byte[1 + VarIntLength(body.Length) + body.Length];
        packet[0] = first;
        int at = 1 + WriteVarInt(packet.AsSpan(1), body.Length);
        body.CopyTo(packet, at);
        return packet;
    }

    private static int VarIntLength(int value) => value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;

    private static int WriteVarInt(Span<byte> destination, int value)
    {
        int at = 0;
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            destination[at++] = value > 0 ? (byte)(b | 0x80) : b;
        }
        while (value > 0);
        return at;
    }

    public static int ReadVarInt(ReadOnlySpan<byte> source, out int length)
    {
        int value = 0, shift = 0;
        length = 0;
        while (true)
        {
            byte b = source[length++];
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return value;
            shift += 7;
        }
    }
}
