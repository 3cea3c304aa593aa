using TimeMark.Protocol.Datagrams;

namespace TimeMark.Protocol;

/// <summary>Every message text of the protocol library, in one place.</summary>
internal static class Errors
{
    public static string Describe(DatagramError error)
    {
        string field = DatagramKeys.Name(error.Field);
        string rule = error.Code switch
        {
            DatagramErrorCode.None => "no error",
            DatagramErrorCode.TooLarge => $"longer than the {DatagramLimits.MaxLength}-byte limit",
            DatagramErrorCode.NotAMap => "the top-level item is not a CBOR map",
            DatagramErrorCode.Truncated => "the bytes end before the map does",
            DatagramErrorCode.TrailingBytes => "bytes follow the end of the map",
            DatagramErrorCode.MalformedCbor => "not well-formed CBOR (RFC 8949 §5)",
            DatagramErrorCode.NonTextKey => "a top-level key is not a text string",
            DatagramErrorCode.DuplicateKey => $"key {field} appears twice",
            DatagramErrorCode.WrongFieldType => $"{field} is not {ExpectedType(error.Field)}",
            DatagramErrorCode.SignMissing => "SIGN is missing",
            DatagramErrorCode.BadSignatureLength => $"{field} is not a {DatagramLimits.SignatureLength}-byte byte string",
            DatagramErrorCode.BrokerFieldBeforeSign => $"broker field {field} comes before SIGN",
            DatagramErrorCode.UnsignedFieldAfterSign => $"key {field} after SIGN is not a broker field, so no signature covers it",
            DatagramErrorCode.BrokerFieldOutOfOrder => $"broker field {field} is out of order (INGESTION_TIME, LOG_INDEX, VERIFICATION_TOKEN, each at most once, token last)",
            DatagramErrorCode.NestedTooDeep => $"maps and arrays nest deeper than {DatagramLimits.MaxNestingDepth} levels",
            DatagramErrorCode.TooManyFields => $"more than {DatagramLimits.MaxTopLevelPairs} key/value pairs",
            _ => error.Code.ToString(),
        };
        return $"datagram: {rule} at offset {error.Offset}";
    }

    private static string ExpectedType(DatagramField field) => field switch
    {
        DatagramField.Body => "a map",
        DatagramField.Sign or DatagramField.VerificationToken => "a byte string",
        _ => "an unsigned integer",
    };

    public static string UnsupportedKeyAlgorithm(string what) =>
        $"key: unsupported algorithm {what}; TimeMark keys are ECDSA P-256 or Ed25519";

    public static string NoPemBlock(string expected) =>
        $"key: no PEM block found; expected {expected}";

    public static string UnexpectedPemLabel(string label, string expected) =>
        $"key: PEM block is \"{label}\"; expected {expected}";

    public static string BadKeyEncoding(string detail) =>
        $"key: the key encoding is invalid ({detail})";
}
