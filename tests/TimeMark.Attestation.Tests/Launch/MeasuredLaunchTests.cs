using System.Security.Cryptography;
using TimeMark.Attestation.Events;
using TimeMark.Attestation.Launch;
using TimeMark.Attestation.Tpm;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.Launch;

/// <summary>Launch records against a real swtpm: what the event log says is what the PCR holds.</summary>
public sealed class MeasuredLaunchTests : IAsyncLifetime
{
    private Swtpm _swtpm = null!;
    private TpmClient _tpm = null!;
    private string _eventLog = null!;

    public async Task InitializeAsync()
    {
        _swtpm = await Swtpm.StartAsync(provisionAk: false);
        _tpm = await TpmClient.ConnectAsync(TpmTarget.Parse(_swtpm.Target), CancellationToken.None);
        _eventLog = Path.Combine(_swtpm.Root, "events.log");
    }

    public async Task DisposeAsync()
    {
        await _tpm.DisposeAsync();
        await _swtpm.DisposeAsync();
    }

    private static MeasurementEvent Event(int pcr, string what) =>
        new(pcr, SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(what)), MeasurementKind.Binary, what);

    private async Task<byte[]> PcrAsync(int pcr) => (await _tpm.PcrReadAsync([pcr], CancellationToken.None))[pcr];

    [Fact]
    public async Task Begin_ResettablePcr_StartsFromZeroWithAnEmptyLog()
    {
        await _tpm.PcrExtendAsync(23, new byte[32], CancellationToken.None);
        await File.WriteAllTextAsync(_eventLog, "stale\n");

        await MeasuredLaunch.BeginAsync(_tpm, 23, _eventLog, CancellationToken.None);

        Assert.Equal(new byte[32], await PcrAsync(23));
        Assert.Equal("", await File.ReadAllTextAsync(_eventLog));
    }

    [Fact]
    public async Task Record_AppendsThenExtends_SoTheLogReplaysToThePcr()
    {
        await MeasuredLaunch.BeginAsync(_tpm, 23, _eventLog, CancellationToken.None);

        await MeasuredLaunch.RecordAsync(_tpm, _eventLog, Event(23, "one"), CancellationToken.None);
        await MeasuredLaunch.RecordAsync(_tpm, _eventLog, Event(23, "two"), CancellationToken.None);

        Assert.True(EventLog.TryParse(await File.ReadAllTextAsync(_eventLog), out IReadOnlyList<MeasurementEvent> events, out _));
        Assert.Equal(2, events.Count);
        Assert.Equal(EventLog.Replay(events)[23], await PcrAsync(23));
        Assert.True((await MeasuredLaunch.CheckAsync(_tpm, 23, _eventLog, CancellationToken.None)).Matches);
    }

    [Fact]
    public async Task Check_AnExtendTheLogDoesNotHold_DoesNotMatchAndSaysBoth()
    {
        await MeasuredLaunch.BeginAsync(_tpm, 23, _eventLog, CancellationToken.None);
        await MeasuredLaunch.RecordAsync(_tpm, _eventLog, Event(23, "one"), CancellationToken.None);
        await _tpm.PcrExtendAsync(23, SHA256.HashData("hidden"u8), CancellationToken.None);

        ReplayCheck check = await MeasuredLaunch.CheckAsync(_tpm, 23, _eventLog, CancellationToken.None);

        Assert.False(check.Matches);
        Assert.Contains("PCR 23 holds", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Begin_UnresettablePcrWithMatchingLog_ContinuesTheLog()
    {
        await MeasuredLaunch.BeginAsync(_tpm, 15, _eventLog, CancellationToken.None);
        await MeasuredLaunch.RecordAsync(_tpm, _eventLog, Event(15, "first launch"), CancellationToken.None);

        await MeasuredLaunch.BeginAsync(_tpm, 15, _eventLog, CancellationToken.None);
        await MeasuredLaunch.RecordAsync(_tpm, _eventLog, Event(15, "second launch"), CancellationToken.None);

        Assert.Equal(2, (await File.ReadAllLinesAsync(_eventLog)).Length);
        Assert.True((await MeasuredLaunch.CheckAsync(_tpm, 15, _eventLog, CancellationToken.None)).Matches);
    }

    [Fact]
    public async Task Begin_UnresettablePcrWithUnknownHistory_IsRefused()
    {
        await _tpm.PcrExtendAsync(14, SHA256.HashData("someone else"u8), CancellationToken.None);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => MeasuredLaunch.BeginAsync(_tpm, 14, _eventLog, CancellationToken.None));

        Assert.Contains("PCR 14 cannot be reset", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reset_OfAPcrOtherThan16Or23_IsRefusedByTheTpm() =>
        // Why MeasuredLaunch only resets 16 and 23: the TPM refuses the rest at locality 0.
        await Assert.ThrowsAsync<TpmException>(() => _tpm.PcrResetAsync(15, CancellationToken.None));
}
