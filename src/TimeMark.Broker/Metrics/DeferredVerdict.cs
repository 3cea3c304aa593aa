namespace TimeMark.Broker.Metrics;

/// <summary>What a deferred device-signature check (<see cref="Pipeline.DeferredVerifier"/>) found.</summary>
public enum DeferredVerdict
{
    /// <summary>SIGN verifies with the publisher's key.</summary>
    Good,
    /// <summary>SIGN does not verify: the message was forwarded all the same.</summary>
    BadSignature,
    /// <summary>The check queue was full: the message was forwarded and not checked by the broker.</summary>
    Skipped,
}
