namespace TimeMark.Protocol.Datagrams;

/// <summary>
/// Fixed bounds on what the reader accepts. BRAID datagrams are a few hundred
/// bytes with a shallow BODY; the bounds keep hostile input cheap to reject.
/// </summary>
public static class DatagramLimits
{
    /// <summary>Largest datagram accepted, in bytes.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>Deepest nesting of maps, arrays and tags, counting the datagram map itself as 1.</summary>
    public const int MaxNestingDepth = 16;

    /// <summary>Most key/value pairs in the top-level map.</summary>
    public const int MaxTopLevelPairs = 32;

    /// <summary>Length of SIGN and VERIFICATION_TOKEN: ECDSA P-256 r‖s, or Ed25519.</summary>
    public const int SignatureLength = 64;
}
