// The closed set of reasons the evidence log's parsers reject untrusted text or bytes
// (C2SP signed-note, tlog-checkpoint and tlog-tiles formats).

namespace TimeMark.EvidenceLog;

/// <summary>Why a TryParse method rejected its input.</summary>
public enum ParseError
{
    /// <summary>The input parsed.</summary>
    None = 0,

    /// <summary>The input is longer than the format's size limit.</summary>
    TooLarge,

    /// <summary>The input is not well-formed UTF-8 (or UTF-16 for strings).</summary>
    InvalidEncoding,

    /// <summary>The input holds an ASCII control character other than newline.</summary>
    ControlCharacter,

    /// <summary>A signed note has no blank line followed by signature lines ending in a newline.</summary>
    MissingSignatures,

    /// <summary>A signature line is not "— name base64", its key name is invalid, or its base64 is not canonical or too short.</summary>
    MalformedSignature,

    /// <summary>A signed note carries more signatures than <see cref="SignedNote.MaxSignatures"/>.</summary>
    TooManySignatures,

    /// <summary>A verifier key is not "name+hex8+base64" with a valid name and canonical encodings.</summary>
    MalformedVerifierKey,

    /// <summary>A verifier key names a signature type other than Ed25519 (0x01).</summary>
    UnknownAlgorithm,

    /// <summary>A verifier key's key ID does not match its name and public key.</summary>
    KeyIdMismatch,

    /// <summary>Checkpoint text has fewer than three lines, or does not end in a newline.</summary>
    MissingLines,

    /// <summary>A checkpoint's origin line is empty.</summary>
    EmptyOrigin,

    /// <summary>A checkpoint's tree size is not a canonical decimal number that fits in a signed 64-bit integer.</summary>
    InvalidTreeSize,

    /// <summary>A checkpoint's root hash is not the canonical base64 encoding of 32 bytes.</summary>
    InvalidRootHash,

    /// <summary>A checkpoint has an empty extension line.</summary>
    EmptyExtensionLine,

    /// <summary>A tile path is not in the canonical tlog-tiles form.</summary>
    MalformedTilePath,

    /// <summary>An entry bundle ends inside a length prefix or an entry.</summary>
    TruncatedEntry,

    /// <summary>An entry bundle holds a different number of entries than its tile width.</summary>
    EntryCountMismatch,

    /// <summary>
    /// A log entry is not one well-formed item of RFC 8949 §4.2.1 deterministic CBOR: indefinite length,
    /// non-shortest integer or length, duplicate or unsorted keys, invalid UTF-8, a tag, or truncated.
    /// </summary>
    NotDeterministicCbor,

    /// <summary>A log entry is followed by more bytes.</summary>
    TrailingBytes,

    /// <summary>A log entry's kind (key 0) is not a kind this version knows.</summary>
    UnknownEntryKind,

    /// <summary>A log entry lacks a field its kind requires, has one it does not allow, or a field has the wrong type, is empty or too long.</summary>
    InvalidEntryField,
}
