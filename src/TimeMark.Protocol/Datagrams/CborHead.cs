// CBOR data item head, RFC 8949 §3: 3-bit major type, 5-bit additional
// information, then a 0-, 1-, 2-, 4- or 8-byte big-endian argument.
using System.Buffers.Binary;

namespace TimeMark.Protocol.Datagrams;

/// <summary>
/// Writes the shortest head for a major type and argument: the few bytes the
/// broker appends to a datagram, without a general-purpose writer on the hot path.
/// </summary>
internal static class CborHead
{
    public const int UnsignedInteger = 0;
    public const int ByteString = 2;
    public const int Map = 5;

    public const byte IndefiniteMapStart = 0xBF;
    public const byte Break = 0xFF;

    /// <summary>Bytes the shortest head for <paramref name="argument"/> takes (RFC 8949 §4.2.1 preferred serialization).</summary>
    public static int Length(ulong argument) => argument switch
    {
        < 24 => 1,
        <= byte.MaxValue => 2,
        <= ushort.MaxValue => 3,
        <= uint.MaxValue => 5,
        _ => 9,
    };

    /// <summary>Writes the head and returns the number of bytes written.</summary>
    public static int Write(Span<byte> destination, int majorType, ulong argument)
    {
        byte type = (byte)(majorType << 5);
        switch (Length(argument))
        {
            case 1:
                destination[0] = (byte)(type | (byte)argument);
                return 1;
            case 2:
                destination[0] = (byte)(type | 24);
                destination[1] = (byte)argument;
                return 2;
            case 3:
                destination[0] = (byte)(type | 25);
                BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)argument);
                return 3;
            case 5:
                destination[0] = (byte)(type | 26);
                BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)argument);
                return 5;
            default:
                destination[0] = (byte)(type | 27);
                BinaryPrimitives.WriteUInt64BigEndian(destination[1..], argument);
                return 9;
        }
    }
}
