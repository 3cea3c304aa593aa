using System.Text.Json;

namespace TimeMark.Attestation.Tests.BuildScript;

/// <summary>./build.sh publish: same commit, same binary_hash; the manifest agrees with coreutils; the published broker measures itself.</summary>
[Collection(BuildScriptGroup.Name)]
public sealed class ReproducibleBuildTests(TwoBuilds builds)
{
    [Fact]
    public void Publish_SameCommitTwoFoldersTwoCaches_SameBinaryHash()
    {
        Assert.Equal(TwoBuilds.ManifestHash(builds.OutA), TwoBuilds.ManifestHash(builds.OutB));
    }

    [Fact]
    public void Publish_GitCheckoutAndTarball_ByteIdenticalManifests()
    {
        // Same files, same hashes, same commit and date (the tarball build was given the commit date in +01:00).
        Assert.Equal(File.ReadAllBytes(Path.Combine(builds.OutA, BuildManifest.FileName)), File.ReadAllBytes(Path.Combine(builds.OutB, BuildManifest.FileName)));
    }

    [Fact]
    public void Publish_Manifest_NamesCommitUtcDateAndSdk()
    {
        using JsonDocument manifest = TwoBuilds.ReadManifest(builds.OutA);
        Assert.Equal(builds.Commit, manifest.RootElement.GetProperty("source_commit").GetString());
        Assert.Equal("2026-12-01T11:00:00Z", manifest.RootElement.GetProperty("build_date").GetString());
        Assert.Equal("10.0.401", manifest.RootElement.GetProperty("sdk").GetString());
    }

    [Fact]
    public async Task Publish_ManifestBinaryHash_EqualsCoreutilsOneLinerAndLibrary()
    {
        (int exit, string stdout, string stderr) = await Shell.BashAsync(BinaryListingTests.OneLiner, builds.OutA);
        Assert.True(exit == 0, stderr);
        string manifestHash = TwoBuilds.ManifestHash(builds.OutA);
        Assert.Equal(manifestHash, stdout.Split(' ')[0]);
        Assert.Equal(manifestHash, BinaryListing.Hash(BinaryListing.Measure(builds.OutA)));
    }

    [Fact]
    public void Publish_Manifest_ParsesAndListsEveryPublishedFile()
    {
        Assert.True(BuildManifest.TryParse(File.ReadAllBytes(Path.Combine(builds.OutA, BuildManifest.FileName)), out BuildManifest? manifest, out ManifestError error), error.ToString());
        Assert.Equal(BinaryListing.Measure(builds.OutA), manifest!.Files);
    }

    [Fact]
    public async Task Build_PublishedBroker_VerifiedWithManifestHash()
    {
        await using PublishedBroker broker = await PublishedBroker.StartAsync(builds.OutA);
        using JsonDocument build = await broker.GetBuildAsync();
        Assert.True(build.RootElement.GetProperty("verified").GetBoolean(), build.RootElement.GetRawText());
        Assert.Equal(TwoBuilds.ManifestHash(builds.OutA), build.RootElement.GetProperty("binary_hash").GetString());
        Assert.Equal(builds.Commit, build.RootElement.GetProperty("source_commit").GetString());
        Assert.Equal("2026-12-01T11:00:00Z", build.RootElement.GetProperty("build_date").GetString());
        Assert.Contains("Build verified", broker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_AppendedByteToPublishedDll_MismatchNamesFile()
    {
        using var copy = new TempDirectory("timemark-tampered-");
        (int exit, _, string stderr) = await Shell.BashAsync($"cp -a '{builds.OutA}/.' . && printf '\\0' >> TimeMark.Broker.dll", copy.Path);
        Assert.True(exit == 0, stderr);
        await using PublishedBroker broker = await PublishedBroker.StartAsync(copy.Path);
        using JsonDocument build = await broker.GetBuildAsync();
        Assert.False(build.RootElement.GetProperty("verified").GetBoolean());
        Assert.NotEqual(TwoBuilds.ManifestHash(builds.OutA), build.RootElement.GetProperty("binary_hash").GetString());
        Assert.Contains("changed: TimeMark.Broker.dll", build.RootElement.GetProperty("status").GetString(), StringComparison.Ordinal);
        Assert.Contains("Build NOT verified", broker.Output, StringComparison.Ordinal);
    }
}
