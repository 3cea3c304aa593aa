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

    /// <summary>The outcome of content that no longer waits for the log: it is durable (content that was not is forgotten).</summary>
    private static readonly Task<bool> Durable = Task.FromResult(true);

    // Guarded by _lock. The window of recent content, and, for content still waiting for the log, its marking's outcome.
    private readonly HashSet<ContentHash> _recent = [];
    private readonly Queue<ContentHash> _recentOrder = new();
    private readonly Dictionary<ContentHash, TaskCompletionSource<bool>> _waiting = [];
    private ulong? _lastVer;
    private long _marked, _rejected, _gaps, _regressions, _replays, _retransmissions;
    private SkewStatistics _skew;

    /// <summary>
    /// Classifies a verified datagram's VER and content. Unless it is a replay or a retransmission, the content is
    /// remembered as waiting for the log, and the caller must <see cref="Settle"/> it once its entry is durable or failed.
    /// </summary>
    /// <param name="ver">The datagram's VER.</param>
    /// <param name="content">The hash of its signed pairs.</param>
    /// <param name="resent">The PUBLISH carried MQTT's DUP flag: content seen before is then a retransmission, not a replay.</param>
    /// <param name="firstCopy">
    /// For a retransmission, whether the copy seen first is stored: true, or settles once that copy no longer waits for the
    /// log; otherwise null.
    /// </param>
    public SequenceVerdict Observe(ulong ver, in ContentHash content, bool resent, out Task<bool>? firstCopy)
    {
        lock (_lock)
        {
            firstCopy = null;
            bool waiting = _waiting.TryGetValue(content, out TaskCompletionSource<bool>? marking);
            if (waiting || _recent.Contains(content))
            {
                if (resent)
                {
                    firstCopy = waiting ? marking!.Task : Durable;
                    return SequenceVerdict.Retransmission;
                }
                _replays++;
                return SequenceVerdict.Replay;
            }

            Remember(content);
            _waiting.Add(content, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
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
            if (!_recent.Contains(content))
                Remember(content);
            _lastVer = ver;
        }
    }

    /// <summary>
    /// Ends the wait of content that <see cref="Observe"/> took in. Content that was not stored (the log failed) is
    /// forgotten, so that the device's resend is marked rather than refused as a replay or acknowledged as a
    /// retransmission; resends that waited on it learn the outcome.
    /// </summary>
    /// <remarks>Forgotten content keeps its place in the eviction order: if it comes back, it leaves the window early.</remarks>
    public void Settle(in ContentHash content, bool stored)
    {
        TaskCompletionSource<bool>? marking;
        lock (_lock)
        {
            _waiting.Remove(content, out marking);
            if (!stored)
                _recent.Remove(content);
        }
        marking?.SetResult(stored);
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

    /// <summary>A retransmission acknowledged once its first copy was stored; counted then, as the metric is.</summary>
    public void RecordRetransmission()
    {
        lock (_lock)
            _retransmissions++;
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

    private void Remember(in ContentHash content)
    {
        if (_recentOrder.Count == ReplayWindow)
            _recent.Remove(_recentOrder.Dequeue());
        _recent.Add(content);
        _recentOrder.Enqueue(content);
    }
}
