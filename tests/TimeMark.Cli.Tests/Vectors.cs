namespace TimeMark.Cli.Tests;

/// <summary>
/// Independent datagrams, copied verbatim from tests/TimeMark.Protocol.Tests/Vectors.cs
/// (made by Interop/braid.py on Debian's cbor2 and PyNaCl, not by TimeMark) with the
/// RFC 8032 §7.1 keys in TestData: TEST 1 signs as the device, TEST 2 as the broker.
/// Device content: TS 1700000000, VER 42, PROT 1, ACTION 3, STATUS 0,
/// BODY {"temp": 21.5, "hum": 40, "ok": true}.
/// </summary>
internal static class Vectors
{
    /// <summary>The BODY as JSON; cbor2 encodes 21.5 as a float64, as JsonToCbor does.</summary>
    public const string BodyJson = """{"temp": 21.5, "hum": 40, "ok": true}""";

    /// <summary>BODY as cbor2.dumps encodes it.</summary>
    public const string Body = "a36474656d70fb40358000000000006368756d1828626f6bf5";

    private const string DevicePairs =
        "6254531a6553f10063564552182a6450524f540166414354494f4e03665354415455530064424f4459" + Body;

    /// <summary>SIGN by the RFC 8032 TEST 1 key.</summary>
    public const string Sign =
        "7ffc6ca1bf7db876b847272e3665a566d9ae476785632686aaa467d787cd7c8c9d8a259b7cf32d031e93d22dcbff43a862797134dec173fcefe3df5ab8342b0b";

    private const string Ed25519SignPair = "645349474e5840" + Sign;

    /// <summary>INGESTION_TIME 1700000000123, LOG_INDEX 7, then the TEST 2 key's token over everything before it.</summary>
    private const string MarkPairs =
        "6e494e47455354494f4e5f54494d451b0000018bcfe5687b" + "694c4f475f494e44455807"
        + "72564552494649434154494f4e5f544f4b454e5840" + VerificationToken;

    /// <summary>VERIFICATION_TOKEN by the RFC 8032 TEST 2 key.</summary>
    public const string VerificationToken =
        "2c163f5fcc9821720de03b71918f348f9b5f7ad44e9510e4383936e25188c4b145aae4fe2a60faaf576de9d33deff30fde5197fb06a2b73e5d41c898f31bed0f";

    public const string Ed25519Indefinite = "bf" + DevicePairs + Ed25519SignPair + "ff";
    public const string Ed25519MarkedIndefinite = "bf" + DevicePairs + Ed25519SignPair + MarkPairs + "ff";

    public const ulong IngestionTime = 1700000000123;
    public const ulong LogIndex = 7;

    public static byte[] Bytes(string hex) => Convert.FromHexString(hex);
}
