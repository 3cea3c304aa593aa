namespace TimeMark.Protocol.Datagrams;

/// <summary>Why a byte string is not a well-formed BRAID datagram.</summary>
public enum DatagramErrorCode
{
    None = 0,
    /// <summary>Longer than <see cref="DatagramLimits.MaxLength"/>.</summary>
    TooLarge,
    /// <summary>The top-level item is not a CBOR map.</summary>
    NotAMap,
    /// <summary>The bytes end before the map does.</summary>
    Truncated,
    /// <summary>Bytes follow the end of the map.</summary>
    TrailingBytes,
    /// <summary>The bytes are not well-formed (or not valid) CBOR, RFC 8949 §5.</summary>
    MalformedCbor,
    /// <summary>A top-level key is not a text string.</summary>
    NonTextKey,
    /// <summary>A top-level key appears twice.</summary>
    DuplicateKey,
    /// <summary>A field has the wrong CBOR type, e.g. TS is not an unsigned integer.</summary>
    WrongFieldType,
    /// <summary>SIGN is absent.</summary>
    SignMissing,
    /// <summary>SIGN or VERIFICATION_TOKEN is not a 64-byte byte string.</summary>
    BadSignatureLength,
    /// <summary>A broker field (INGESTION_TIME, LOG_INDEX, VERIFICATION_TOKEN) comes before SIGN.</summary>
    BrokerFieldBeforeSign,
    /// <summary>A key after SIGN is not a broker field, so no signature would cover it.</summary>
    UnsignedFieldAfterSign,
    /// <summary>Broker fields are out of order (INGESTION_TIME, LOG_INDEX, VERIFICATION_TOKEN) or follow the token.</summary>
    BrokerFieldOutOfOrder,
    /// <summary>Maps or arrays nest deeper than <see cref="DatagramLimits.MaxNestingDepth"/>.</summary>
    NestedTooDeep,
    /// <summary>The map has more than <see cref="DatagramLimits.MaxTopLevelPairs"/> pairs.</summary>
    TooManyFields,
}
