using TimeMark.Cli.Cbor;

namespace TimeMark.Cli.Tests.Cbor;

public sealed class CborDiagnosticTests
{
    /// <summary>Every encoding and diagnostic pair of RFC 8949 Appendix A, verbatim.</summary>
    [Theory]
    [InlineData("00", "0")]
    [InlineData("01", "1")]
    [InlineData("0a", "10")]
    [InlineData("17", "23")]
    [InlineData("1818", "24")]
    [InlineData("1819", "25")]
    [InlineData("1864", "100")]
    [InlineData("1903e8", "1000")]
    [InlineData("1a000f4240", "1000000")]
    [InlineData("1b000000e8d4a51000", "1000000000000")]
    [InlineData("1bffffffffffffffff", "18446744073709551615")]
    [InlineData("c249010000000000000000", "2(h'010000000000000000')")]
    [InlineData("3bffffffffffffffff", "-18446744073709551616")]
    [InlineData("c349010000000000000000", "3(h'010000000000000000')")]
    [InlineData("20", "-1")]
    [InlineData("29", "-10")]
    [InlineData("3863", "-100")]
    [InlineData("3903e7", "-1000")]
    [InlineData("f90000", "0.0")]
    [InlineData("f98000", "-0.0")]
    [InlineData("f93c00", "1.0")]
    [InlineData("fb3ff199999999999a", "1.1")]
    [InlineData("f93e00", "1.5")]
    [InlineData("f97bff", "65504.0")]
    [InlineData("fa47c35000", "100000.0")]
    [InlineData("fa7f7fffff", "3.4028234663852886e+38")]
    [InlineData("fb7e37e43c8800759c", "1.0e+300")]
    [InlineData("f90001", "5.960464477539063e-8")]
    [InlineData("f90400", "0.00006103515625")]
    [InlineData("f9c400", "-4.0")]
    [InlineData("fbc010666666666666", "-4.1")]
    [InlineData("f97c00", "Infinity")]
    [InlineData("f97e00", "NaN")]
    [InlineData("f9fc00", "-Infinity")]
    [InlineData("fa7f800000", "Infinity")]
    [InlineData("fa7fc00000", "NaN")]
    [InlineData("faff800000", "-Infinity")]
    [InlineData("fb7ff0000000000000", "Infinity")]
    [InlineData("fb7ff8000000000000", "NaN")]
    [InlineData("fbfff0000000000000", "-Infinity")]
    [InlineData("f4", "false")]
    [InlineData("f5", "true")]
    [InlineData("f6", "null")]
    [InlineData("f7", "undefined")]
    [InlineData("f0", "simple(16)")]
    [InlineData("f8ff", "simple(255)")]
    [InlineData("c074323031332d30332d32315432303a30343a30305a", "0(\"2013-03-21T20:04:00Z\")")]
    [InlineData("c11a514b67b0", "1(1363896240)")]
    [InlineData("c1fb41d452d9ec200000", "1(1363896240.5)")]
    [InlineData("d74401020304", "23(h'01020304')")]
    [InlineData("d818456449455446", "24(h'6449455446')")]
    [InlineData("d82076687474703a2f2f7777772e6578616d706c652e636f6d", "32(\"http://www.example.com\")")]
    [InlineData("40", "h''")]
    [InlineData("4401020304", "h'01020304'")]
    [InlineData("60", "\"\"")]
    [InlineData("6161", "\"a\"")]
    [InlineData("6449455446", "\"IETF\"")]
    [InlineData("62225c", "\"\\\"\\\\\"")]
    [InlineData("62c3bc", "\"\\u00fc\"")]
    [InlineData("63e6b0b4", "\"\\u6c34\"")]
    [InlineData("64f0908591", "\"\\ud800\\udd51\"")]
    [InlineData("80", "[]")]
    [InlineData("83010203", "[1, 2, 3]")]
    [InlineData("8301820203820405", "[1, [2, 3], [4, 5]]")]
    [InlineData("98190102030405060708090a0b0c0d0e0f101112131415161718181819",
        "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]")]
    [InlineData("a0", "{}")]
    [InlineData("a201020304", "{1: 2, 3: 4}")]
    [InlineData("a26161016162820203", "{\"a\": 1, \"b\": [2, 3]}")]
    [InlineData("826161a161626163", "[\"a\", {\"b\": \"c\"}]")]
    [InlineData("a56161614161626142616361436164614461656145", "{\"a\": \"A\", \"b\": \"B\", \"c\": \"C\", \"d\": \"D\", \"e\": \"E\"}")]
    [InlineData("5f42010243030405ff", "(_ h'0102', h'030405')")]
    [InlineData("7f657374726561646d696e67ff", "(_ \"strea\", \"ming\")")]
    [InlineData("9fff", "[_ ]")]
    [InlineData("9f018202039f0405ffff", "[_ 1, [2, 3], [_ 4, 5]]")]
    [InlineData("9f01820203820405ff", "[_ 1, [2, 3], [4, 5]]")]
    [InlineData("83018202039f0405ff", "[1, [2, 3], [_ 4, 5]]")]
    [InlineData("83019f0203ff820405", "[1, [_ 2, 3], [4, 5]]")]
    [InlineData("9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff",
        "[_ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]")]
    [InlineData("bf61610161629f0203ffff", "{_ \"a\": 1, \"b\": [_ 2, 3]}")]
    [InlineData("826161bf61626163ff", "[\"a\", {_ \"b\": \"c\"}]")]
    [InlineData("bf6346756ef563416d7421ff", "{_ \"Fun\": true, \"Amt\": -2}")]
    public void TryFormat_Rfc8949AppendixAEncoding_GivesItsDiagnosticNotation(string hex, string expected)
    {
        Assert.True(CborDiagnostic.TryFormat(Convert.FromHexString(hex), out string? diagnostic, out string? error), error);
        Assert.Equal(expected, diagnostic);
    }

