namespace TimeMark.Protocol.Datagrams;

/// <summary>
/// The top-level keys of a BRAID datagram (design.md, "The BRAID datagram").
/// The first seven are written by the device, the last three by the broker.
/// </summary>
public enum DatagramField
{
    /// <summary>A key that is not one of the BRAID fields.</summary>
    Unknown = 0,
    Ts,
    Ver,
    Prot,
    Action,
    Status,
    Body,
    Sign,
    IngestionTime,
    LogIndex,
    VerificationToken,
}
