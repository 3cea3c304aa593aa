namespace TimeMark.Protocol.Datagrams;

/// <summary>What a device puts in a datagram before signing it (design.md field table).</summary>
public sealed record DatagramContent
{
    /// <summary>Device clock, Unix seconds (BRAID firmware) or milliseconds (BRAID backend scripts).</summary>
    public required ulong Ts { get; init; }

    /// <summary>Sequence number.</summary>
    public required ulong Ver { get; init; }

    /// <summary>Protocol version; BRAID defines 1.</summary>
    public ulong Prot { get; init; } = 1;

    /// <summary>1..7 (OPTIONS..TRACE).</summary>
    public required ulong Action { get; init; }

    /// <summary>0 for a request.</summary>
    public ulong Status { get; init; }

    /// <summary>The BODY as one encoded CBOR map.</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }
}
