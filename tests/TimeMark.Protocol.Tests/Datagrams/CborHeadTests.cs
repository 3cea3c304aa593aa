using System.Formats.Cbor;
using TimeMark.Protocol.Datagrams;

namespace TimeMark.Protocol.Tests.Datagrams;

public class CborHeadTests
{
    // Boundaries of RFC 8949 §3 argument widths, including the RFC 8949 Appendix A
    // examples 0, 23, 24, 100, 1000, 1000000, 1000000000000 and 18446744073709551615.
    [Theory]
    [InlineData(0UL, "00")]
    [InlineData(23UL, "17")]
    [InlineData(24UL, "1818")]
    [InlineData(100UL, "1864")]
    [InlineData(255UL, "18ff")]
    [InlineData(256UL, "190100")]
    [InlineData(1000UL, "1903e8")]
    [InlineData(65535UL, "19ffff")]
    [InlineData(65536UL, "1a00010000")]
    [InlineData(1000000UL, "1a000f4240")]
    [InlineData(4294967295UL, "1affffffff")]
    [InlineData(4294967296UL, "1b0000000100000000")]
    [InlineData(1000000000000UL, "1b000000e8d4a51000")]
    [InlineData(18446744073709551615UL, "1bffffffffffffffff")]
    public void Write_UnsignedInteger_MatchesRfc8949AndCborWriter(ulong value, string expected)
    {
        Span<byte> head = stackalloc byte[9];
        int length = CborHead.Write(head, CborHead.UnsignedInteger, value);

        Assert.Equal(expected, Convert.ToHexStringLower(head[..length]));
        Assert.Equal(CborHead.Length(value), length);
        var writer = new CborWriter();
        writer.WriteUInt64(value);
        Assert.Equal(writer.Encode(), head[..length].ToArray());
    }

    [Fact]
    public void Write_MapOfTwentyFivePairs_IsTwoByteHead()
    {
        Span<byte> head = stackalloc byte[9];
        Assert.Equal("b819", Convert.ToHexStringLower(head[..CborHead.Write(head, CborHead.Map, 25)]));
    }
}
