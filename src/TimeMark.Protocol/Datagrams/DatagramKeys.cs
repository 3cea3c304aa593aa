namespace TimeMark.Protocol.Datagrams;

/// <summary>
/// The text keys of a BRAID datagram as UTF-8, and their CBOR encodings
/// (a definite-length text string, RFC 8949 §3.1 major type 3).
/// </summary>
internal static class DatagramKeys
{
    /// <summary>Maps the UTF-8 bytes of a key to its field; <see cref="DatagramField.Unknown"/> otherwise.</summary>
    public static DatagramField Identify(ReadOnlySpan<byte> utf8) => utf8 switch
    {
        _ when utf8.SequenceEqual("TS"u8) => DatagramField.Ts,
        _ when utf8.SequenceEqual("VER"u8) => DatagramField.Ver,
        _ when utf8.SequenceEqual("PROT"u8) => DatagramField.Prot,
        _ when utf8.SequenceEqual("ACTION"u8) => DatagramField.Action,
        _ when utf8.SequenceEqual("STATUS"u8) => DatagramField.Status,
        _ when utf8.SequenceEqual("BODY"u8) => DatagramField.Body,
        _ when utf8.SequenceEqual("SIGN"u8) => DatagramField.Sign,
        _ when utf8.SequenceEqual("INGESTION_TIME"u8) => DatagramField.IngestionTime,
        _ when utf8.SequenceEqual("LOG_INDEX"u8) => DatagramField.LogIndex,
        _ when utf8.SequenceEqual("VERIFICATION_TOKEN"u8) => DatagramField.VerificationToken,
        _ => DatagramField.Unknown,
    };

    /// <summary>The key as it appears on the wire, e.g. "INGESTION_TIME".</summary>
    public static string Name(DatagramField field) => field switch
    {
        DatagramField.Ts => "TS",
        DatagramField.Ver => "VER",
        DatagramField.Prot => "PROT",
        DatagramField.Action => "ACTION",
        DatagramField.Status => "STATUS",
        DatagramField.Body => "BODY",
        DatagramField.Sign => "SIGN",
        DatagramField.IngestionTime => "INGESTION_TIME",
        DatagramField.LogIndex => "LOG_INDEX",
        DatagramField.VerificationToken => "VERIFICATION_TOKEN",
        _ => "(unknown key)",
    };

    // Encoded keys the broker and the device writer emit: a definite-length text string,
    // so the header is 0x60 + length (all keys are shorter than 24 bytes).
    public static readonly byte[] EncodedSign = EncodeKey("SIGN");
    public static readonly byte[] EncodedIngestionTime = EncodeKey("INGESTION_TIME");
    public static readonly byte[] EncodedLogIndex = EncodeKey("LOG_INDEX");
    public static readonly byte[] EncodedVerificationToken = EncodeKey("VERIFICATION_TOKEN");

    private static byte[] EncodeKey(string key)
    {
        var encoded = new byte[1 + key.Length];
        encoded[0] = (byte)(0x60 + key.Length);
        System.Text.Encoding.ASCII.GetBytes(key, encoded.AsSpan(1));
        return encoded;
    }
}
