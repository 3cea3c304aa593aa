using System.Formats.Cbor;

namespace TimeMark.Protocol.Tests;

/// <summary>Builds test datagrams pair by pair with the library's own CBOR writer.</summary>
internal static class CborBuilder
{
    public static byte[] Text(string key)
    {
        var writer = new CborWriter();
        writer.WriteTextString(key);
        return writer.Encode();
    }

    public static byte[] UInt(string key, ulong value) => Pair(key, w => w.WriteUInt64(value));

    public static byte[] Bytes(string key, int length) => Pair(key, w => w.WriteByteString(new byte[length]));

    public static byte[] Pair(string key, Action<CborWriter> value)
    {
        var writer = new CborWriter(CborConformanceMode.Lax, allowMultipleRootLevelValues: true);
        writer.WriteTextString(key);
        value(writer);
        return writer.Encode();
    }

    /// <summary>The device pairs of the vectors, without SIGN.</summary>
    public static byte[] DevicePairs() =>
    [
        .. UInt("TS", Vectors.Ts), .. UInt("VER", Vectors.Ver), .. UInt("PROT", 1),
        .. UInt("ACTION", Vectors.Action), .. UInt("STATUS", 0),
        .. Text("BODY"), .. Vectors.Bytes(Vectors.Body),
    ];

    public static byte[] Indefinite(params byte[][] pairs) => [0xBF, .. pairs.SelectMany(p => p), 0xFF];

    /// <summary>A definite-length map of fewer than 24 pairs (one-byte head 0xA0 + count).</summary>
    public static byte[] Definite(params byte[][] pairs)
    {
        Assert.InRange(pairs.Length, 0, 23);
        return [(byte)(0xA0 + pairs.Length), .. pairs.SelectMany(p => p)];
    }
}
