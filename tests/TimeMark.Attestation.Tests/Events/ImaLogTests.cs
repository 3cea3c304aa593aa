using System.Security.Cryptography;
using TimeMark.Attestation.Events;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.Events;

public sealed class ImaLogTests
{
    private const string BootAggregate = "3e4b5f2a9c1d0e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f";
    private const string Init = "9d2c7a1f0e3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d";
    private const string Violation = "0000000000000000000000000000000000000000000000000000000000000000";
    private const string Signed = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

    // Shaped like /sys/kernel/security/ima/ascii_runtime_measurements_sha256: boot_aggregate first, a file
    // whose path has a space, a violation (zero template hash, zero file digest), an ima-sig and a legacy ima entry.
    private static readonly string Sample =
        $"10 {BootAggregate} ima-ng sha256:0000000000000000000000000000000000000000000000000000000000000000 boot_aggregate\n" +
        $"10 {Init} ima-ng sha256:6f1ed002ab5595859014ebf0951522d9e8e0ed3b0b0b5f1c3f2ca5d4e4c3b0b1 /usr/lib/systemd/systemd\n" +
        $"10 {Init} ima-ng sha256:6f1ed002ab5595859014ebf0951522d9e8e0ed3b0b0b5f1c3f2ca5d4e4c3b0b1 /home/user/My Documents/run.sh\n" +
        $"10 {Violation} ima-ng sha256:0000000000000000000000000000000000000000000000000000000000000000 /var/log/journal/x.journal\n" +
        $"10 {Signed} ima-sig sha256:1111111111111111111111111111111111111111111111111111111111111111 /usr/bin/timemark 030204aabbccdd\n" +
        $"10 {Init} ima 2222222222222222222222222222222222222222 /usr/bin/old\n";

    private static string ParseError(string text)
    {
        Assert.False(ImaLog.TryParse(text, out _, out string error));
        return error;
    }

    [Fact]
    public void TryParse_Sample_ReadsEveryLine()
    {
        Assert.True(ImaLog.TryParse(Sample, out IReadOnlyList<ImaEntry> entries, out string error), error);
        Assert.Equal(6, entries.Count);
        Assert.All(entries, entry => Assert.Equal(10, entry.Pcr));
        Assert.Equal(BootAggregate, Convert.ToHexStringLower(entries[0].TemplateHash));
        Assert.Equal("ima-ng", entries[0].TemplateName);
        Assert.Equal("sha256:6f1ed002ab5595859014ebf0951522d9e8e0ed3b0b0b5f1c3f2ca5d4e4c3b0b1 /home/user/My Documents/run.sh", entries[2].TemplateData);
        Assert.Equal("ima-sig", entries[4].TemplateName);
        Assert.Equal("ima", entries[5].TemplateName);
    }

    [Fact]
    public void TryParse_ZeroTemplateHash_IsViolation()
    {
        Assert.True(ImaLog.TryParse(Sample, out IReadOnlyList<ImaEntry> entries, out _));
        Assert.Equal([false, false, false, true, false, false], entries.Select(entry => entry.IsViolation));
    }

    [Fact]
    public void TryParse_OneDigitPcrPaddedWithSpace_Accepted()
    {
        // The kernel prints the PCR with "%2d".
        Assert.True(ImaLog.TryParse($" 9 {Init} ima-ng sha256:{Init} /x\n", out IReadOnlyList<ImaEntry> entries, out _));
        Assert.Equal(9, entries[0].Pcr);
    }

    [Fact]
    public void TryParse_Empty_NoEntries()
    {
        Assert.True(ImaLog.TryParse("", out IReadOnlyList<ImaEntry> entries, out _));
        Assert.Empty(entries);
    }

    [Theory]
    [InlineData("10 {H} ima-ng sha256:{H} /x", "line 1 does not end with a newline")]
    [InlineData("\n", "PCR number")]
    [InlineData("9 {H} ima-ng sha256:{H} /x\n", "PCR number")]
    [InlineData("09 {H} ima-ng sha256:{H} /x\n", "PCR number")]
    [InlineData("24 {H} ima-ng sha256:{H} /x\n", "PCR number")]
    [InlineData("1x {H} ima-ng sha256:{H} /x\n", "PCR number")]
    [InlineData("10  {H} ima-ng sha256:{H} /x\n", "template hash")]
    [InlineData("10 {H}0 ima-ng sha256:{H} /x\n", "template hash")]
    [InlineData("10 {SHA1} ima-ng sha256:{H} /x\n", "template hash")]
    [InlineData("10 {UPPER} ima-ng sha256:{H} /x\n", "template hash")]
    [InlineData("10 {H}\n", "template hash")]
    [InlineData("10 {H}  sha256:{H} /x\n", "template name")]
    [InlineData("10 {H} ima-ng\n", "template data is missing")]
    [InlineData("10 {H} ima\u00e9 sha256:{H} /x\n", "template name")]
    public void TryParse_MalformedLine_ErrorNamesLineAndRule(string line, string expected)
    {
        string text = line.Replace("{SHA1}", Init[..40], StringComparison.Ordinal)
            .Replace("{UPPER}", Init.ToUpperInvariant(), StringComparison.Ordinal)
            .Replace("{H}", Init, StringComparison.Ordinal);
        Assert.Contains(expected, ParseError(text), StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_BadSecondLine_ErrorNamesLine2() =>
        Assert.StartsWith("IMA log: line 2: ", ParseError(Sample.Split('\n')[0] + "\nnot a measurement\n"), StringComparison.Ordinal);

    [Fact]
    public void Replay_Empty_ZeroPcr() => Assert.Equal(new byte[32], ImaLog.Replay([]));

    [Fact]
    public void Replay_Violation_ExtendsAllOnes()
    {
        Assert.True(ImaLog.TryParse($"10 {Violation} ima-ng sha256:{Violation} /x\n", out IReadOnlyList<ImaEntry> entries, out _));
        Assert.Equal(SHA256.HashData([.. new byte[32], .. Enumerable.Repeat((byte)0xFF, 32)]), ImaLog.Replay(entries));
    }

    [Fact]
    public void Replay_EntryForAnotherPcr_LeftOut()
    {
        Assert.True(ImaLog.TryParse($"10 {Init} ima-ng sha256:{Init} /a\n11 {Signed} ima-ng sha256:{Init} /b\n", out IReadOnlyList<ImaEntry> entries, out _));
        Assert.Equal(SHA256.HashData([.. new byte[32], .. Convert.FromHexString(Init)]), ImaLog.Replay(entries));
    }

    [Fact]
    public async Task Replay_Sample_EqualsPcr10OfTpmExtendedTheSameWay()
    {
        await using Swtpm tpm = await Swtpm.StartAsync(provisionAk: false);
        Assert.True(ImaLog.TryParse(Sample, out IReadOnlyList<ImaEntry> entries, out _));
        foreach (ImaEntry entry in entries)
        {
            // The kernel extends a violation as 0xFF…FF (ima_add_violation); swtpm's PCR 10 is extendable at locality 0.
            string digest = entry.IsViolation ? new string('f', 64) : Convert.ToHexStringLower(entry.TemplateHash);
            await tpm.ToolAsync("tpm2_pcrextend", $"10:sha256={digest}");
        }
        Assert.Equal(await TpmPcr.ReadAsync(tpm, 10), ImaLog.Replay(entries));
    }
}
