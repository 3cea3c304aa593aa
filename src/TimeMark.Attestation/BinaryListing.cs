// binary_hash, as docs/build.md defines it: the SHA-256 of a sha256sum-style listing of the published files,
// one line "<sha256 hex>  <relative path>\n" per file (two spaces, path without "./"), sorted by the path's
// UTF-8 bytes (what `LC_ALL=C sort` does), leaving out the manifest timemark.build.json at the top of the folder.
// The same value comes from coreutils alone:
//   cd out && find . -type f ! -path ./timemark.build.json -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum

using System.Security.Cryptography;
using System.Text;

namespace TimeMark.Attestation;

/// <summary>The published files of a folder and the binary_hash over them.</summary>
public static class BinaryListing
{
    /// <summary>Every regular file under <paramref name="directory"/> except the top-level manifest, with its SHA-256, in listing order.</summary>
    /// <remarks>Symbolic links are left out, as <c>find -type f</c> leaves them out; a listed file replaced by a link therefore shows as missing.</remarks>
    /// <exception cref="IOException">A file could not be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A file could not be opened.</exception>
    public static IReadOnlyList<ManifestFile> Measure(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string root = Path.GetFullPath(directory);
        var files = new List<ManifestFile>();
        foreach (string file in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var info = new FileInfo(file);
            if (info.LinkTarget is not null)
                continue;
            string relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (relative == BuildManifest.FileName)
                continue;
            using FileStream stream = info.OpenRead();
            files.Add(new ManifestFile(relative, Convert.ToHexStringLower(SHA256.HashData(stream))));
        }
        return Sort(files);
    }

    /// <summary>The files sorted as <c>LC_ALL=C sort</c> sorts their paths: by UTF-8 bytes.</summary>
    public static IReadOnlyList<ManifestFile> Sort(IEnumerable<ManifestFile> files) =>
        [.. files.OrderBy(f => Encoding.UTF8.GetBytes(f.Path), ByteOrder.Instance)];

    /// <summary>The sha256sum-style listing, in the order given: "<c>HASH  PATH\n</c>" per file.</summary>
    public static string Format(IEnumerable<ManifestFile> files)
    {
        var listing = new StringBuilder();
        foreach (ManifestFile file in files)
            listing.Append(file.Sha256).Append("  ").Append(file.Path).Append('\n');
        return listing.ToString();
    }

    /// <summary>binary_hash: the SHA-256 of the listing of the files in listing order, lowercase hex.</summary>
    public static string Hash(IEnumerable<ManifestFile> files) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Format(Sort(files)))));

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => ((ReadOnlySpan<byte>)x).SequenceCompareTo(y);
    }
}
