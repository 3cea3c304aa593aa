using TimeMark.Protocol.Datagrams;

namespace TimeMark.Cli;

/// <summary>Every message text the CLI prints for a refused input, in one place.</summary>
internal static class Errors
{
    /// <summary>The one line printed on stderr: a stack trace or a second line would hide the reason.</summary>
    public static string Line(string message) =>
        "timemark: " + message.ReplaceLineEndings(" ");

    public static string CannotRead(string path, Exception e) => $"{path}: cannot read: {Reason(path, e)}";

    public static string CannotWrite(string path, Exception e) => $"{path}: cannot write: {Reason(path, e)}";

    public static string KeyFileExists(string path) =>
        $"{path}: already exists; keygen never overwrites a key file (choose another --name or --out)";

    public static string KeyNameInvalid(string name) =>
        $"--name \"{name}\" must be a plain file name, without a directory part";

    public static string ActionOutOfRange(ulong action) =>
        $"--action {action} is not a BRAID ACTION (1..7, OPTIONS..TRACE)";

    public static string NotJson(string path, string reason) => $"{path}: not valid JSON: {reason}";

    public static string BodyNotObject(string path) => $"{path}: BODY must be a JSON object";

    public static string BodyNotDatagram(string path, DatagramError error) =>
        $"{path}: this BODY makes a datagram that readers reject ({error})";

    public static string JsonDuplicateKey(string key) => $"key \"{key}\" appears twice in one object";

    public static string JsonNumberOutOfRange(string number) => $"number {number} does not fit a CBOR integer or a double";

    public static string NotCbor(string path, string reason) => $"{path}: not CBOR: {reason}";

    public static string CborTooDeep(int offset, int limit) =>
        $"maps, arrays and tags nest deeper than {limit} levels at offset {offset}";

    public static string CborMalformed(int offset, string reason) => $"not well-formed CBOR at offset {offset} ({reason})";

    public static string BrokerKeyNotEd25519(string path) =>
        $"{path}: the broker key must be Ed25519 (VERIFICATION_TOKEN is an Ed25519 signature)";

    public static string NotADatagram(string path, DatagramError error) => $"{path}: not a BRAID datagram: {error}";

    public static string AlreadyMarked(string path) =>
        $"{path}: already marked (it carries INGESTION_TIME, LOG_INDEX or VERIFICATION_TOKEN); a broker rejects it instead of marking it again";

    public static string NotAVerifierKey(string source, EvidenceLog.ParseError error) =>
        $"{source}: not a signed-note verifier key (name+hex8+base64 of 0x01 and an Ed25519 public key): {error}";

    public static string KeyOptionsBoth => "give the log's verifier key with --key or with --key-file, not both";

    public static string KeyOptionsNone => "the log's verifier key is required: give --key VKEY or --key-file FILE";

    public static string LeafHashInvalid(string value) =>
        $"--leaf-hash \"{value}\" is not the standard base64 of a 32-byte hash";

    public static string EntryOrLeafHash => "give the proven entry with --entry FILE or its leaf hash with --leaf-hash B64, exactly one of them";

    public static string IndexBeyondTree(long index, long treeSize) =>
        $"--index {index} is not below the tree size {treeSize}";

    public static string SizeBeyondLog(string option, long size, string db, long entryCount) =>
        $"{option} {size} is beyond the {entryCount} entries of {db}";

    public static string FromAfterTo(long from, long to) => $"--from {from} is greater than --to {to}";

    public static string NoCheckpoint(string db) => $"{db}: the log has no checkpoint to take the tree size from; give --size";

    public static string LatestCheckpointUnreadable(string db, EvidenceLog.ParseError error) =>
        $"{db}: the latest stored checkpoint does not parse ({error}); give --size, and run 'timemark log verify'";

    private static string Reason(string path, Exception e) => e switch
    {
        FileNotFoundException => "no such file",
        DirectoryNotFoundException => "no such directory",
        UnauthorizedAccessException when Directory.Exists(path) => "it is a directory",
        _ => e.Message,
    };
}
