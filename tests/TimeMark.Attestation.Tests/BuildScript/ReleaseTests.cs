namespace TimeMark.Attestation.Tests.BuildScript;

/// <summary>./build.sh release: archives, SHA256SUMS and detached signatures that gpg and sha256sum accept, and reject once a byte changes.</summary>
[Collection(BuildScriptGroup.Name)]
public sealed class ReleaseTests(TwoBuilds builds) : IAsyncLifetime
{
    private SignedRelease _release = null!;

    public async Task InitializeAsync() => _release = await builds.SignedReleaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<(int ExitCode, string Stdout, string Stderr)> InReleaseAsync(string script, string? directory = null) =>
        Shell.BashAsync(script, directory ?? _release.Directory, _release.Environment);

    [Fact]
    public async Task Release_EverySignatureAndSum_Verifies()
    {
        string name = _release.Name;
        (int exit, string stdout, string stderr) = await InReleaseAsync($"""
            set -e
            for f in {name}-src.tar.gz {name}-bin.tar.gz {name}.build.json SHA256SUMS; do gpg --batch --verify "$f.asc" "$f"; done
            sha256sum -c SHA256SUMS
            """);
        Assert.True(exit == 0, $"{stdout}\n{stderr}");
    }

    [Fact]
    public async Task Release_FlippedByteInBinaryArchive_GpgAndSumsFail()
    {
        using var copy = new TempDirectory("timemark-release-copy-");
        string name = _release.Name;
        (int exit, string stdout, string stderr) = await InReleaseAsync($"""
            cp -a '{_release.Directory}/.' .
            f={name}-bin.tar.gz
            offset=$(( $(stat -c %s "$f") / 2 ))
            byte=$(od -An -tu1 -j "$offset" -N1 "$f" | tr -d ' ')
            printf "$(printf '\\%03o' $(( byte ^ 1 )))" | dd of="$f" bs=1 seek="$offset" conv=notrunc status=none
            gpg --batch --verify "$f.asc" "$f" && echo "gpg accepted" && exit 3
            sha256sum -c SHA256SUMS && echo "sha256sum accepted" && exit 4
            exit 0
            """, copy.Path);
        Assert.True(exit == 0, $"{stdout}\n{stderr}");
        Assert.Contains($"{name}-bin.tar.gz: FAILED", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_BinaryArchive_HoldsTheBuildWithItsBinaryHash()
    {
        using var extracted = new TempDirectory("timemark-release-bin-");
        (int exit, string stdout, string stderr) = await InReleaseAsync(
            $"tar -xzf '{_release.Directory}/{_release.Name}-bin.tar.gz' && cd '{_release.Name}' && {BinaryListingTests.OneLiner}", extracted.Path);
        Assert.True(exit == 0, stderr);
        Assert.Equal(TwoBuilds.ManifestHash(builds.OutA), stdout.Split(' ')[0]);
    }

    [Fact]
    public async Task Release_BinaryArchive_RootOwnedAtCommitTime()
    {
        (int exit, string stdout, string stderr) = await InReleaseAsync($"TZ=UTC tar -tvzf {_release.Name}-bin.tar.gz --full-time");
        Assert.True(exit == 0, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Contains(" 0/0 ", line, StringComparison.Ordinal));
        Assert.All(lines, line => Assert.Contains(" 2026-12-01 11:00:00 ", line, StringComparison.Ordinal));
    }
}
