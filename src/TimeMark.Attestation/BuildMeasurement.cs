// Self-measurement (design.md, "Verifiable deployment"): at start the broker hashes its own published files and
// compares them with the build manifest. A missing manifest, a manifest that does not parse and any difference are
// reported as such; only an exact match is Verified.

namespace TimeMark.Attestation;

/// <summary>The published files of a folder, measured and compared with the manifest beside them.</summary>
public sealed class BuildMeasurement
{
    private BuildMeasurement(string directory, BuildStatus status, string? binaryHash, BuildManifest? manifest, IReadOnlyList<string> differences, string detail)
    {
        Directory = directory;
        Status = status;
        BinaryHash = binaryHash;
        Manifest = manifest;
        Differences = differences;
        Detail = detail;
    }

    /// <summary>The measured folder (the program's own, <see cref="AppContext.BaseDirectory"/>, for the broker).</summary>
    public string Directory { get; }

    public BuildStatus Status { get; }

    public bool IsVerified => Status == BuildStatus.Verified;

    /// <summary>binary_hash over the files as they are now; null when there is no manifest (nothing measured) or a file was unreadable.</summary>
    public string? BinaryHash { get; }

    /// <summary>The manifest, when it parsed; its values are claims, trusted only when <see cref="IsVerified"/>.</summary>
    public BuildManifest? Manifest { get; }

    /// <summary>One line per difference: "changed: PATH", "missing: PATH", "unexpected: PATH", or a contradiction in the manifest.</summary>
    public IReadOnlyList<string> Differences { get; }

    /// <summary>A plain sentence for /build and the start-up log; a development build's starts with "development build".</summary>
    public string Detail { get; }

    /// <summary>Measures <paramref name="directory"/> against its timemark.build.json.</summary>
    /// <param name="directory">The published folder.</param>
    /// <param name="embeddedCommit">The commit compiled into the binaries (their informational version), if known: the manifest must name the same.</param>
    public static BuildMeasurement Measure(string directory, string? embeddedCommit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string root = Path.GetFullPath(directory);
        string manifestPath = Path.Combine(root, BuildManifest.FileName);
        try
        {
            if (!File.Exists(manifestPath))
                return new BuildMeasurement(root, BuildStatus.NoManifest, null, null, [],
                    $"development build: no build manifest ({BuildManifest.FileName}) beside the binaries in {root}, so nothing was measured");

            byte[] bytes;
            using (FileStream stream = File.OpenRead(manifestPath))
            {
                if (stream.Length > BuildManifest.MaxSize)
                    return Unreadable(root, null, $"{BuildManifest.FileName} is larger than {BuildManifest.MaxSize} bytes");
                bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
            }
            IReadOnlyList<ManifestFile> measured = BinaryListing.Measure(root);
            string binaryHash = BinaryListing.Hash(measured);
            if (!BuildManifest.TryParse(bytes, out BuildManifest? manifest, out ManifestError error))
                return Unreadable(root, binaryHash, $"{BuildManifest.FileName} does not parse ({error})");

            List<string> differences = Compare(manifest!, measured, embeddedCommit);
            if (differences.Count == 0 && binaryHash == manifest!.BinaryHash)
                return new BuildMeasurement(root, BuildStatus.Verified, binaryHash, manifest, [],
                    $"verified: the {measured.Count} published files match {BuildManifest.FileName} (binary_hash {binaryHash})");
            return new BuildMeasurement(root, BuildStatus.Mismatch, binaryHash, manifest, differences,
                $"mismatch: the published files differ from {BuildManifest.FileName} ({string.Join("; ", differences)}); this is not a verified build");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new BuildMeasurement(root, BuildStatus.Unmeasurable, null, null, [],
                $"not measured: {e.Message}; this is not a verified build");
        }
    }

    private static BuildMeasurement Unreadable(string root, string? binaryHash, string why) =>
        new(root, BuildStatus.ManifestUnreadable, binaryHash, null, [], $"unreadable manifest: {why}; this is not a verified build");

    private static List<string> Compare(BuildManifest manifest, IReadOnlyList<ManifestFile> measured, string? embeddedCommit)
    {
        var differences = new List<string>();
        var listed = manifest.Files.ToDictionary(f => f.Path, f => f.Sha256, StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (ManifestFile file in measured)
        {
            found.Add(file.Path);
            if (!listed.TryGetValue(file.Path, out string? expected))
                differences.Add($"unexpected: {file.Path}");
            else if (expected != file.Sha256)
                differences.Add($"changed: {file.Path}");
        }
        foreach (ManifestFile file in manifest.Files)
        {
            if (!found.Contains(file.Path))
                differences.Add($"missing: {file.Path}");
        }
        if (BinaryListing.Hash(manifest.Files) != manifest.BinaryHash)
            differences.Add("the manifest's binary_hash does not match its own file list");
        if (embeddedCommit is not null && embeddedCommit != manifest.SourceCommit)
            differences.Add($"the manifest names commit {manifest.SourceCommit}, the binaries were built from {embeddedCommit}");
        return differences;
    }
}
