namespace TimeMark.Broker.Pipeline;

/// <summary>Why a message failed a check. Each has its MQTT v5 reason code in <see cref="PublishOutcome"/>.</summary>
public enum RejectReason
{
    /// <summary>The publisher may not publish on this topic.</summary>
    TopicNotAllowed,
    /// <summary>The payload is larger than an evidence-log entry can hold.</summary>
    PayloadTooLarge,
    /// <summary>On a BRAID topic, the payload is not a well-formed BRAID datagram.</summary>
    MalformedDatagram,
    /// <summary>The datagram already carries broker fields.</summary>
    AlreadyMarked,
    /// <summary>No key is registered for the publisher.</summary>
    UnknownDevice,
    /// <summary>SIGN does not verify with the publisher's key.</summary>
    BadSignature,
    /// <summary>TS, VER, PROT, ACTION, STATUS or BODY is missing or out of range.</summary>
    BadDeviceFields,
    /// <summary>The same signed content was marked before.</summary>
    Replay,
    /// <summary>The evidence log could not make the entry durable.</summary>
    LogFailure,
}
