namespace TimeMark.Attestation.Tests.BuildScript;

/// <summary>./build.sh verify: a third party rebuilds the source and compares with the expected hash and the running broker.</summary>
[Collection(BuildScriptGroup.Name)]
public sealed class RebuildCheckTests(TwoBuilds builds)
{
    [Fact]
    public async Task Verify_SourceTarballExpectedHashAndVerifiedBroker_AllAgreeExitZero()
    {
        string expected = TwoBuilds.ManifestHash(builds.OutA);
        await using PublishedBroker broker = await PublishedBroker.StartAsync(builds.OutA);
        (int exit, string stdout, string stderr) = await Shell.RunAsync(Path.Combine(builds.SourceB, "build.sh"),
            ["verify", "--source", builds.SourceTarball, "--expect", expected, "--broker", broker.BaseAddress], builds.SourceB, builds.EnvironmentB);
        Assert.True(exit == 0, $"{stdout}\n{stderr}");
        Assert.Contains($"computed binary_hash  {expected}", stdout, StringComparison.Ordinal);
        Assert.Contains($"broker   binary_hash  {expected} (verified: true)", stdout, StringComparison.Ordinal);
        Assert.Contains("verdict: OK", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_GitCheckoutWrongExpectedHash_MismatchExitOne()
    {
        string actual = TwoBuilds.ManifestHash(builds.OutA);
        string wrong = new('0', 64);
        (int exit, string stdout, string stderr) = await Shell.RunAsync(Path.Combine(builds.CheckoutA, "build.sh"),
            ["verify", "--source", builds.CheckoutA, "--expect", wrong], builds.CheckoutA, builds.EnvironmentA);
        Assert.True(exit == 1, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Contains($"computed binary_hash  {actual}", stdout, StringComparison.Ordinal);
        Assert.Contains("verdict: MISMATCH", stdout, StringComparison.Ordinal);
    }
}
