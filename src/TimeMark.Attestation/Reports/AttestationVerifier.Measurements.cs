// The measurement checks: the event log (TimeMark.Attestation.Events) and Linux IMA's log replayed against the
// quoted PCRs, and what was measured compared with what the verifier expects and what the report shows.

using TimeMark.Attestation.Events;

namespace TimeMark.Attestation.Reports;

public sealed partial class AttestationVerifier
{
    /// <summary>What the application PCR may hold: anything else is a launch the verifier cannot judge.</summary>
    private static readonly string[] KnownKinds = [MeasurementKind.Binary, MeasurementKind.Configuration, MeasurementKind.TimeMarkKey];

    private CheckResult CheckEventLogReplay()
    {
        const string name = AttestationCheck.EventLogReplay;
        if (_report.Tpm is not { } tpm)
            return CheckResult.Skip(name, SelfReported);
        if (_events is null)
            return CheckResult.Fail(name, $"the event log does not parse: {_eventsError}");
        // The quote covers the application PCR only, so an event for any other PCR would be an unverifiable claim.
        int outside = IndexOf(_events, e => e.Pcr != _report.Pcr);
        if (outside >= 0)
            return CheckResult.Fail(name, $"event log line {outside + 1} measures PCR {_events[outside].Pcr}, not the application PCR {_report.Pcr}");
        if (!tpm.Pcrs.TryGetValue(_report.Pcr, out byte[]? quoted))
            return CheckResult.Fail(name, $"the report gives no value for the application PCR {_report.Pcr}");
        byte[] replayed = EventLog.Replay(_events).TryGetValue(_report.Pcr, out byte[]? value) ? value : new byte[32];
        return replayed.AsSpan().SequenceEqual(quoted)
            ? CheckResult.Pass(name, $"the {_events.Count} events replay to PCR {_report.Pcr}'s quoted value {Short(quoted)}")
            : CheckResult.Fail(name, $"the {_events.Count} events replay to {Short(replayed)}, but PCR {_report.Pcr} holds {Short(quoted)}: the log is not what was measured");
    }

    private CheckResult CheckImaReplay()
    {
        const string name = AttestationCheck.ImaReplay;
        if (_report.Tpm is not { } tpm)
            return CheckResult.Skip(name, SelfReported);
        if (_report.ImaLog is null)
            return CheckResult.Skip(name, "the report has no IMA log");
        if (!ImaLog.TryParse(_report.ImaLog, out IReadOnlyList<ImaEntry> entries, out string error))
            return CheckResult.Fail(name, $"the IMA log does not parse: {error}");
        if (!tpm.Pcrs.TryGetValue(ImaLog.Pcr, out byte[]? quoted))
            return CheckResult.Fail(name, $"the report has an IMA log but PCR {ImaLog.Pcr} is not quoted");
        byte[] replayed = ImaLog.Replay(entries);
        return replayed.AsSpan().SequenceEqual(quoted)
            ? CheckResult.Pass(name, $"the {entries.Count} IMA entries replay to PCR {ImaLog.Pcr}'s quoted value {Short(quoted)}")
            : CheckResult.Fail(name, $"the {entries.Count} IMA entries replay to {Short(replayed)}, but PCR {ImaLog.Pcr} holds {Short(quoted)}");
    }

    private CheckResult CheckBinary()
    {
        const string name = AttestationCheck.Binary;
        string expected = _expected.BinaryHash.ToLowerInvariant();
        if (_report.Build.BinaryHash is not { } reported)
            return CheckResult.Fail(name, "the broker reports no binary_hash: a development build measures nothing (docs/build.md)");
        if (reported != expected)
            return CheckResult.Fail(name, $"the broker reports binary_hash {reported}, not the expected {expected}");
        if (!_report.Attested)
            return CheckResult.Pass(name, $"the broker reports binary_hash {expected} ({SelfReported})");
        if (Measured(name, MeasurementKind.Binary, out IReadOnlyList<(int Line, MeasurementEvent Event)> measured) is { } failure)
            return failure;
        foreach ((int line, MeasurementEvent e) in measured)
        {
            string hex = Convert.ToHexStringLower(e.Digest);
            if (hex != expected)
                return CheckResult.Fail(name, $"event log line {line} measured binary_hash {hex} into PCR {_report.Pcr}, not the expected {expected}");
        }
        return CheckResult.Pass(name, $"binary_hash {expected} is measured into PCR {_report.Pcr} and reported by the broker");
    }

