// The closed set of reasons InclusionProofJson.TryParse and ConsistencyProofJson.TryParse reject their input.
// Kept apart from ParseError (the C2SP text and tile formats) because this JSON is TimeMark's own API format.

namespace TimeMark.EvidenceLog;

/// <summary>Why a proof JSON document was rejected.</summary>
public enum ProofJsonError
{
    /// <summary>The document parsed.</summary>
    None = 0,

    /// <summary>The document is longer than the format's size limit.</summary>
    TooLarge,

    /// <summary>The document is not exactly one well-formed JSON object in valid UTF-8 (comments, trailing commas and trailing content are refused).</summary>
    MalformedJson,

    /// <summary>The object has a member this proof kind does not define.</summary>
    UnknownField,

    /// <summary>The object names a member twice.</summary>
    DuplicateField,

    /// <summary>The object lacks a member this proof kind requires.</summary>
    MissingField,

    /// <summary>A size or index is not a JSON integer in 0..2^63-1, or the numbers are impossible together (index ≥ size, old size &gt; new size).</summary>
    InvalidNumber,

    /// <summary>A hash is not a string holding the canonical standard base64 of 32 bytes, or "hashes" is not an array of such strings.</summary>
    InvalidHash,

    /// <summary>"hashes" holds more hashes than any proof of this kind can have.</summary>
    TooManyHashes,
}
