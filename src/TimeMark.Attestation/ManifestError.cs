namespace TimeMark.Attestation;

/// <summary>Why a build manifest did not parse.</summary>
public enum ManifestError
{
    None,
    /// <summary>Not JSON, or not a JSON object.</summary>
    NotJson,
    /// <summary>The "format" member is missing or names another format.</summary>
    UnknownFormat,
    /// <summary>A required member is missing or has the wrong JSON type.</summary>
    MissingMember,
    /// <summary>A hash is not 64 lowercase hex digits, or source_commit is not a full commit hash.</summary>
    MalformedHash,
    /// <summary>A file path is empty, absolute, has "." or ".." segments, a backslash or a control character, or is listed twice.</summary>
    MalformedPath,
}
