using System.Text.Json;

namespace TimeMark.Attestation.Tests.BuildScript;

/// <summary>
/// Two runs of <c>./build.sh publish</c> of one commit, made once for the build-script tests: build A from a Git
/// checkout, build B from a <c>git archive</c> tarball of that commit (no .git, commit and date given), in different
/// folders with different HOME and NuGet package folders, each restoring from the registry into its empty cache.
/// The commit is a snapshot of the working tree (tracked and untracked, not ignored), so the tests check the
/// build script and sources as they are now, committed or not.
/// </summary>
public sealed class TwoBuilds : IAsyncLifetime
{
    private Task<SignedRelease>? _release;

    public string Work { get; private set; } = "";
    public string RepositoryRoot { get; } = FindRepositoryRoot();
    public string CheckoutA => Path.Combine(Work, "a", "checkout");
    public string SourceB => Path.Combine(Work, "b", "source");
    public string SourceTarball => Path.Combine(Work, "source.tar.gz");
    public string OutA => Path.Combine(Work, "out-a");
    public string OutB => Path.Combine(Work, "out-b");
    public string Commit { get; private set; } = "";
    public string CommitDate { get; private set; } = "";
    public TimeSpan BuildTimeA { get; private set; }
    public TimeSpan BuildTimeB { get; private set; }
    public IReadOnlyDictionary<string, string> EnvironmentA => Environment("a");
    public IReadOnlyDictionary<string, string> EnvironmentB => Environment("b");

    public async Task InitializeAsync()
    {
        Work = Directory.CreateTempSubdirectory("timemark-build-").FullName;
        foreach (string side in new[] { "a", "b" })
        {
            Directory.CreateDirectory(Path.Combine(Work, side, "home"));
            Directory.CreateDirectory(Path.Combine(Work, side, "nuget"));
        }
        Directory.CreateDirectory(CheckoutA);
        Directory.CreateDirectory(SourceB);

        // Snapshot the working tree into a fresh repository with one commit at a fixed date (committer in +01:00,
        // so the build must normalise the date to UTC for A and B to agree).
        string snapshot = $"""
            set -euo pipefail
            git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
              tar --null -T - -cf - | tar -x -C '{CheckoutA}'
            cd '{CheckoutA}'
            git init -q
            git add -A
            GIT_AUTHOR_DATE=2026-12-01T12:00:00+01:00 GIT_COMMITTER_DATE=2026-12-01T12:00:00+01:00 \
              git -c user.name=TimeMark -c user.email=test@example.invalid -c commit.gpgsign=false commit -q -m snapshot
            git archive --format=tar.gz -o '{SourceTarball}' HEAD
            tar -xzf '{SourceTarball}' -C '{SourceB}'
            git log -1 --format='%H %cI'
            """;
        (int exit, string stdout, string stderr) = await Shell.BashAsync(snapshot, RepositoryRoot);
        Assert.True(exit == 0, $"snapshot failed:\n{stderr}");
        string[] head = stdout.Trim().Split(' ');
        (Commit, CommitDate) = (head[0], head[1]);

        Task<TimeSpan> a = PublishAsync(CheckoutA, [OutA], EnvironmentA);
        Task<TimeSpan> b = PublishAsync(SourceB, [OutB, "--commit", Commit, "--date", CommitDate], EnvironmentB);
        BuildTimeA = await a;
        BuildTimeB = await b;
    }

    /// <summary>The signed release of checkout A, made on first use (the build-script tests run one at a time).</summary>
    public Task<SignedRelease> SignedReleaseAsync() => _release ??= SignedRelease.CreateAsync(this);

    public async Task DisposeAsync()
    {
        if (_release is { IsCompletedSuccessfully: true })
            await (await _release).StopAgentAsync();
        await Shell.BashAsync("chmod -R u+w .", Work);
        Directory.Delete(Work, recursive: true);
    }

    public static JsonDocument ReadManifest(string outDirectory) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDirectory, BuildManifest.FileName)));

    public static string ManifestHash(string outDirectory)
    {
        using JsonDocument manifest = ReadManifest(outDirectory);
        return manifest.RootElement.GetProperty("binary_hash").GetString()!;
    }

    private static async Task<TimeSpan> PublishAsync(string source, string[] args, IReadOnlyDictionary<string, string> environment)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        (int exit, string stdout, string stderr) = await Shell.RunAsync(Path.Combine(source, "build.sh"), ["publish", .. args], source, environment);
        Assert.True(exit == 0, $"build.sh publish in {source} failed ({exit}):\n{stdout}\n{stderr}");
        return watch.Elapsed;
    }

    private Dictionary<string, string> Environment(string side) => new()
    {
        ["HOME"] = Path.Combine(Work, side, "home"),
        ["NUGET_PACKAGES"] = Path.Combine(Work, side, "nuget"),
        ["DOTNET_CLI_HOME"] = Path.Combine(Work, side, "home"),
    };

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "build.sh")) && File.Exists(Path.Combine(dir.FullName, "TimeMark.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no build.sh above {AppContext.BaseDirectory}");
    }
}
