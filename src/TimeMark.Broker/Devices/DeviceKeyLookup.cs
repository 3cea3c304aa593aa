using System.Diagnostics.CodeAnalysis;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Devices;

/// <summary>A device's key, or why the broker has none for it.</summary>
public sealed class DeviceKeyLookup
{
    private DeviceKeyLookup(VerifyingKey? key, string? reason)
    {
        Key = key;
        Reason = reason;
    }

    public VerifyingKey? Key { get; }

    /// <summary>Why there is no key; null when there is one.</summary>
    public string? Reason { get; }

    [MemberNotNullWhen(true, nameof(Key))]
    [MemberNotNullWhen(false, nameof(Reason))]
    public bool IsKnown => Key is not null;

    public static DeviceKeyLookup Found(VerifyingKey key) => new(key, null);

    public static DeviceKeyLookup Unknown(string reason) => new(null, reason);
}
