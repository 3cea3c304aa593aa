using TimeMark.Attestation.Events;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.Events;

/// <summary>The replay of an event log equals what a real TPM (swtpm) computes for the same extends.</summary>
public sealed class EventLogReplayTpmTests
{
    [Fact]
    public async Task Replay_ThreeExtendsOfPcr23_EqualsTpm()
    {
        await using Swtpm tpm = await Swtpm.StartAsync(provisionAk: false);
        string[] digests =
        [
            "1111111111111111111111111111111111111111111111111111111111111111",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ];
        string log = "";
        foreach (string digest in digests)
        {
            await tpm.ToolAsync("tpm2_pcrextend", $"23:sha256={digest}");
            log += EventLog.Format(new MeasurementEvent(23, Convert.FromHexString(digest), MeasurementKind.Binary, "test"));
        }
        Assert.True(EventLog.TryParse(log, out IReadOnlyList<MeasurementEvent> events, out string error), error);
        Assert.Equal(await TpmPcr.ReadAsync(tpm, 23), EventLog.Replay(events)[23]);
    }
}
