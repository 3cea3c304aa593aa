namespace TimeMark.Attestation.Tests;

public sealed class BinaryListingTests
{
    /// <summary>The one-liner docs/build.md gives, verbatim.</summary>
    internal const string OneLiner = "find . -type f ! -path ./timemark.build.json -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum";

    private static TempDirectory Sample()
    {
        var folder = new TempDirectory();
        // Names whose order differs between byte order and culture-aware or case-insensitive orders.
        foreach (string name in new[] { "b.dll", "B.dll", "a.dll", "a-b.dll", "a/b.dll", "a.b/c", "_x", "runtimes/linux-x64/native/libx.so", "Z" })
            folder.Write(name, "content of " + name);
        folder.Write(BuildManifest.FileName, "{}");
        folder.Write("sub/" + BuildManifest.FileName, "a nested file of that name is an ordinary published file");
        return folder;
    }

    [Fact]
    public async Task Hash_SampleFolder_EqualsCoreutilsOneLiner()
    {
        using TempDirectory folder = Sample();
        (int exit, string stdout, string stderr) = await Shell.BashAsync(OneLiner, folder.Path);
        Assert.True(exit == 0, stderr);
        Assert.Equal(stdout.Split(' ')[0], BinaryListing.Hash(BinaryListing.Measure(folder.Path)));
    }

    [Fact]
    public async Task Format_SampleFolder_EqualsSha256sumListingByteForByte()
    {
        using TempDirectory folder = Sample();
        (int exit, string stdout, string stderr) = await Shell.BashAsync(
            "find . -type f ! -path ./timemark.build.json -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum", folder.Path);
        Assert.True(exit == 0, stderr);
        Assert.Equal(stdout, BinaryListing.Format(BinaryListing.Measure(folder.Path)));
    }

    [Fact]
    public void Measure_TopLevelManifest_IsLeftOut()
    {
        using TempDirectory folder = Sample();
        IReadOnlyList<ManifestFile> files = BinaryListing.Measure(folder.Path);
        Assert.DoesNotContain(files, f => f.Path == BuildManifest.FileName);
        Assert.Contains(files, f => f.Path == "sub/" + BuildManifest.FileName);
    }

    [Fact]
    public void Sort_Paths_ByteOrderLikeCSort()
    {
        string[] paths = ["b", "a/b", "B", "a-b", "a.b", "_x", "a"];
        IEnumerable<ManifestFile> files = paths.Select(p => new ManifestFile(p, new string('0', 64)));
        Assert.Equal(["B", "_x", "a", "a-b", "a.b", "a/b", "b"], BinaryListing.Sort(files).Select(f => f.Path));
    }

    [Fact]
    public void Format_OneFile_HashTwoSpacesPathNewline()
    {
        string hash = new('a', 64);
        Assert.Equal(hash + "  x/y.dll\n", BinaryListing.Format([new ManifestFile("x/y.dll", hash)]));
    }
}
