using System.Text;

namespace TimeMark.Attestation.Tests;

public sealed class BuildManifestTests
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private static readonly string Sha = new('c', 64);

    private static BuildManifest Sample() =>
        new(BinaryListing.Hash([new ManifestFile("timemark.dll", Sha)]), Commit, "2026-12-01T11:00:00Z", "10.0.401", [new ManifestFile("timemark.dll", Sha)]);

    [Fact]
    public void TryParse_FormattedManifest_RoundTrips()
    {
        BuildManifest manifest = Sample();
        Assert.True(BuildManifest.TryParse(manifest.Format(), out BuildManifest? parsed, out ManifestError error));
        Assert.Equal(ManifestError.None, error);
        Assert.Equal(manifest.Format(), parsed!.Format());
    }

    [Theory]
    [InlineData("not json", ManifestError.NotJson)]
    [InlineData("[]", ManifestError.NotJson)]
    [InlineData("{\"format\":\"other/1\"}", ManifestError.UnknownFormat)]
    [InlineData("{\"format\":\"timemark-build/1\",\"binary_hash\":\"x\"}", ManifestError.MissingMember)]
    public void TryParse_BadDocument_ReturnsFalseWithError(string json, ManifestError expected)
    {
        Assert.False(BuildManifest.TryParse(Encoding.UTF8.GetBytes(json), out BuildManifest? parsed, out ManifestError error));
        Assert.Null(parsed);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("binary_hash", "ABC")]
    [InlineData("source_commit", "0123456")]
    [InlineData("sha256", "C")]
    public void TryParse_MalformedHash_ReturnsFalse(string member, string value)
    {
        string json = Encoding.UTF8.GetString(Sample().Format());
        json = member switch
        {
            "binary_hash" => json.Replace(Sample().BinaryHash, value, StringComparison.Ordinal),
            "source_commit" => json.Replace(Commit, value, StringComparison.Ordinal),
            _ => json.Replace(Sha, value, StringComparison.Ordinal),
        };
        Assert.False(BuildManifest.TryParse(Encoding.UTF8.GetBytes(json), out _, out ManifestError error));
        Assert.Equal(ManifestError.MalformedHash, error);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../x")]
    [InlineData("./x")]
    [InlineData("a//b")]
    [InlineData("a\\\\b")]
    [InlineData("")]
    public void TryParse_MalformedPath_ReturnsFalse(string path)
    {
        string json = Encoding.UTF8.GetString(Sample().Format()).Replace("\"timemark.dll\"", $"\"{path}\"", StringComparison.Ordinal);
        Assert.False(BuildManifest.TryParse(Encoding.UTF8.GetBytes(json), out _, out ManifestError error));
        Assert.Equal(ManifestError.MalformedPath, error);
    }
}
