namespace TimeMark.Attestation.Tests;

public sealed class BuildMeasurementTests
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private static TempDirectory Published()
    {
        var folder = new TempDirectory();
        folder.Write("timemark.dll", "program");
        folder.Write("runtimes/linux-x64/native/libx.so", "native");
        File.WriteAllBytes(Path.Combine(folder.Path, BuildManifest.FileName),
            BuildManifest.Create(folder.Path, Commit, "2026-12-01T11:00:00Z", "10.0.401").Format());
        return folder;
    }

    [Fact]
    public void Measure_NoManifest_DevelopmentBuildNothingMeasured()
    {
        using var folder = new TempDirectory();
        folder.Write("timemark.dll", "program");
        BuildMeasurement build = BuildMeasurement.Measure(folder.Path);
        Assert.Equal(BuildStatus.NoManifest, build.Status);
        Assert.False(build.IsVerified);
        Assert.Null(build.BinaryHash);
        Assert.StartsWith("development build", build.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Measure_FilesMatchManifest_Verified()
    {
        using TempDirectory folder = Published();
        BuildMeasurement build = BuildMeasurement.Measure(folder.Path, Commit);
        Assert.Equal(BuildStatus.Verified, build.Status);
        Assert.Equal(build.Manifest!.BinaryHash, build.BinaryHash);
        Assert.Empty(build.Differences);
    }

    [Fact]
    public void Measure_AppendedByte_MismatchNamesFile()
    {
        using TempDirectory folder = Published();
        File.AppendAllText(Path.Combine(folder.Path, "timemark.dll"), "x");
        BuildMeasurement build = BuildMeasurement.Measure(folder.Path);
        Assert.Equal(BuildStatus.Mismatch, build.Status);
        Assert.Equal(["changed: timemark.dll"], build.Differences);
        Assert.NotEqual(build.Manifest!.BinaryHash, build.BinaryHash);
        Assert.Contains("changed: timemark.dll", build.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Measure_ExtraFile_MismatchNamesFile()
    {
        using TempDirectory folder = Published();
        folder.Write("startup-hook.dll", "extra");
        Assert.Equal(["unexpected: startup-hook.dll"], BuildMeasurement.Measure(folder.Path).Differences);
    }

    [Fact]
    public void Measure_MissingFile_MismatchNamesFile()
    {
        using TempDirectory folder = Published();
        File.Delete(Path.Combine(folder.Path, "runtimes/linux-x64/native/libx.so"));
        Assert.Equal(["missing: runtimes/linux-x64/native/libx.so"], BuildMeasurement.Measure(folder.Path).Differences);
    }

    [Fact]
    public void Measure_ManifestHashNotOfItsFileList_Mismatch()
    {
        using TempDirectory folder = Published();
        string path = Path.Combine(folder.Path, BuildManifest.FileName);
        Assert.True(BuildManifest.TryParse(File.ReadAllBytes(path), out BuildManifest? manifest, out _));
        var forged = new BuildManifest(new string('0', 64), manifest!.SourceCommit, manifest.BuildDate, manifest.Sdk, manifest.Files);
        File.WriteAllBytes(path, forged.Format());
        BuildMeasurement build = BuildMeasurement.Measure(folder.Path);
        Assert.Equal(BuildStatus.Mismatch, build.Status);
        Assert.Contains("the manifest's binary_hash does not match its own file list", build.Differences);
    }

    [Fact]
    public void Measure_ManifestNamesOtherCommit_Mismatch()
    {
        using TempDirectory folder = Published();
        BuildMeasurement build = BuildMeasurement.Measure(folder.Path, new string('f', 40));
        Assert.Equal(BuildStatus.Mismatch, build.Status);
    }

    [Fact]
    public void Measure_UnparsableManifest_NotVerified()
    {
        using TempDirectory folder = Published();
        folder.Write(BuildManifest.FileName, "{ truncated");
        BuildMeasurement build = BuildMeasurement.Measure(folder.Path);
        Assert.Equal(BuildStatus.ManifestUnreadable, build.Status);
        Assert.False(build.IsVerified);
    }
}
