namespace TimeMark.Broker.Pipeline;

/// <summary>
/// What the pipeline decided for one PUBLISH: forward it (the payload to send,
/// the mark's user properties), or reject it (the reason, for the publisher).
/// </summary>
public sealed class PublishOutcome
{
    private PublishOutcome(bool forward, ReadOnlyMemory<byte> payload, IReadOnlyList<KeyValuePair<string, string>> properties,
        RejectReason? rejection, string detail)
    {
        IsForwarded = forward;
        Payload = payload;
        Properties = properties;
        Rejection = rejection;
        Detail = detail;
    }

    public bool IsForwarded { get; }

    /// <summary>The payload subscribers get: the marked datagram, or the original bytes.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The mark as MQTT v5 user properties: tm-ingestion-time, tm-log-index, tm-status, and tm-token for non-datagrams.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Properties { get; }

    /// <summary>Why the message was rejected, or null when forwarded.</summary>
    public RejectReason? Rejection { get; }

    /// <summary>A sentence for the publisher and the broker's log.</summary>
    public string Detail { get; }

    public static PublishOutcome Forward(ReadOnlyMemory<byte> payload, IReadOnlyList<KeyValuePair<string, string>> properties) =>
        new(true, payload, properties, null, "");

    public static PublishOutcome Reject(RejectReason reason, string detail) =>
        new(false, default, [], reason, detail);
}
