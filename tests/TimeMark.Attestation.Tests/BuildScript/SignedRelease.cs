namespace TimeMark.Attestation.Tests.BuildScript;

/// <summary>
/// One <c>./build.sh release --gpg-key</c> of build A's checkout, signed with a throwaway Ed25519 key made in batch
/// mode without a passphrase, in a GNUPGHOME of its own.
/// </summary>
public sealed class SignedRelease
{
    private readonly TwoBuilds _builds;

    private SignedRelease(TwoBuilds builds) => _builds = builds;

    public static async Task<SignedRelease> CreateAsync(TwoBuilds builds)
    {
        var release = new SignedRelease(builds);
        await release.InitializeAsync();
        return release;
    }

    public string Directory => Path.Combine(_builds.Work, "release");
    public string GnupgHome => Path.Combine(_builds.Work, "gnupg");
    public string Name => "timemark-" + _builds.Commit[..12];
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>(_builds.EnvironmentA) { ["GNUPGHOME"] = GnupgHome };
    public string Output { get; private set; } = "";

    private async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(GnupgHome);
        File.SetUnixFileMode(GnupgHome, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        (int exit, string stdout, string stderr) = await Shell.BashAsync("""
            set -euo pipefail
            gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'TimeMark release test <release-test@example.invalid>' ed25519 sign never 2>/dev/null
            gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" { print $10; exit }'
            """, _builds.Work, Environment);
        Assert.True(exit == 0, stderr);
        string fingerprint = stdout.Trim();
        (exit, stdout, stderr) = await Shell.RunAsync(Path.Combine(_builds.CheckoutA, "build.sh"), ["release", Directory, "--gpg-key", fingerprint], _builds.CheckoutA, Environment);
        Assert.True(exit == 0, $"build.sh release failed ({exit}):\n{stdout}\n{stderr}");
        Output = stdout;
    }

    /// <summary>Stops the gpg-agent the key generation and signing started.</summary>
    public Task StopAgentAsync() => Shell.BashAsync("gpgconf --kill all", _builds.Work, Environment);
}