    /// <summary>RFC 8949 §8.1: the empty indefinite-length strings.</summary>
    [Theory]
    [InlineData("5fff", "''_")]
    [InlineData("7fff", "\"\"_")]
    [InlineData("bfff", "{_ }")]
    public void TryFormat_EmptyIndefiniteLengthItem_GivesSection81Form(string hex, string expected)
    {
        Assert.True(CborDiagnostic.TryFormat(Convert.FromHexString(hex), out string? diagnostic, out _));
        Assert.Equal(expected, diagnostic);
    }

    [Fact]
    public void TryFormat_ControlCharacters_AreEscaped()
    {
        // U+0001, LF, TAB, ESC, DEL as a text string.
        Assert.True(CborDiagnostic.TryFormat(Convert.FromHexString("65010a091b7f"), out string? diagnostic, out _));
        Assert.Equal("\"\\u0001\\n\\t\\u001b\\u007f\"", diagnostic);
    }

    [Fact]
    public void TryFormat_Sequence_SeparatesItemsWithCommas()
    {
        Assert.True(CborDiagnostic.TryFormat(Convert.FromHexString("0102a0"), out string? diagnostic, out _));
        Assert.Equal("1, 2, {}", diagnostic);
    }

    [Fact]
    public void TryFormat_NestingAtTheDatagramLimit_Succeeds()
    {
        byte[] nested = [.. Enumerable.Repeat((byte)0x81, CborDiagnostic.MaxDepth - 1), 0x80];

        Assert.True(CborDiagnostic.TryFormat(nested, out string? diagnostic, out _));
        Assert.Equal(new string('[', CborDiagnostic.MaxDepth) + new string(']', CborDiagnostic.MaxDepth), diagnostic);
    }

    [Fact]
    public void TryFormat_NestingBeyondTheDatagramLimit_FailsSayingSo()
    {
        byte[] nested = [.. Enumerable.Repeat((byte)0x81, CborDiagnostic.MaxDepth), 0x80];

        Assert.False(CborDiagnostic.TryFormat(nested, out _, out string? error));
        Assert.Contains("nest deeper than 16", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryFormat_TagsCountTowardsTheNestingLimit()
    {
        byte[] nested = [.. Enumerable.Repeat((byte)0xC1, CborDiagnostic.MaxDepth + 1), 0x00];

        Assert.False(CborDiagnostic.TryFormat(nested, out _, out _));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("1c", "offset 0")]
    [InlineData("6261", "offset 0")]
    [InlineData("8261616261", "offset 3")]
    [InlineData("fc", "offset 0")]
    [InlineData("ff", "offset 0")]
    public void TryFormat_NotWellFormed_FailsWithTheOffset(string hex, string expectedInError)
    {
        Assert.False(CborDiagnostic.TryFormat(Convert.FromHexString(hex), out string? diagnostic, out string? error));
        Assert.Null(diagnostic);
        Assert.Contains(expectedInError, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.1, "0.1")]
    [InlineData(1e21, "1.0e+21")]
    [InlineData(1e20, "100000000000000000000.0")]
    [InlineData(1e-7, "1.0e-7")]
    [InlineData(1.5e-6, "0.0000015")]
    [InlineData(123.456, "123.456")]
    [InlineData(-1e-300, "-1.0e-300")]
    public void FormatFloat_Value_FollowsEcmaScriptLayoutWithAFractionPart(double value, string expected)
    {
        Assert.Equal(expected, CborDiagnostic.FormatFloat(value));
    }
}
