// timemark.build.json, written by ./build.sh publish beside the published files (docs/build.md, "The manifest").
// binary_hash is defined in BinaryListing; the manifest is not part of it.

using System.Text.Json;

namespace TimeMark.Attestation;

/// <summary>What a build says it produced: every published file with its SHA-256, binary_hash, the source commit, the build date and the SDK.</summary>
public sealed class BuildManifest
{
    /// <summary>The manifest's file name, at the top of the published folder.</summary>
    public const string FileName = "timemark.build.json";

    /// <summary>The value of the "format" member.</summary>
    public const string FormatName = "timemark-build/1";

    /// <summary>Manifests larger than this are not read: a published folder lists a few hundred files.</summary>
    public const int MaxSize = 1 << 20;

    public BuildManifest(string binaryHash, string sourceCommit, string buildDate, string sdk, IReadOnlyList<ManifestFile> files)
    {
        BinaryHash = binaryHash;
        SourceCommit = sourceCommit;
        BuildDate = buildDate;
        Sdk = sdk;
        Files = files;
    }

    /// <summary>binary_hash as the build computed it (<see cref="BinaryListing.Hash"/>).</summary>
    public string BinaryHash { get; }

    /// <summary>The full commit hash the build was given.</summary>
    public string SourceCommit { get; }

    /// <summary>The commit's date (ISO 8601, UTC), never the clock of the build machine.</summary>
    public string BuildDate { get; }

    /// <summary>The .NET SDK version that built it.</summary>
    public string Sdk { get; }

    /// <summary>The published files in listing order.</summary>
    public IReadOnlyList<ManifestFile> Files { get; }

    /// <summary>The manifest for the files of <paramref name="directory"/> as they are now.</summary>
    public static BuildManifest Create(string directory, string sourceCommit, string buildDate, string sdk)
    {
        IReadOnlyList<ManifestFile> files = BinaryListing.Measure(directory);
        return new BuildManifest(BinaryListing.Hash(files), sourceCommit, buildDate, sdk, files);
    }

    /// <summary>The manifest as indented UTF-8 JSON with a final newline, members in a fixed order.</summary>
    public byte[] Format()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
        {
            json.WriteStartObject();
            json.WriteString("format", FormatName);
            json.WriteString("binary_hash", BinaryHash);
            json.WriteString("source_commit", SourceCommit);
            json.WriteString("build_date", BuildDate);
            json.WriteString("sdk", Sdk);
            json.WriteStartArray("files");
            foreach (ManifestFile file in Files)
            {
                json.WriteStartObject();
                json.WriteString("path", file.Path);
                json.WriteString("sha256", file.Sha256);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>Parses a manifest; untrusted bytes never throw.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out BuildManifest? manifest, out ManifestError error)
    {
        manifest = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray());
        }
        catch (JsonException)
        {
            error = ManifestError.NotJson;
            return false;
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = ManifestError.NotJson;
                return false;
            }
            if (!TryString(root, "format", out string? format) || format != FormatName)
            {
                error = ManifestError.UnknownFormat;
                return false;
            }
            if (!TryString(root, "binary_hash", out string? binaryHash) || !TryString(root, "source_commit", out string? commit)
                || !TryString(root, "build_date", out string? date) || !TryString(root, "sdk", out string? sdk)
                || !root.TryGetProperty("files", out JsonElement filesElement) || filesElement.ValueKind != JsonValueKind.Array)
            {
                error = ManifestError.MissingMember;
                return false;
            }
            if (!IsSha256(binaryHash) || !IsCommit(commit))
            {
                error = ManifestError.MalformedHash;
                return false;
            }
            var files = new List<ManifestFile>();
            var paths = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonElement item in filesElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !TryString(item, "path", out string? path) || !TryString(item, "sha256", out string? sha256))
                {
                    error = ManifestError.MissingMember;
                    return false;
                }
                if (!IsSha256(sha256))
                {
                    error = ManifestError.MalformedHash;
                    return false;
                }
                if (!IsRelativePath(path) || !paths.Add(path))
                {
                    error = ManifestError.MalformedPath;
                    return false;
                }
                files.Add(new ManifestFile(path, sha256));
            }
            manifest = new BuildManifest(binaryHash, commit, date, sdk, files);
            error = ManifestError.None;
            return true;
        }
    }

    private static bool TryString(JsonElement obj, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = obj.TryGetProperty(name, out JsonElement element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        return value is not null;
    }

    internal static bool IsSha256(string hex) => hex.Length == 64 && IsLowerHex(hex);

    /// <summary>A full Git commit hash: SHA-1 (40 hex digits) or SHA-256 (64).</summary>
    internal static bool IsCommit(string hex) => (hex.Length == 40 || hex.Length == 64) && IsLowerHex(hex);

    private static bool IsLowerHex(string text) => text.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary>A path the listing can carry verbatim: sha256sum escapes backslashes and newlines, so those are refused.</summary>
    internal static bool IsRelativePath(string path) =>
        path.Length > 0 && path[0] != '/' && !path.Any(c => c == '\\' || char.IsControl(c))
        && path.Split('/').All(segment => segment.Length > 0 && segment != "." && segment != "..");
}
