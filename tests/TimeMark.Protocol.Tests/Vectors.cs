namespace TimeMark.Protocol.Tests;

/// <summary>
/// Fixed datagrams made by Interop/braid.py (independent of TimeMark) with the
/// keys in TestData (RFC 6979 §A.2.5 P-256, RFC 8032 §7.1 TEST 1 and TEST 2).
/// Device content: TS 1700000000, VER 42, PROT 1, ACTION 3, STATUS 0,
/// BODY {"temp": 21.5, "hum": 40, "ok": true}.
/// </summary>
internal static class Vectors
{
    public const ulong Ts = 1700000000;
    public const ulong Ver = 42;
    public const ulong Action = 3;
    public const ulong IngestionTime = 1700000000123;
    public const ulong LogIndex = 7;

    /// <summary>BODY as cbor2.dumps encodes it (21.5 as a float64).</summary>
    public const string Body = "a36474656d70fb40358000000000006368756d1828626f6bf5";

    private const string DevicePairs =
        "6254531a6553f10063564552182a6450524f540166414354494f4e03665354415455530064424f4459" + Body;

    /// <summary>Ed25519 SIGN by the RFC 8032 TEST 1 key (deterministic, so also an expected-output vector).</summary>
    private const string Ed25519SignPair = "645349474e5840"
        + "7ffc6ca1bf7db876b847272e3665a566d9ae476785632686aaa467d787cd7c8c9d8a259b7cf32d031e93d22dcbff43a862797134dec173fcefe3df5ab8342b0b";

    public const string Ed25519Indefinite = "bf" + DevicePairs + Ed25519SignPair + "ff";
    public const string Ed25519Definite = "a7" + DevicePairs + Ed25519SignPair;

    /// <summary>ECDSA P-256 r‖s by the RFC 6979 key; random k, so verify-only vectors.</summary>
    public const string P256Indefinite = "bf" + DevicePairs + "645349474e5840"
        + "197c894db47d559018356d9eeca92ebe44d20b04a45118e9264d51f7a489f138e2560eede0e882df1543f3ced4fb489fab45a4de643abcf00c95fcf2625629f2" + "ff";
    public const string P256Definite = "a7" + DevicePairs + "645349474e5840"
        + "740ff0403121f94bf2c06e609637478243081afb6e2171cd62a7c61dadada8345dfd1398c284b899bdb16f4559c2d627e6e1da82c6776fdac887df51c1659bbb";

    /// <summary>INGESTION_TIME 1700000000123 and LOG_INDEX 7, then the TEST 2 key's token over everything before it.</summary>
    private const string MarkPairs =
        "6e494e47455354494f4e5f54494d451b0000018bcfe5687b" + "694c4f475f494e44455807"
        + "72564552494649434154494f4e5f544f4b454e5840"
        + "2c163f5fcc9821720de03b71918f348f9b5f7ad44e9510e4383936e25188c4b145aae4fe2a60faaf576de9d33deff30fde5197fb06a2b73e5d41c898f31bed0f";

    public const string Ed25519MarkedIndefinite = "bf" + DevicePairs + Ed25519SignPair + MarkPairs + "ff";
    public const string Ed25519MarkedDefinite = "aa" + DevicePairs + Ed25519SignPair + MarkPairs;

    public static byte[] Bytes(string hex) => Convert.FromHexString(hex);
}
