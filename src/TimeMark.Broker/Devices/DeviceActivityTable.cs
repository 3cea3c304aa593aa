using System.Collections.Concurrent;

namespace TimeMark.Broker.Devices;

/// <summary>The activity of every device that published, by agent ID.</summary>
public sealed class DeviceActivityTable
{
    private readonly ConcurrentDictionary<string, DeviceActivity> _devices = new(StringComparer.Ordinal);

    public DeviceActivity For(string agentId) => _devices.GetOrAdd(agentId, _ => new DeviceActivity());

    public bool TryGet(string agentId, out DeviceActivity? activity) => _devices.TryGetValue(agentId, out activity);

    public IEnumerable<KeyValuePair<string, DeviceActivity>> All => _devices;
}
