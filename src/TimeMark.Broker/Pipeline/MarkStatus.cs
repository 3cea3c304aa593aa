namespace TimeMark.Broker.Pipeline;

/// <summary>The values of the tm-status user property.</summary>
public static class MarkStatus
{
    /// <summary>Every check passed.</summary>
    public const string Ok = "ok";
    /// <summary>Checks passed; VER skipped values since the device's last datagram.</summary>
    public const string VerGap = "ver-gap";
    /// <summary>Checks passed; VER is not above the last one (a restarted device, or an old datagram).</summary>
    public const string VerRegression = "ver-regression";
    /// <summary>
    /// <see cref="DeviceVerification.Deferred"/>: every check but SIGN passed; SIGN is checked after forwarding
    /// (its verdict goes to the metrics, the broker's log and, when bad, the rejection records).
    /// </summary>
    public const string SignDeferred = "sign-deferred";

    /// <summary>Permissive policy: the check that failed, e.g. "bad-signature".</summary>
    public static string Of(RejectReason reason) => reason switch
    {
        RejectReason.MalformedDatagram => "malformed-datagram",
        RejectReason.AlreadyMarked => "already-marked",
        RejectReason.UnknownDevice => "unknown-device",
        RejectReason.BadSignature => "bad-signature",
        RejectReason.BadDeviceFields => "bad-device-fields",
        RejectReason.Replay => "replay",
        _ => reason.ToString(),
    };
}