    private CheckResult CheckConfig()
    {
        const string name = AttestationCheck.Config;
        string reported = _report.ConfigHash;
        if (AttestationReport.HashConfig(_report.Config) != reported)
            return CheckResult.Fail(name, $"config_hash {Short(reported)} is not the SHA-256 of the reported config ({Short(AttestationReport.HashConfig(_report.Config))})");
        if (_expected.ConfigHash?.ToLowerInvariant() is { } expected && expected != reported)
            return CheckResult.Fail(name, $"the broker runs configuration {reported}, not the expected {expected}");
        if (!_report.Attested)
            return CheckResult.Pass(name, $"the reported config hashes to config_hash {reported} ({SelfReported})");
        if (Measured(name, MeasurementKind.Configuration, out IReadOnlyList<(int Line, MeasurementEvent Event)> measured) is { } failure)
            return failure;
        foreach ((int line, MeasurementEvent e) in measured)
        {
            string hex = Convert.ToHexStringLower(e.Digest);
            if (hex != reported)
                return CheckResult.Fail(name, $"event log line {line} measured configuration {Short(hex)} into PCR {_report.Pcr}, but the report shows configuration {Short(reported)}");
        }
        return CheckResult.Pass(name, _expected.ConfigHash is null
            ? $"configuration {reported} is measured into PCR {_report.Pcr} and is the reported config"
            : $"configuration {reported} is measured into PCR {_report.Pcr}, is the reported config and the expected one");
    }

    private CheckResult CheckTimeMarkKey()
    {
        const string name = AttestationCheck.TimeMarkKey;
        if (!_reportSigned || _reportKey is null)
            return CheckResult.Fail(name, "the report is not signed by the time-mark key GET /keys serves (report-signature)");
        if (!_report.Attested)
            return CheckResult.Pass(name, $"the report is signed by {_reportKey} ({SelfReported})");
        if (Measured(name, MeasurementKind.TimeMarkKey, out IReadOnlyList<(int Line, MeasurementEvent Event)> measured) is { } failure)
            return failure;
        // The last one counts: a broker that rotated its key measures the new key after the old.
        (int line, MeasurementEvent last) = measured[^1];
        if (!last.Digest.AsSpan().SequenceEqual(_reportKey.Id.Hash))
            return CheckResult.Fail(name, $"the time-mark key last measured into PCR {_report.Pcr} (line {line}) is {Short(last.Digest)}, but the report is signed by {_reportKey}");
        return CheckResult.Pass(name, $"the report is signed by {_reportKey}, the time-mark key last measured into PCR {_report.Pcr}");
    }

    private CheckResult CheckEventKinds()
    {
        const string name = AttestationCheck.EventKinds;
        if (!_report.Attested)
            return CheckResult.Skip(name, SelfReported);
        if (_events is null)
            return CheckResult.Fail(name, $"the event log does not parse: {_eventsError}");
        int unknown = IndexOf(_events, e => e.Pcr == _report.Pcr && !KnownKinds.Contains(e.Kind));
        if (unknown >= 0)
            return CheckResult.Fail(name, $"event log line {unknown + 1} measured \"{_events[unknown].Kind}\" into PCR {_report.Pcr}, not one of {string.Join(", ", KnownKinds)}");
        return CheckResult.Pass(name, string.Join(", ", KnownKinds.Select(kind => $"{_events.Count(e => e.Kind == kind)} {kind}")));
    }

    /// <summary>The events of one kind in the application PCR with their line numbers, or the failure when there are none to judge.</summary>
    private CheckResult? Measured(string check, string kind, out IReadOnlyList<(int Line, MeasurementEvent Event)> measured)
    {
        measured = [];
        if (_events is null)
            return CheckResult.Fail(check, $"the event log does not parse: {_eventsError}");
        measured = [.. _events.Select((e, index) => (index + 1, e)).Where(item => item.e.Pcr == _report.Pcr && item.e.Kind == kind)];
        return measured.Count == 0
            ? CheckResult.Fail(check, $"nothing of kind {kind} is measured into PCR {_report.Pcr}")
            : null;
    }

    private static int IndexOf(IReadOnlyList<MeasurementEvent> events, Func<MeasurementEvent, bool> predicate)
    {
        for (int i = 0; i < events.Count; i++)
        {
            if (predicate(events[i]))
                return i;
        }
        return -1;
    }
}
