using TimeMark.Attestation;
using TimeMark.Broker.Hosting;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// A published-style copy of the broker built beside the tests, with a build manifest, so that
/// <c>timemark measure</c> and <c>/build</c> have a binary_hash to report. Shared by a test class; read only.
/// </summary>
public sealed class InstalledBroker : IDisposable
{
    public InstalledBroker()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("timemark-installed-").FullName;
        BinaryHash = Install(Directory);
    }

    /// <summary>The folder holding timemark.dll and timemark.build.json.</summary>
    public string Directory { get; }

    public string Program => Path.Combine(Directory, "timemark.dll");

    /// <summary>The hash a release would publish for these files.</summary>
    public string BinaryHash { get; }

    /// <summary>Copies the built files into <paramref name="directory"/> and writes their manifest; returns its binary_hash.</summary>
    public static string Install(string directory)
    {
        foreach (string file in System.IO.Directory.EnumerateFiles(AppContext.BaseDirectory, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(AppContext.BaseDirectory, file);
            if (relative == BuildManifest.FileName)
                continue;
            string target = Path.Combine(directory, relative);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
        // The manifest must name the commit compiled into the binaries, when they carry one.
        string commit = BrokerService.SourceCommit() is string embedded && embedded.Length is 40 or 64 ? embedded : new string('0', 40);
        BuildManifest manifest = BuildManifest.Create(directory, commit, "2026-12-03T00:00:00Z", "10.0.401");
        File.WriteAllBytes(Path.Combine(directory, BuildManifest.FileName), manifest.Format());
        return manifest.BinaryHash;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
