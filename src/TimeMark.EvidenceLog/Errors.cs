// Every exception the evidence log throws is made here, so each message names the rule it enforces.
// Exceptions are for programmer errors only; untrusted input goes through TryParse/Verify instead.

using System.Diagnostics;

namespace TimeMark.EvidenceLog;

internal static class Errors
{
    public static ArgumentException HashLength(string paramName, int length) =>
        new($"evidence log: a hash is {Hash.Size} bytes, got {length}", paramName);

    public static ArgumentException SpanLength(string paramName, int length, int expected) =>
        new($"evidence log: {paramName} has {length} elements, the operation needs {expected}", paramName);

    public static ArgumentOutOfRangeException OutOfRange(string paramName, object value, string rule) =>
        new(paramName, value, $"evidence log: {rule}");

    public static ArgumentException InvalidKeyName(string paramName) =>
        new("signed note: key name must be non-empty and contain no Unicode space, '+' or control character", paramName);

    public static ArgumentException WrongAlgorithm(string paramName) =>
        new("signed note: only Ed25519 keys are supported (signature type 0x01)", paramName);

    public static ArgumentException InvalidNoteText(string paramName) =>
        new("signed note: text must be well-formed, end in a newline and contain no control character other than newline", paramName);

    public static ArgumentException NoSigners(string paramName) =>
        new("signed note: a note needs at least one signature", paramName);

    public static ArgumentException AmbiguousVerifier(string paramName, string name, uint keyId) =>
        new($"signed note: two different verifier keys share the name '{name}' and key ID {keyId:x8}", paramName);

    public static ArgumentException InvalidOrigin(string paramName) =>
        new("checkpoint: origin must be a non-empty single line without control characters", paramName);

    public static ArgumentException InvalidExtensionLine(string paramName) =>
        new("checkpoint: extension lines must be non-empty single lines without control characters", paramName);

    public static ArgumentException EntryTooLarge(string paramName, int index, int length) =>
        new($"entry bundle: entry {index} is {length} bytes, the uint16 length prefix allows at most {EntryBundle.MaxEntrySize}", paramName);

    public static ArgumentException BundleCount(string paramName, int count) =>
        new($"entry bundle: a bundle holds 1..{Tile.FullWidth} entries, got {count}", paramName);

    public static InvalidOperationException NotAHashTile() =>
        new("tile: an entry bundle has no stored hashes; read its entries instead");

    public static UnreachableException BadMath(string where) =>
        new($"evidence log: bad index math in {where}");
}
