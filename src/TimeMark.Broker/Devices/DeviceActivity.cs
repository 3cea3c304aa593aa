using TimeMark.Protocol.Datagrams;

namespace TimeMark.Broker.Devices;

/// <summary>
/// What the broker has seen of one device: VER sequence, replays, clock skew
/// and counts. Replays are recognised by the hash of the signed pairs, never by
/// SIGN: an ECDSA signature has a second valid form, so a replay can carry
/// different SIGN bytes over the same content.
/// </summary>
public sealed class DeviceActivity
{
    /// <summary>How many recent content hashes are remembered per device for replay detection.</summary>
    public const int ReplayWindow = 1024;

    private readonly Lock _lock = new();

    /// <summary>The outcome of content marked before this run: durable.</summary>
    private static readonly Task<bool> Durable = Task.FromResult(true);

    // Guarded by _lock. Each recent content with its marking's outcome: true once its entry is durable, false if it was not stored.
    private readonly Dictionary<ContentHash, Task<bool>> _recent = [];
    private readonly Queue<ContentHash> _recentOrder = new();
    private ulong? _lastVer;
    private long _marked, _rejected, _gaps, _regressions, _replays, _retransmissions;
    private SkewStatistics _skew;

    /// <summary>
    /// Classifies a verified datagram's VER and content, and remembers it with <paramref name="marking"/> unless it
    /// is a replay or a retransmission. Call it once per datagram that is about to be marked.
    /// </summary>
    /// <param name="ver">The datagram's VER.</param>
    /// <param name="content">The hash of its signed pairs.</param>
    /// <param name="resent">The PUBLISH carried MQTT's DUP flag: content seen before is then a retransmission, not a replay.</param>
    /// <param name="marking">Settles true once this datagram's entry is durable, false if it is not stored (then call <see cref="Forget"/> first).</param>
    /// <param name="firstCopy">For a retransmission, the marking of the copy seen first, which may still wait for the log; otherwise null.</param>
    public SequenceVerdict Observe(ulong ver, in ContentHash content, bool resent, Task<bool> marking, out Task<bool>? firstCopy)
    {
        lock (_lock)
        {
            firstCopy = null;
            if (_recent.TryGetValue(content, out Task<bool>? seen))
            {
                if (resent)
                {
                    _retransmissions++;
                    firstCopy = seen;
                    return SequenceVerdict.Retransmission;
                }
                _replays++;
                return SequenceVerdict.Replay;
            }

            Remember(content, marking);
            SequenceVerdict verdict = _lastVer switch
            {
                null => SequenceVerdict.InOrder,
                ulong last when ver == last + 1 => SequenceVerdict.InOrder,
                ulong last when ver > last => SequenceVerdict.Gap,
                _ => SequenceVerdict.Regression,
            };
            if (verdict == SequenceVerdict.Gap) _gaps++;
            if (verdict == SequenceVerdict.Regression) _regressions++;
            _lastVer = ver;
            return verdict;
        }
    }

    /// <summary>
    /// Takes a datagram marked before this run (read back from the evidence log) into the
    /// replay window and the VER sequence, without counting it as new activity.
    /// </summary>
    public void Restore(ulong ver, in ContentHash content)
    {
        lock (_lock)
        {
            if (!_recent.ContainsKey(content))
                Remember(content, Durable);
            _lastVer = ver;
        }
    }

    /// <summary>
    /// Drops content that <see cref="Observe"/> remembered but that was never marked (the log failed), so that
    /// the device's resend is marked rather than refused as a replay or acknowledged as a retransmission.
    /// </summary>
    /// <remarks>Its place in the eviction order stays: if the content comes back, it leaves the window early.</remarks>
    public void Forget(in ContentHash content)
    {
        lock (_lock)
            _recent.Remove(content);
    }

    public void RecordMarked(ClockSkew? skew)
    {
        lock (_lock)
        {
            _marked++;
            if (skew is ClockSkew measured)
                _skew = _skew.Add(measured);
        }
    }

    public void RecordRejected()
    {
        lock (_lock)
            _rejected++;
    }

    public DeviceSnapshot Snapshot()
    {
        lock (_lock)
            return new DeviceSnapshot(_lastVer, _marked, _rejected, _gaps, _regressions, _replays, _retransmissions, _skew);
    }

    private void Remember(in ContentHash content, Task<bool> marking)
    {
        if (_recentOrder.Count == ReplayWindow)
            _recent.Remove(_recentOrder.Dequeue());
        _recent.Add(content, marking);
        _recentOrder.Enqueue(content);
    }
}
