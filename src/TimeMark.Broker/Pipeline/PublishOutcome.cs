namespace TimeMark.Broker.Pipeline;

/// <summary>
/// What the pipeline decided for one PUBLISH: forward it (the payload to send and
/// the mark that travels in user properties), reject it (the reason, for the publisher),
/// or acknowledge a retransmission of a datagram already marked (neither marked nor forwarded again).
/// </summary>
/// <remarks>
/// The mark is kept as values, not as formatted properties: the hook formats them once,
/// straight into the UTF-8 bytes MQTT sends.
/// </remarks>
public sealed class PublishOutcome
{
    private PublishOutcome(bool forward, ReadOnlyMemory<byte> payload, ulong ingestionTime, long logIndex, string status, byte[]? token,
        RejectReason? rejection, string detail)
    {
        IsForwarded = forward;
        Payload = payload;
        IngestionTime = ingestionTime;
        LogIndex = logIndex;
        Status = status;
        Token = token;
        Rejection = rejection;
        Detail = detail;
    }

    public bool IsForwarded { get; }

    /// <summary>The payload subscribers get: the marked datagram, or the original bytes.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>tm-ingestion-time: INGESTION_TIME in Unix milliseconds; 0 when rejected.</summary>
    public ulong IngestionTime { get; }

    /// <summary>tm-log-index: the evidence-log index of the message; -1 when rejected.</summary>
    public long LogIndex { get; }

    /// <summary>tm-status: one of the <see cref="MarkStatus"/> values; empty when rejected.</summary>
    public string Status { get; }

    /// <summary>tm-token, for messages that are not datagrams: the Ed25519 signature over the log entry; null otherwise.</summary>
    public byte[]? Token { get; }

    /// <summary>Why the message was rejected, or null when forwarded.</summary>
    public RejectReason? Rejection { get; }

    /// <summary>A sentence for the publisher and the broker's log.</summary>
    public string Detail { get; }

    public static PublishOutcome Forward(ReadOnlyMemory<byte> payload, ulong ingestionTime, long logIndex, string status, byte[]? token) =>
        new(true, payload, ingestionTime, logIndex, status, token, null, "");

    public static PublishOutcome Reject(RejectReason reason, string detail) =>
        new(false, default, 0, -1, "", null, reason, detail);

    /// <summary>Acknowledged as received, with <paramref name="detail"/> as the reason string; not forwarded.</summary>
    public static PublishOutcome Retransmitted(string detail) =>
        new(false, default, 0, -1, "", null, null, detail);
}
