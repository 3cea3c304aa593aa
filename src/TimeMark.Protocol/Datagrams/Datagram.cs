namespace TimeMark.Protocol.Datagrams;

/// <summary>
/// A BRAID datagram as read from the wire (design.md, "The BRAID datagram"):
/// the fields, and the byte offsets that the signing rule slices. It holds the
/// original bytes and never copies or re-encodes them.
/// </summary>
/// <remarks>
/// Signing input for a signature stored under key K: 0xBF, the raw bytes of
/// every key/value pair before K, 0xFF. The pairs start right after the map
/// header (<see cref="PairsStart"/>), so the input for SIGN is
/// 0xBF ‖ Bytes[PairsStart..SignOffset] ‖ 0xFF, and the input for
/// VERIFICATION_TOKEN is 0xBF ‖ Bytes[PairsStart..VerificationTokenOffset] ‖ 0xFF.
/// </remarks>
public readonly struct Datagram
{
    internal Datagram(
        ReadOnlyMemory<byte> bytes, bool isIndefiniteLength, int pairsStart, int pairsEnd, int pairCount,
        in DeviceFields device, in BrokerFields broker)
    {
        Bytes = bytes;
        IsIndefiniteLength = isIndefiniteLength;
        PairsStart = pairsStart;
        PairsEnd = pairsEnd;
        PairCount = pairCount;
        _device = device;
        _broker = broker;
    }

    private readonly DeviceFields _device;
    private readonly BrokerFields _broker;

    /// <summary>The datagram exactly as received.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>True for an indefinite-length map (0xBF … 0xFF), as the BRAID firmware writes.</summary>
    public bool IsIndefiniteLength { get; }

    /// <summary>Offset of the first key, right after the map header.</summary>
    public int PairsStart { get; }

    /// <summary>Offset just past the last value (the break byte, for an indefinite-length map).</summary>
    public int PairsEnd { get; }

    /// <summary>Number of key/value pairs.</summary>
    public int PairCount { get; }

    public ulong? Ts => _device.Ts;
    public ulong? Ver => _device.Ver;
    public ulong? Prot => _device.Prot;
    public ulong? Action => _device.Action;
    public ulong? Status => _device.Status;

    /// <summary>The encoded BODY map, or empty when BODY is absent.</summary>
    public ReadOnlyMemory<byte> Body => _device.Body;
    public bool HasBody => _device.HasBody;

    /// <summary>Offset of the SIGN key: device pairs are Bytes[PairsStart..SignOffset].</summary>
    public int SignOffset => _device.SignOffset;

    /// <summary>The 64-byte device signature.</summary>
    public ReadOnlyMemory<byte> Sign => _device.Sign;

    public ulong? IngestionTime => _broker.IngestionTime;
    public ulong? LogIndex => _broker.LogIndex;

    /// <summary>Offset of the VERIFICATION_TOKEN key, or -1 when the datagram carries no token.</summary>
    public int VerificationTokenOffset => _broker.TokenOffset;

    /// <summary>The 64-byte broker token, or empty.</summary>
    public ReadOnlyMemory<byte> VerificationToken => _broker.Token;

    /// <summary>True when any broker field is present.</summary>
    public bool HasBrokerFields => _broker.IngestionTime.HasValue || _broker.LogIndex.HasValue || _broker.TokenOffset >= 0;

    /// <summary>The pairs signed by SIGN, as received.</summary>
    public ReadOnlySpan<byte> DevicePairs => Bytes.Span[PairsStart..SignOffset];

    /// <summary>The pairs signed by VERIFICATION_TOKEN, as received; empty when there is no token.</summary>
    public ReadOnlySpan<byte> MarkedPairs => _broker.TokenOffset < 0 ? default : Bytes.Span[PairsStart.._broker.TokenOffset];

    /// <summary>All key/value pairs, without the map header or break byte.</summary>
    public ReadOnlySpan<byte> AllPairs => Bytes.Span[PairsStart..PairsEnd];

    internal readonly record struct DeviceFields(
        ulong? Ts, ulong? Ver, ulong? Prot, ulong? Action, ulong? Status,
        bool HasBody, ReadOnlyMemory<byte> Body, int SignOffset, ReadOnlyMemory<byte> Sign);

    internal readonly record struct BrokerFields(
        ulong? IngestionTime, ulong? LogIndex, int TokenOffset, ReadOnlyMemory<byte> Token);
}
