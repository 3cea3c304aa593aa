using TimeMark.Attestation.Events;
using TimeMark.Attestation.Tpm;

namespace TimeMark.Attestation.Launch;

/// <summary>
/// Records a launch in the TPM: every measurement is written to the event log (and synced) before it is
/// extended into the PCR, so a crash between the two leaves a log that no longer replays to the PCR —
/// a verifier then refuses the quote, never accepts a measurement that was not made.
/// </summary>
public static class MeasuredLaunch
{
    /// <summary>
    /// PCR 16 (debug) and PCR 23 (application support) can be reset from locality 0 (TCG PC Client
    /// Platform TPM Profile, PCR attributes): a launch on them starts from a clean value. Anyone who
    /// reaches the TPM can do the same, which is why docs/attestation.md asks for a measured launcher.
    /// </summary>
    public static bool IsResettable(int pcr) => pcr is 16 or 23;

    /// <summary>
    /// Starts the record of a new launch. A resettable PCR is reset and the event log emptied. Any other
    /// PCR keeps its history: the log is continued when it replays to the PCR, started afresh when the PCR
    /// holds its reset value (the TPM restarted), and refused otherwise.
    /// </summary>
    /// <exception cref="InvalidOperationException">The PCR holds extends the event log does not account for.</exception>
    /// <exception cref="TpmException">The TPM failed or could not be reached.</exception>
    public static async Task BeginAsync(TpmClient tpm, int pcr, string eventLogPath, CancellationToken cancellationToken)
    {
        if (IsResettable(pcr))
        {
            StartEmptyLog(eventLogPath);
            await tpm.PcrResetAsync(pcr, cancellationToken).ConfigureAwait(false);
            return;
        }

        byte[] value = (await tpm.PcrReadAsync([pcr], cancellationToken).ConfigureAwait(false))[pcr];
        if (value.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            StartEmptyLog(eventLogPath);
            return;
        }
        ReplayCheck check = await CheckAsync(tpm, pcr, eventLogPath, cancellationToken).ConfigureAwait(false);
        if (!check.Matches)
            throw new InvalidOperationException($"PCR {pcr} cannot be reset and holds extends the event log does not account for: {check.Detail}");
    }

    /// <summary>Appends the event to the log (synced to disk), then extends it into its PCR.</summary>
    public static async Task RecordAsync(TpmClient tpm, string eventLogPath, MeasurementEvent measurement, CancellationToken cancellationToken)
    {
        EventLog.Append(eventLogPath, measurement);
        await tpm.PcrExtendAsync(measurement.Pcr, measurement.Digest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the event log replays to the PCR's current value.</summary>
    public static async Task<ReplayCheck> CheckAsync(TpmClient tpm, int pcr, string eventLogPath, CancellationToken cancellationToken)
    {
        byte[] value = (await tpm.PcrReadAsync([pcr], cancellationToken).ConfigureAwait(false))[pcr];
        string text = File.Exists(eventLogPath) ? await File.ReadAllTextAsync(eventLogPath, cancellationToken).ConfigureAwait(false) : "";
        if (!EventLog.TryParse(text, out IReadOnlyList<MeasurementEvent> events, out string error))
            return new ReplayCheck(false, $"{eventLogPath}: {error}");
        byte[] replayed = EventLog.Replay(events).TryGetValue(pcr, out byte[]? digest) ? digest : new byte[32];
        return replayed.AsSpan().SequenceEqual(value)
            ? new ReplayCheck(true, $"{events.Count(e => e.Pcr == pcr)} events replay to PCR {pcr}")
            : new ReplayCheck(false, $"the {events.Count(e => e.Pcr == pcr)} events of {eventLogPath} replay to {Convert.ToHexStringLower(replayed)}, PCR {pcr} holds {Convert.ToHexStringLower(value)}");
    }

    private static void StartEmptyLog(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.Flush(flushToDisk: true);
    }
}

/// <summary>Whether an event log accounts for a PCR's value, and a sentence saying so.</summary>
public readonly record struct ReplayCheck(bool Matches, string Detail);
