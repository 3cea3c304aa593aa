namespace TimeMark.Broker.Devices;

/// <summary>How a datagram's VER and content relate to what the device sent before.</summary>
public enum SequenceVerdict
{
    /// <summary>The first datagram seen from the device, or VER one above the last.</summary>
    InOrder,
    /// <summary>VER skipped values: datagrams were lost or withheld on the way.</summary>
    Gap,
    /// <summary>VER is not above the last one, with content not seen before (a restarted device, or an old datagram replayed from before the window).</summary>
    Regression,
    /// <summary>Exactly the signed content of a datagram already marked: a replay.</summary>
    Replay,
    /// <summary>
    /// Exactly the signed content of a datagram already marked, in a PUBLISH the client marked as MQTT's own
    /// resend (DUP, QoS 1 or 2): its earlier copy reached the broker but the acknowledgement was lost.
    /// </summary>
    Retransmission,
}
