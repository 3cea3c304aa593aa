namespace TimeMark.Attestation;

/// <summary>One published file: its path relative to the published folder ('/'-separated, no "./") and its SHA-256 in lowercase hex.</summary>
public sealed record ManifestFile(string Path, string Sha256);
