namespace TimeMark.Attestation;

/// <summary>What the self-measurement found. Only <see cref="Verified"/> is a verified build.</summary>
public enum BuildStatus
{
    /// <summary>The files match the manifest exactly, and the manifest's binary_hash matches its own file list.</summary>
    Verified,
    /// <summary>No timemark.build.json beside the binaries: a development build (dotnet run, dotnet test); nothing was measured.</summary>
    NoManifest,
    /// <summary>The manifest is there but does not parse.</summary>
    ManifestUnreadable,
    /// <summary>The files differ from the manifest (changed, missing or extra files), or the manifest contradicts itself or the binaries.</summary>
    Mismatch,
    /// <summary>A file could not be read, so nothing can be said.</summary>
    Unmeasurable,
}
