namespace TimeMark.Broker.Pipeline;

/// <summary>When the device signature (SIGN) of a BRAID datagram is checked.</summary>
public enum DeviceVerification
{
    /// <summary>
    /// Before the message is marked: a datagram whose SIGN does not verify is rejected (or, under the
    /// permissive policy, forwarded with <c>tm-status: bad-signature</c>). The default.
    /// </summary>
    Full,

    /// <summary>
    /// After it is marked, logged and forwarded, by a bounded background worker (<see cref="DeferredVerifier"/>):
    /// the per-message path only signs the mark. A bad SIGN is counted, logged and recorded, but the
    /// message has already been forwarded with <c>tm-status: sign-deferred</c> and cannot be called back.
    /// </summary>
    Deferred,
}
