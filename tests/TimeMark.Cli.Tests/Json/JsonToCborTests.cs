using System.Text;
using System.Text.Json;
using TimeMark.Cli.Json;

namespace TimeMark.Cli.Tests.Json;

public sealed class JsonToCborTests
{
    /// <summary>Values and encodings from RFC 8949 Appendix A (integers, strings, arrays, maps).</summary>
    [Theory]
    [InlineData("0", "00")]
    [InlineData("1", "01")]
    [InlineData("10", "0a")]
    [InlineData("23", "17")]
    [InlineData("24", "1818")]
    [InlineData("25", "1819")]
    [InlineData("100", "1864")]
    [InlineData("1000", "1903e8")]
    [InlineData("1000000", "1a000f4240")]
    [InlineData("1000000000000", "1b000000e8d4a51000")]
    [InlineData("18446744073709551615", "1bffffffffffffffff")]
    [InlineData("-1", "20")]
    [InlineData("-10", "29")]
    [InlineData("-100", "3863")]
    [InlineData("-1000", "3903e7")]
    [InlineData("\"\"", "60")]
    [InlineData("\"a\"", "6161")]
    [InlineData("\"IETF\"", "6449455446")]
    [InlineData("\"\\\"\\\\\"", "62225c")]
    [InlineData("\"\\u00fc\"", "62c3bc")]
    [InlineData("\"\\u6c34\"", "63e6b0b4")]
    [InlineData("\"\\ud800\\udd51\"", "64f0908591")]
    [InlineData("[]", "80")]
    [InlineData("[1, 2, 3]", "83010203")]
    [InlineData("[1, [2, 3], [4, 5]]", "8301820203820405")]
    [InlineData("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]",
        "98190102030405060708090a0b0c0d0e0f101112131415161718181819")]
    [InlineData("{}", "a0")]
    [InlineData("""{"a": 1, "b": [2, 3]}""", "a26161016162820203")]
    [InlineData("""["a", {"b": "c"}]""", "826161a161626163")]
    [InlineData("""{"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"}""", "a56161614161626142616361436164614461656145")]
    [InlineData("false", "f4")]
    [InlineData("true", "f5")]
    [InlineData("null", "f6")]
    public void Convert_Rfc8949AppendixAValue_GivesItsEncoding(string json, string hex)
    {
        Assert.Equal(hex, Convert.ToHexStringLower(JsonToCbor.Convert(Encoding.UTF8.GetBytes(json))));
    }

    /// <summary>
    /// Numbers with a fraction or exponent become float64, never shortened: Appendix A's
    /// 1.1, 1.0e+300 and -4.1 are float64 there too; its 1.5 is a half, written here as float64.
    /// </summary>
    [Theory]
    [InlineData("1.1", "fb3ff199999999999a")]
    [InlineData("1.0e+300", "fb7e37e43c8800759c")]
    [InlineData("-4.1", "fbc010666666666666")]
    [InlineData("1.5", "fb3ff8000000000000")]
    [InlineData("1.0", "fb3ff0000000000000")]
    [InlineData("1e3", "fb408f400000000000")]
    public void Convert_NumberWithFractionOrExponent_GivesFloat64(string json, string hex)
    {
        Assert.Equal(hex, Convert.ToHexStringLower(JsonToCbor.Convert(Encoding.UTF8.GetBytes(json))));
    }

    [Fact]
    public void Convert_IntegerBeyondUInt64_GivesFloat64()
    {
        // 2^64: Appendix A shows it as bignum 2(h'010000000000000000'); RFC 8949 §6.2 also allows a float.
        Assert.Equal("fb43f0000000000000", Convert.ToHexStringLower(JsonToCbor.Convert("18446744073709551616"u8)));
    }

    [Fact]
    public void Convert_MostNegativeInt64_GivesNegativeInteger()
    {
        Assert.Equal("3b7fffffffffffffff", Convert.ToHexStringLower(JsonToCbor.Convert("-9223372036854775808"u8)));
    }

    [Fact]
    public void Convert_VectorBodyJson_GivesTheIndependentBodyBytes()
    {
        Assert.Equal(Vectors.Body, Convert.ToHexStringLower(JsonToCbor.Convert(Encoding.UTF8.GetBytes(Vectors.BodyJson))));
    }

    [Fact]
    public void Convert_ByteOrderMark_IsIgnored()
    {
        Assert.Equal("a0", Convert.ToHexStringLower(JsonToCbor.Convert("\uFEFF{}"u8)));
    }

    [Fact]
    public void Convert_SameKeyInSiblingObjects_IsAllowed()
    {
        Assert.Equal("82a1616101a1616102", Convert.ToHexStringLower(JsonToCbor.Convert("""[{"a": 1}, {"a": 2}]"""u8)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"a\": 1, \"a\": 2}")]
    [InlineData("{\"a\": {\"b\": 1, \"b\": 1}}")]
    [InlineData("{} {}")]
    [InlineData("{\"a\": 1,}")]
    [InlineData("// comment\n{}")]
    [InlineData("\"\\ud800\"")]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("NaN")]
    public void Convert_NotAcceptableJson_ThrowsJsonException(string json)
    {
        // The reader's own errors are JsonReaderException, an internal subclass of JsonException.
        Assert.ThrowsAny<JsonException>(() => JsonToCbor.Convert(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Convert_InvalidUtf8InString_ThrowsJsonException()
    {
        Assert.ThrowsAny<JsonException>(() => JsonToCbor.Convert([(byte)'"', 0xC3, 0x28, (byte)'"']));
    }
}
